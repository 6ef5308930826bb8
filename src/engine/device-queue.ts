// One queue per device, so concurrent requests never oversubscribe it; interactive work is
// queued ahead of background jobs (which still get a turn: see INTERACTIVE_BURST), and every call
// has a deadline.
import PQueue from 'p-queue';
import { EngineError } from './engine-error.js';
import type { Device } from './device.js';

export const PRIORITY_INTERACTIVE = 10;
export const PRIORITY_BACKGROUND = 0;
/**
 * Work nobody waits for (encoding stored images ahead of their first click): it runs only when
 * nothing else waits, and takes no turn from clicks or jobs (INTERACTIVE_BURST is for jobs).
 */
export const PRIORITY_IDLE = -10;
/**
 * While background work waits, at most this many interactive calls start in a row before the
 * oldest waiting background call goes first: clicks stay ahead, and a propagation job still
 * advances under a steady stream of them instead of starving (seen in the load run).
 */
export const INTERACTIVE_BURST = 4;

interface DeviceQueue {
  queue: PQueue;
  /** Ids of background calls waiting, oldest first. */
  waiting: string[];
  /** Interactive starts since a background call last started while one was waiting. */
  streak: number;
}

let nextId = 0;

export class DeviceQueues {
  private readonly queues = new Map<Device, DeviceQueue>();

  constructor(
    private readonly concurrency: number,
    private readonly timeoutMs: number,
  ) {}

  private queue(device: Device): DeviceQueue {
    let q = this.queues.get(device);
    if (!q) {
      q = { queue: new PQueue({ concurrency: this.concurrency }), waiting: [], streak: 0 };
      this.queues.set(device, q);
    }
    return q;
  }

  /** Bookkeeping as a call starts: the turn-taking of INTERACTIVE_BURST. */
  private starting(q: DeviceQueue, id: string, background: boolean): void {
    if (background) {
      q.waiting.splice(q.waiting.indexOf(id), 1);
      q.streak = 0;
      return;
    }
    if (!q.waiting.length || ++q.streak < INTERACTIVE_BURST) return;
    q.queue.setPriority(q.waiting[0]!, PRIORITY_INTERACTIVE + 1);
    q.streak = 0;
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
      const q = this.queue(device);
      const id = `call-${nextId++}`;
      const background = priority < PRIORITY_INTERACTIVE && priority > PRIORITY_IDLE;
      if (background) q.waiting.push(id);
      q.queue
        .add(
          async () => {
            if (priority > PRIORITY_IDLE) this.starting(q, id, background); // idle work takes no part in the turns
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
          { priority, id },
        )
        .catch(reject);
    });
  }

  stats(): Record<string, { pending: number; running: number }> {
    return Object.fromEntries([...this.queues].map(([d, q]) => [d, { pending: q.queue.size, running: q.queue.pending }]));
  }

  async drain(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.queue.onIdle()));
  }
}
