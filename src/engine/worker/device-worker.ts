// The main thread's end of one device's ORT worker (ort-worker.ts): requests by id, replies
// settle them. The worker keeps the process alive only while a request is outstanding, and
// dispose() terminates it (the engine's dispose calls it). A worker thread that dies (a native
// crash, out of memory, a bug) is restarted with backoff and given its sessions again, under the
// same ids, so the sessions the engine holds keep working; the calls it had in hand fail with
// WorkerCrashedError (the engine reports INFERENCE_FAILED, retryable).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import type * as ort from 'onnxruntime-node';
import { PACKAGE_ROOT } from '../../paths.js';
import { RemoteSession } from './remote-session.js';
import { KeptIds, WorkerRequestError, type CreatedSession, type Device, type DeviceLog, type Outgoing, type Reply, type WorkerChannel } from './wire.js';

/** The worker thread died with the request in hand (or while being restarted): try again. */
export class WorkerCrashedError extends Error {
  override name = 'WorkerCrashedError';
  readonly retryable = true;
}


export interface DeviceWorkerOptions {
  keptBytes: number;
  log?: DeviceLog;
  /** Delay before the first restart; doubled on each crash in a row, up to maxRestartDelayMs. */
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
}

/** A thread that lived this long before dying starts the backoff over. */
const STABLE_MS = 60_000;

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
  /** Ids of the tensors the current thread keeps, by their buffer on this thread (new with each thread). */
  kept = new KeptIds();
  /** Threads started after a crash, since this worker was made. */
  restarts = 0;
  /** The delay before the latest restart (tests read the backoff here, not on a clock). */
  lastRestartDelayMs = 0;
  private thread: Worker;
  private startedAt = 0;
  private crashesInRow = 0;
  private readonly dead = new WeakSet<Worker>();
  /** Settles when the current thread holds every session again; requests wait for it. */
  private ready: Promise<void> = Promise.resolve();
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  /** What each live session was created from, to create it again in a new thread. */
  private readonly created = new Map<number, { file: string; options: ort.InferenceSession.SessionOptions }>();
  private nextId = 1;
  private nextSession = 1;
  private disposed: Error | undefined;

  constructor(
    readonly device: Device,
    private readonly opts: DeviceWorkerOptions,
  ) {
    this.thread = this.spawn();
  }

  /** Sessions this worker holds. */
  get sessions(): number {
    return this.created.size;
  }

  /** Requests sent to the thread and not answered yet. */
  get inFlight(): number {
    return this.pending.size;
  }

  async request<T>(msg: Outgoing, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.disposed) throw this.disposed;
    await this.ready;
    if (this.disposed) throw this.disposed;
    return this.send<T>(msg, transfer);
  }

  async createSession(file: string, options: ort.InferenceSession.SessionOptions): Promise<RemoteSession> {
    const session = this.nextSession++;
    const created = await this.request<CreatedSession>({ op: 'create', session, file, options });
    this.created.set(session, { file, options });
    return new RemoteSession(this, created);
  }

  async releaseSession(session: number): Promise<void> {
    this.created.delete(session);
    await this.request({ op: 'release', session });
  }

  /**
   * Test hook: the current thread dies now with what it holds, as a crashed one would, and is
   * restarted. It exits once ONNX Runtime has finished the run it may be in (see ort-worker.ts);
   * from now on nothing it answers counts.
   */
  crash(): Promise<number> {
    const t = this.thread;
    const exited = new Promise<number>((resolve) => t.once('exit', resolve));
    this.crashed(t, new Error('crashed'));
    t.postMessage({ op: 'crash', id: 0 });
    return exited;
  }

  async dispose(): Promise<void> {
    this.disposed ??= new Error(`The ORT worker (${this.device}) was disposed`);
    this.failPending(this.disposed);
    this.dead.add(this.thread);
    await this.thread.terminate();
  }

  private spawn(): Worker {
    const w = new Worker(workerScript(), { workerData: { keptBytes: this.opts.keptBytes }, name: `ort-${this.device}` });
    w.unref();
    w.on('message', (r: Reply) => {
      if (!this.dead.has(w)) this.settle(r);
    });
    w.on('error', (err) => this.crashed(w, err));
    w.on('exit', (code) => this.crashed(w, new Error(`exited with code ${code}`)));
    this.startedAt = Date.now();
    return w;
  }

  private send<T>(msg: Outgoing, transfer: ArrayBuffer[]): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      if (this.pending.size === 0) this.thread.ref(); // a pending reply keeps the process alive
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.thread.postMessage({ ...msg, id }, transfer);
    });
  }

  private settle(r: Reply): void {
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    if (this.pending.size === 0) this.thread.unref();
    if (r.ok) p.resolve(r.value);
    else p.reject(new WorkerRequestError(r.message, r.missing));
  }

  private failPending(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  /** The thread `w` died: fail what it had in hand and start another after a backoff. */
  private crashed(w: Worker, cause: Error): void {
    if (this.dead.has(w) || this.disposed) return;
    this.dead.add(w);
    this.failPending(new WorkerCrashedError(`The ORT worker (${this.device}) stopped (${cause.message}) and is being restarted; retry the call`));
    if (Date.now() - this.startedAt > STABLE_MS) this.crashesInRow = 0;
    const base = this.opts.restartDelayMs ?? 100;
    const delay = Math.min(this.opts.maxRestartDelayMs ?? 10_000, base * 2 ** this.crashesInRow++);
    this.lastRestartDelayMs = delay;
    this.opts.log?.warn({ device: this.device, err: cause.message, restartInMs: delay, sessions: this.created.size }, 'ORT worker thread stopped; restarting it');
    const restarting = this.restart(delay);
    restarting.catch(() => undefined); // requests waiting on it see the failure; nobody else must
    this.ready = restarting;
  }

  private async restart(delay: number): Promise<void> {
    await sleep(delay, undefined, { ref: false });
    if (this.disposed) throw this.disposed;
    this.kept = new KeptIds(); // the new thread holds no tensor yet
    const t = (this.thread = this.spawn());
    this.restarts++;
    try {
      for (const [session, c] of this.created) await this.send({ op: 'create', session, file: c.file, options: c.options }, []);
    } catch (err) {
      // It could not take its sessions back: count it as a crash (a longer wait, then again).
      if (!this.dead.has(t)) {
        this.crashed(t, err as Error);
        void t.terminate();
      }
      throw new WorkerCrashedError(`The ORT worker (${this.device}) could not be restarted: ${(err as Error).message}`);
    }
    this.opts.log?.info({ device: this.device, sessions: this.created.size, restarts: this.restarts }, 'ORT worker thread restarted');
  }
}
