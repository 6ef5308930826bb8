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
 * While background work waits, interactive calls start in a row until there have been at least
 * this many of them and they have had the device INTERACTIVE_SHARE times as long as the last
 * background call took; then the oldest waiting background call goes first. Clicks stay ahead
 * (under a steady stream of them a job gets about a quarter of the device: one encoder run of a
 * propagation costs many decoder runs), and a propagation job still advances instead of starving
 * (seen in the load run).
 */
export const INTERACTIVE_BURST = 4;
export const INTERACTIVE_SHARE = 3;

interface DeviceQueue {
  queue: PQueue;
  /** Ids of background calls waiting, oldest first. */
  waiting: string[];
  /** Interactive starts since a background call last started while one was waiting. */
  streak: number;
  /** Device time of the interactive calls ended since a background call last started. */
  interactiveMs: number;
  /** How long the last background call had the device. */
  lastBackgroundMs: number;
}

let nextId = 0;

export class DeviceQueues {
  private readonly queues = new Map<Device, DeviceQueue>();

  constructor(
    private readonly concurrency: number,
    private readonly timeoutMs: number,
    /** The clock of the turn-taking (tests give their own). */
    private readonly now: () => number = () => performance.now(),
  ) {}

  private queue(device: Device): DeviceQueue {
    let q = this.queues.get(device);
    if (!q) {
      q = { queue: new PQueue({ concurrency: this.concurrency }), waiting: [], streak: 0, interactiveMs: 0, lastBackgroundMs: 0 };
      this.queues.set(device, q);
    }
    return q;
  }

  /** Bookkeeping as a call starts: the turn-taking of INTERACTIVE_BURST and INTERACTIVE_SHARE. */
  private starting(q: DeviceQueue, id: string, background: boolean): void {
    if (background) {
      q.waiting.splice(q.waiting.indexOf(id), 1);
      q.streak = 0;
      q.interactiveMs = 0;
      return;
    }
    if (!q.waiting.length || ++q.streak < INTERACTIVE_BURST || q.interactiveMs < INTERACTIVE_SHARE * q.lastBackgroundMs) return;
    q.queue.setPriority(q.waiting[0]!, PRIORITY_INTERACTIVE + 1);
    q.streak = 0;
  }

  /** Bookkeeping as a call ends: how long it had the device. */
  private ended(q: DeviceQueue, background: boolean, ms: number): void {
    if (background) q.lastBackgroundMs = ms;
    else q.interactiveMs += ms;
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
            const turns = priority > PRIORITY_IDLE; // idle work takes no part in the turns
            if (turns) this.starting(q, id, background);
            if (expired) return;
            started = true;
            const t0 = this.now();
            try {
              resolve(await fn());
            } catch (err) {
              reject(err);
            } finally {
              clearTimeout(timer);
              if (turns) this.ended(q, background, this.now() - t0);
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
