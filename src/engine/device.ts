// Chooses where ONNX sessions run. ENGINE_DEVICE=cpu uses the CPU provider; cuda requires the CUDA
// execution provider and fails clearly without it; auto tries CUDA once and falls back to CPU,
// logging why. The npm package of onnxruntime-node ships only the CPU provider (README: GPU).
// Sessions live in one worker thread per device (worker/), so inference never blocks the main thread.
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as ort from 'onnxruntime-node';
import { EngineError } from './engine-error.js';
import { DeviceWorker } from './worker/device-worker.js';
import { localSession, type GraphSession } from './worker/graph-session.js';
import type { Device, DeviceLog } from './worker/wire.js';

export type DeviceRequest = 'auto' | 'cuda' | 'cpu';
export type { Device } from './worker/wire.js';

export type { DeviceLog } from './worker/wire.js';

export interface SessionFactoryOptions {
  request: DeviceRequest;
  threads: number;
  log: DeviceLog;
  /** Bytes of encoder outputs each device's worker keeps so that decoder calls need not send them again. */
  keptBytes?: number;
  /** For tests: create sessions through this, on the main thread, instead of in a device's worker. */
  create?: (file: string, options: ort.InferenceSession.SessionOptions) => Promise<ort.InferenceSession>;
}

export const CUDA_HINT =
  'Install the CUDA execution provider on a GPU machine (npm install with ONNXRUNTIME_NODE_INSTALL=cuda12, see README "GPU"), or set ENGINE_DEVICE=cpu or auto.';

/**
 * The options of every ONNX Runtime session the engine creates (threads: ENGINE_THREADS, 0 = ORT's
 * default). Spinning is off: ORT's pool threads otherwise busy-wait between kernels, taking the
 * CPU that the main thread, libvips, ffmpeg and other processes on the same cores need (on this
 * 2-core machine: bench-sam2's uncached engine call 150–200 ms instead of 235–250 when quiet; the
 * hostile segmentImage test 36 s of CPU instead of 61–64 at a load of 12; bench/README.md,
 * "ENGINE_THREADS"). A benchmark's raw sessions should use the same options.
 */
export function ortSessionOptions(threads: number): ort.InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    ...(threads > 0 ? { intraOpNumThreads: threads } : {}),
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}

/** Creates ORT sessions on the configured device, remembering whether CUDA works. */
export class SessionFactory {
  private cudaFailure: string | undefined;
  private readonly workers = new Map<Device, DeviceWorker>();

  constructor(private readonly opts: SessionFactoryOptions) {
    // With auto, a missing provider library is known at once: say so now, and report cpu.
    if (opts.request === 'auto' && !opts.create && !cudaProviderInstalled()) {
      this.cudaFailure = 'the CUDA execution provider library (libonnxruntime_providers_cuda) is not installed';
      opts.log.warn({ reason: this.cudaFailure }, 'CUDA execution provider unavailable; falling back to CPU (ENGINE_DEVICE=auto)');
    }
  }

  /** Where the next session will go, as far as is known now. */
  get expectedDevice(): Device {
    return this.opts.request === 'cpu' || this.cudaFailure ? 'cpu' : 'cuda';
  }

  get cudaUnavailableReason(): string | undefined {
    return this.cudaFailure;
  }

  async session(file: string): Promise<{ session: GraphSession; device: Device }> {
    const base = ortSessionOptions(this.opts.threads);
    if (this.opts.request !== 'cpu' && !this.cudaFailure) {
      try {
        const session = await this.create('cuda', file, { ...base, executionProviders: ['cuda'] });
        return { session, device: 'cuda' };
      } catch (err) {
        this.retireIdle('cuda');
        const reason = firstLine((err as Error).message);
        if (!isProviderFailure(reason)) throw err; // a broken model file, not a device problem
        if (this.opts.request === 'cuda') {
          throw new EngineError('DEVICE_UNAVAILABLE', `ENGINE_DEVICE=cuda, but the CUDA execution provider cannot start: ${reason}`, CUDA_HINT);
        }
        this.cudaFailure = reason;
        this.opts.log.warn({ reason }, 'CUDA execution provider unavailable; falling back to CPU (ENGINE_DEVICE=auto)');
      }
    }
    const session = await this.create('cpu', file, { ...base, executionProviders: ['cpu'] });
    return { session, device: 'cpu' };
  }

  /** The worker thread of a device, once a session was created there (tests kill it). */
  worker(device: Device): DeviceWorker | undefined {
    return this.workers.get(device);
  }

  /** Terminates the device workers (after the registry released its sessions). */
  async dispose(): Promise<void> {
    await Promise.all([...this.workers.values()].map((w) => w.dispose()));
    this.workers.clear();
  }

  private async create(device: Device, file: string, options: ort.InferenceSession.SessionOptions): Promise<GraphSession> {
    if (this.opts.create) return localSession(await this.opts.create(file, options));
    let worker = this.workers.get(device);
    if (!worker) this.workers.set(device, (worker = new DeviceWorker(device, { keptBytes: this.opts.keptBytes ?? 0, log: this.opts.log })));
    return worker.createSession(file, options);
  }

  /** A device worker that could not create a session and holds none is not kept around. */
  private retireIdle(device: Device): void {
    const w = this.workers.get(device);
    if (w && w.sessions === 0) {
      this.workers.delete(device);
      void w.dispose();
    }
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0].slice(0, 500);
}

/** Messages ORT gives when an execution provider is missing or cannot load. */
function isProviderFailure(message: string): boolean {
  return /cuda|execution provider|backend|provider|libcudnn|libcublas|\.so/i.test(message);
}

/** Whether onnxruntime-node's CUDA provider library sits beside its binding (npm ships CPU only). */
export function cudaProviderInstalled(): boolean {
  try {
    const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
    const dir = path.join(path.dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
    return readdirSync(dir).some((f) => /onnxruntime_providers_cuda/.test(f));
  } catch {
    return false;
  }
}
