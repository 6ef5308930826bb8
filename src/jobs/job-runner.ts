// Runs persisted jobs taken from a queue (job-queue.ts: in process, or BullMQ shared by several
// processes): QUEUED -> RUNNING -> COMPLETED | FAILED | CANCELLED, with progress, rate and ETA
// written to the database (throttled) and published on every step. A job's fate never depends on
// who is listening: clients may come and go.
import type { Logger } from 'pino';
import type { Prisma } from '../db/database.js';
import type { PubSub } from '../events/pubsub.js';
import type { JobSnapshot } from '../events/topics.js';
import type { JobError, JobHandler, JobOutcome, JobProgress } from './job-handler.js';
import { MemoryJobQueue, type JobQueue } from './job-queue.js';

type Kind = JobSnapshot['kind'];

export interface SubmitJob {
  kind: Kind;
  projectId?: string | null;
  sessionId?: string | null;
  params: object;
  framesTotal?: number;
  device?: string;
}

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);
const DB_WRITE_INTERVAL_MS = 250;

export class JobRunner {
  private readonly handlers = new Map<Kind, JobHandler>();
  private readonly running = new Map<string, AbortController>();
  private readonly listeners = new Set<(job: JobSnapshot) => void>();
  private disposed = false;
  private readonly cancels: AsyncIterator<{ jobId: string }> | undefined;

  constructor(
    private readonly prisma: Prisma,
    private readonly pubsub: PubSub,
    private readonly log: Logger,
    concurrency: number,
    /** The one error translation (modules/common/client-errors), for handlers that throw. */
    private readonly errorOf: (err: unknown) => JobError,
    private readonly queue: JobQueue = new MemoryJobQueue(concurrency),
  ) {
    // With a shared queue a job may run in another process: cancels are published to all.
    if (queue.shared) {
      const cancels = (this.cancels = pubsub.subscribe('job:cancel')[Symbol.asyncIterator]());
      void (async () => {
        for (let next = await cancels.next(); !next.done; next = await cancels.next()) this.running.get(next.value.jobId)?.abort();
      })();
    }
    queue.start((jobId, takeover) =>
      this.run(jobId, takeover).catch((err) => {
        this.log.error({ err, jobId }, 'job runner failed');
        throw err;
      }),
    );
  }

  register(kind: Kind, handler: JobHandler): void {
    this.handlers.set(kind, handler);
  }

