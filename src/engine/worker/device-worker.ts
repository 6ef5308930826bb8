// The main thread's end of one device's ORT worker (ort-worker.ts): requests by id, replies
// settle them. The worker keeps the process alive only while a request is outstanding, and
// dispose() terminates it (the engine's dispose calls it).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type * as ort from 'onnxruntime-node';
import { PACKAGE_ROOT } from '../../paths.js';
import { RemoteSession } from './remote-session.js';
import { KeptIds, WorkerRequestError, type CreatedSession, type Device, type Outgoing, type Reply, type WorkerChannel } from './wire.js';


/** The compiled worker beside this file; from src/ (tests run TypeScript) the one in dist/. */
function workerScript(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const beside = path.join(here, 'ort-worker.js');
  if (existsSync(beside)) return beside;
  const built = path.join(PACKAGE_ROOT, 'dist', 'src', 'engine', 'worker', 'ort-worker.js');
  if (!existsSync(built)) throw new Error(`The ORT worker script is not built (${built}): run npm run build`);
  return built;
}

export class DeviceWorker implements WorkerChannel {
  /** Ids of the tensors this worker keeps, by their buffer on this thread. */
  readonly kept = new KeptIds();
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private failure: Error | undefined;
  sessions = 0;

  constructor(
    readonly device: Device,
    keptBytes: number,
  ) {
    this.worker = new Worker(workerScript(), { workerData: { keptBytes }, name: `ort-${device}` });
    this.worker.unref();
    this.worker.on('message', (r: Reply) => this.settle(r));
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`The ORT worker (${device}) exited with code ${code}`)));
  }

  request<T>(msg: Outgoing, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref(); // a pending reply keeps the process alive
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...msg, id }, transfer);
    });
  }

  async createSession(file: string, options: ort.InferenceSession.SessionOptions): Promise<RemoteSession> {
    const created = await this.request<CreatedSession>({ op: 'create', file, options });
    this.sessions++;
    return new RemoteSession(this, created);
  }

  async dispose(): Promise<void> {
    this.failure ??= new Error(`The ORT worker (${this.device}) was disposed`);
    await this.worker.terminate();
  }

  private settle(r: Reply): void {
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    if (this.pending.size === 0) this.worker.unref();
    if (r.ok) p.resolve(r.value);
    else p.reject(new WorkerRequestError(r.message, r.missing));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }
}
