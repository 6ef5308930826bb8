// The job queue on BullMQ (REDIS_URL): job ids cross Redis, any process's worker takes them, and a
// job whose process died (its lock not renewed) is handed to another worker by BullMQ's stalled
// check — within about lockMs + 2 × stalledIntervalMs. The BullMQ job id is the Job row's id, so
// adding a job twice is a no-op while BullMQ still holds it.
import { Queue, Worker } from 'bullmq';
import type { RedisConnections } from '../redis/redis-connections.js';
import type { JobQueue, RunJob } from './job-queue.js';

export interface BullJobQueueOptions {
  concurrency: number;
  /** How long a worker's claim on a job lasts unless renewed (renewed every half of it). */
  lockMs: number;
  /** How often workers look for jobs whose claim ran out. */
  stalledIntervalMs: number;
  /** False on an api process (ROLE=api): it queues jobs and runs none. */
  consume?: boolean;
}

const QUEUE = 'jobs';

export class BullJobQueue implements JobQueue {
  readonly shared = true;
  readonly waiting = 0;
  private readonly queue: Queue;
  private worker: Worker | undefined;
  private readonly prefix: string;

  constructor(
    private readonly redis: RedisConnections,
    private readonly opts: BullJobQueueOptions,
  ) {
    this.prefix = `${redis.prefix}bull`;
    this.queue = new Queue(QUEUE, {
      connection: redis.open('jobs-queue'),
      prefix: this.prefix,
      // Finished BullMQ jobs are dropped: the rows keep the outcome, and an id can be queued again.
      defaultJobOptions: { removeOnComplete: true, removeOnFail: true, attempts: 1 },
    });
  }

  start(run: RunJob): void {
    if (this.opts.consume === false) return;
    this.worker = new Worker(QUEUE, (job) => run((job.data as { jobId: string }).jobId, true), {
      connection: this.redis.open('jobs-worker', { maxRetriesPerRequest: null }),
      prefix: this.prefix,
      concurrency: this.opts.concurrency,
      lockDuration: this.opts.lockMs,
      stalledInterval: this.opts.stalledIntervalMs,
      // A job whose runner died twice in a row is not handed out a third time.
      maxStalledCount: 2,
    });
    this.worker.on('error', () => undefined); // connection errors: ioredis reconnects (logged by RedisConnections)
  }

  async add(jobId: string): Promise<void> {
    await this.queue.add('job', { jobId }, { jobId });
  }

  async dispose(): Promise<void> {
    // Not waiting for running jobs: a job cut short here stays RUNNING and, its lock no longer
    // renewed, is taken over by another process.
    await this.worker?.close(true);
    await this.queue.close();
  }
}
