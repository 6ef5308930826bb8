// One queue per device, so concurrent requests never oversubscribe it; interactive work is
// queued ahead of background jobs, and every call has a deadline.
import PQueue from 'p-queue';
import { EngineError } from './engine-error.js';
import type { Device } from './device.js';

export const PRIORITY_INTERACTIVE = 10;
export const PRIORITY_BACKGROUND = 0;

export class DeviceQueues {
  private readonly queues = new Map<Device, PQueue>();

  constructor(
    private readonly concurrency: number,
    private readonly timeoutMs: number,
  ) {}

  private queue(device: Device): PQueue {
    let q = this.queues.get(device);
    if (!q) {
      q = new PQueue({ concurrency: this.concurrency });
      this.queues.set(device, q);
    }
    return q;
  }

  /** Runs fn when the device is free; rejects with INFERENCE_TIMEOUT past the deadline. */
  async run<T>(device: Device, fn: () => Promise<T>, priority = PRIORITY_INTERACTIVE, timeoutMs = this.timeoutMs): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    return this.queue(device).add(
      async () => {
        const left = deadline - Date.now();
        if (left <= 0) throw new EngineError('INFERENCE_TIMEOUT', `Inference did not start within ${timeoutMs} ms (device ${device} busy)`, 'Retry later.');
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new EngineError('INFERENCE_TIMEOUT', `Inference exceeded its ${timeoutMs} ms deadline`)), left);
        });
        try {
          const result = await Promise.race([fn(), timeout]);
          // onnxruntime-node runs a session on the main thread: the timer cannot fire during a
          // run, so a run that ended past the deadline is refused here.
          if (Date.now() > deadline) throw new EngineError('INFERENCE_TIMEOUT', `Inference exceeded its ${timeoutMs} ms deadline`);
          return result;
        } finally {
          clearTimeout(timer);
        }
      },
      { priority },
    ) as Promise<T>;
  }

  stats(): Record<string, { pending: number; running: number }> {
    return Object.fromEntries([...this.queues].map(([d, q]) => [d, { pending: q.size, running: q.pending }]));
  }

  async drain(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.onIdle()));
  }
}