  /** Called on every job state change (after it is persisted). */
  onChange(listener: (job: JobSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async submit(req: SubmitJob): Promise<JobSnapshot> {
    const job = (await this.prisma.job.create({
      data: {
        kind: req.kind,
        projectId: req.projectId ?? null,
        sessionId: req.sessionId ?? null,
        params: req.params,
        framesTotal: req.framesTotal ?? 0,
        device: req.device ?? 'cpu',
        message: 'queued',
      },
    })) as JobSnapshot;
    await this.queue.add(job.id);
    return job;
  }

  isActive(jobId: string): boolean {
    return this.running.has(jobId);
  }

  /** Cancels a queued or running job; a finished job is returned unchanged. */
  async cancel(jobId: string): Promise<JobSnapshot> {
    const running = this.running.get(jobId);
    if (running) {
      await this.prisma.job.update({ where: { id: jobId }, data: { cancelRequested: true } });
      running.abort();
      return (await this.prisma.job.findUniqueOrThrow({ where: { id: jobId } })) as JobSnapshot;
    }
    if (this.queue.shared) {
      const elsewhere = await this.prisma.job.updateMany({ where: { id: jobId, status: 'RUNNING' }, data: { cancelRequested: true } });
      if (elsewhere.count) {
        this.pubsub.publish('job:cancel', { jobId });
        return (await this.prisma.job.findUniqueOrThrow({ where: { id: jobId } })) as JobSnapshot;
      }
    }
    const updated = await this.prisma.job.updateMany({
      where: { id: jobId, status: 'QUEUED' },
      data: { status: 'CANCELLED', cancelRequested: true, finishedAt: new Date(), message: 'cancelled before it started' },
    });
    const job = (await this.prisma.job.findUniqueOrThrow({ where: { id: jobId } })) as JobSnapshot;
    if (updated.count) this.publish(job);
    return job;
  }

  /**
   * At start: jobs left RUNNING by a process that died are marked FAILED (retryable), and jobs
   * still QUEUED are queued again. With a shared queue, a RUNNING job may be another process's:
   * BullMQ's stalled check judges that; every QUEUED or RUNNING id is offered to the queue again
   * (a no-op for ids it holds), so jobs survive a Redis that lost them.
   */
  async recover(): Promise<{ failed: number; requeued: number }> {
    if (this.queue.shared) {
      const open = await this.prisma.job.findMany({ where: { status: { in: ['QUEUED', 'RUNNING'] } }, orderBy: { createdAt: 'asc' }, select: { id: true } });
      for (const j of open) await this.queue.add(j.id);
      return { failed: 0, requeued: open.length };
    }
    const failed = await this.prisma.job.updateMany({
      where: { status: 'RUNNING' },
      data: {
        status: 'FAILED',
        finishedAt: new Date(),
        errorCode: 'INTERNAL_SERVER_ERROR',
        errorReason: 'INTERRUPTED',
        errorMessage: 'The server stopped while this job was running',
        errorRetryable: true,
        errorHint: 'Start it again; the frames it stored are kept.',
        message: 'interrupted',
      },
    });
    const queued = await this.prisma.job.findMany({ where: { status: 'QUEUED' }, orderBy: { createdAt: 'asc' }, select: { id: true } });
    for (const q of queued) await this.queue.add(q.id);
    if (failed.count || queued.length) this.log.warn({ failed: failed.count, requeued: queued.length }, 'recovered jobs of an earlier process');
    return { failed: failed.count, requeued: queued.length };
  }

  private async run(jobId: string, takeover: boolean): Promise<void> {
    if (this.disposed) return;
    // A takeover (BullMQ handed over the job of a runner that died; its lock makes this runner the
    // only one) may find the row RUNNING; otherwise only a QUEUED row is claimed.
    const claimed = await this.prisma.job.updateMany({
      where: { id: jobId, status: takeover ? { in: ['QUEUED', 'RUNNING'] } : 'QUEUED' },
      data: { status: 'RUNNING', startedAt: new Date(), attempts: { increment: 1 }, message: 'running' },
    });
    if (!claimed.count) return; // cancelled meanwhile, finished, or taken by another runner
    let job = (await this.prisma.job.findUniqueOrThrow({ where: { id: jobId } })) as JobSnapshot;
    this.log.info({ jobId, kind: job.kind, attempt: (job as JobSnapshot & { attempts: number }).attempts }, 'job started');
    this.publish(job);
    const controller = new AbortController();
    this.running.set(jobId, controller);
    const started = Date.now();
    // The rate counts this attempt's frames (a job taken over starts from what was done before).
    const doneBefore = job.framesDone;
    let lastWrite = 0;
    const write = async (force: boolean) => {
      const now = Date.now();
      if (!force && now - lastWrite < DB_WRITE_INTERVAL_MS) return;
      lastWrite = now;
      job = (await this.prisma.job.update({ where: { id: jobId }, data: snapshotFields(job) })) as JobSnapshot;
    };
    const handler = this.handlers.get(job.kind);
    let outcome: JobOutcome;
    try {
      if (!handler) throw new Error(`no handler for ${job.kind} jobs`);
      outcome = await handler({
        job,
        signal: controller.signal,
        progress: async (p) => {
          job = applyProgress(job, p, started, doneBefore);
          this.publish(job);
          await write(false);
        },
      });
    } catch (err) {
      outcome = controller.signal.aborted
        ? { status: 'CANCELLED' }
        : { status: 'FAILED', error: this.errorOf(err) };
      if (outcome.status === 'FAILED') this.log.error({ err, jobId }, 'job failed unexpectedly');
    } finally {
      this.running.delete(jobId);
    }
    // Shutting down with a shared queue: the job is left RUNNING for another process to take over.
    if (this.disposed && this.queue.shared && controller.signal.aborted) return;
    job = (await this.prisma.job.update({ where: { id: jobId }, data: { ...snapshotFields(job), ...finalFields(outcome, job) } })) as JobSnapshot;
    this.publish(job);
  }

  private publish(job: JobSnapshot): void {
    this.pubsub.publish('job:progress', job.id, job);
    for (const l of this.listeners) l(job);
  }

  stats(): { queued: number; running: number } {
    return { queued: this.queue.waiting, running: this.running.size };
  }

  /** Stops taking jobs and aborts running ones; they end FAILED (retryable) by recover() at next start if not finished. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.cancels?.return?.();
    for (const c of this.running.values()) c.abort(new Error('shutdown'));
    await this.queue.dispose();
  }
}

function applyProgress(job: JobSnapshot, p: JobProgress, started: number, doneBefore: number): JobSnapshot {
  const framesDone = p.framesDone ?? job.framesDone;
  const framesTotal = p.framesTotal ?? job.framesTotal;
  const elapsed = (Date.now() - started) / 1000;
  const rate = elapsed > 0 && framesDone > doneBefore ? (framesDone - doneBefore) / elapsed : null;
  const progress = p.progress ?? (framesTotal > 0 ? Math.min(1, framesDone / framesTotal) : job.progress);
  return {
    ...job,
    framesDone,
    framesTotal,
    progress,
    rate,
    etaSec: rate && framesTotal > 0 ? Math.max(0, (framesTotal - framesDone) / rate) : null,
    message: p.message ?? job.message,
    updatedAt: new Date(),
  };
}

function snapshotFields(job: JobSnapshot) {
  return { framesDone: job.framesDone, framesTotal: job.framesTotal, progress: job.progress, rate: job.rate, etaSec: job.etaSec, message: job.message };
}

function finalFields(outcome: JobOutcome, job: JobSnapshot) {
  const finishedAt = new Date();
  switch (outcome.status) {
    case 'COMPLETED':
      return { status: 'COMPLETED' as const, finishedAt, progress: 1, etaSec: 0, result: (outcome.result ?? null) as object, message: outcome.message ?? 'completed' };
    case 'CANCELLED':
      return { status: 'CANCELLED' as const, finishedAt, etaSec: null, message: outcome.message ?? `cancelled after ${job.framesDone} frames` };
    case 'FAILED':
      return {
        status: 'FAILED' as const,
        finishedAt,
        etaSec: null,
        errorCode: outcome.error.code,
        errorReason: outcome.error.reason ?? null,
        errorMessage: outcome.error.message,
        errorRetryable: outcome.error.retryable,
        errorHint: outcome.error.hint ?? null,
        message: 'failed',
      };
  }
}

export function isTerminal(status: string): boolean {
  return TERMINAL.has(status);
}
