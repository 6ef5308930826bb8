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

  /**
   * Runs fn when the device is free, interactive work first. Rejects with INFERENCE_TIMEOUT at the
   * deadline, whether the call is still waiting (it is then skipped) or running: inference runs
   * in a worker thread, so the timer fires on time. A call that overran keeps its place on the
   * device until it really ends, so the queue never oversubscribes the device.
   */
  run<T>(device: Device, fn: () => Promise<T>, priority = PRIORITY_INTERACTIVE, timeoutMs = this.timeoutMs): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let started = false;
      let expired = false;
      const timer = setTimeout(() => {
        expired = true;
        reject(
          started
            ? new EngineError('INFERENCE_TIMEOUT', `Inference exceeded its ${timeoutMs} ms deadline`)
            : new EngineError('INFERENCE_TIMEOUT', `Inference did not start within ${timeoutMs} ms (device ${device} busy)`, 'Retry later.'),
        );
      }, timeoutMs);
      this.queue(device)
        .add(
          async () => {
            if (expired) return;
            started = true;
            try {
              resolve(await fn());
            } catch (err) {
              reject(err);
            } finally {
              clearTimeout(timer);
            }
          },
          { priority },
        )
        .catch(reject);
    });
  }

  stats(): Record<string, { pending: number; running: number }> {
    return Object.fromEntries([...this.queues].map(([d, q]) => [d, { pending: q.size, running: q.pending }]));
  }

  async drain(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.onIdle()));
  }
}
