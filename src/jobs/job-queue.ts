// What carries job ids to the runner that executes them. The Job rows stay the truth clients read;
// a queue only says "run this id". In memory (p-queue) by default; BullMQ on Redis when shared
// (bullmq-job-queue.ts), where any process's runner may take a job and a dead runner's job is
// taken over by another (BullMQ's stalled-job recovery).
import PQueue from 'p-queue';

/** Runs one job; `takeover` when the job may be RUNNING already (its earlier runner died). */
export type RunJob = (jobId: string, takeover: boolean) => Promise<void>;

export interface JobQueue {
  /** Other processes take from the same queue: their RUNNING jobs are not this process's to judge. */
  readonly shared: boolean;
  /** Starts handing jobs to `run` (once). */
  start(run: RunJob): void;
  /** Queues a job id; adding an id that is already queued or running does nothing. */
  add(jobId: string): Promise<void>;
  /** Jobs waiting in this process (0 where the queue lives elsewhere). */
  readonly waiting: number;
  /** Stops taking jobs; `run` calls already started are not waited for here (the runner aborts them). */
  dispose(): Promise<void>;
}

export class MemoryJobQueue implements JobQueue {
  readonly shared = false;
  private readonly queue: PQueue;
  private readonly ids = new Set<string>();
  private run: RunJob | undefined;

  constructor(concurrency: number) {
    this.queue = new PQueue({ concurrency });
  }

  start(run: RunJob): void {
    this.run = run;
  }

  async add(jobId: string): Promise<void> {
    if (this.ids.has(jobId)) return;
    this.ids.add(jobId);
    void this.queue.add(async () => {
      try {
        await this.run!(jobId, false);
      } finally {
        this.ids.delete(jobId);
      }
    });
  }

  get waiting(): number {
    return this.queue.size;
  }

  async dispose(): Promise<void> {
    this.queue.clear();
    await this.queue.onIdle();
  }
}
