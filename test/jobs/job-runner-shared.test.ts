// Two job runners on one PostgreSQL and one Redis (BullMQ), as two processes have them: a job
// submitted through A while A is busy is run by B; B's start leaves A's running job alone; and a
// cancel through B reaches the job running in A (published on job:cancel), which ends CANCELLED.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.js';
import { createRedisPubSub } from '../../src/events/redis-pubsub.js';
import { BullJobQueue } from '../../src/jobs/bullmq-job-queue.js';
import type { JobHandler } from '../../src/jobs/job-handler.js';
import { JobRunner } from '../../src/jobs/job-runner.js';
import { toJobError } from '../../src/modules/common/client-errors.js';
import type { RedisConnections } from '../../src/redis/redis-connections.js';
import { connections, dropPrefix, sharedUrls, testPrefix } from '../support/redis.js';
import { createPostgresDatabase } from '../support/test-server.js';
import { waitFor } from '../support/tracking.js';

describe.skipIf(!sharedUrls)('job runners sharing a BullMQ queue', () => {
  const prefix = testPrefix('runners');
  let dropDb: () => Promise<void>;
  let url: string;
  const parts: { db: Database; redis: RedisConnections; runner: JobRunner }[] = [];
  const ranBy = new Map<string, string>();

  beforeAll(async () => {
    const created = await createPostgresDatabase(sharedUrls!.database);
    [url, dropDb] = [created.url, created.drop];
  });
  afterAll(async () => {
    for (const p of parts.reverse()) {
      await p.runner.dispose();
      await p.redis.dispose();
      await p.db.dispose();
    }
    await dropDb?.();
    await dropPrefix(prefix);
  });

  /** A "process": its own database client, Redis connections, PubSub and runner. */
  async function runnerNamed(name: string): Promise<JobRunner> {
    const db = await openDatabase({ kind: 'postgres', url });
    const redis = connections(prefix);
    const runner = new JobRunner(db.prisma, createRedisPubSub(redis), pino({ level: 'silent' }), 1, (err) => toJobError(err), new BullJobQueue(redis, { concurrency: 1, lockMs: 5000, stalledIntervalMs: 1000 }));
    // Jobs with params.hold run until cancelled; the others end at once.
    const handler: JobHandler = async ({ job, signal, progress }) => {
      ranBy.set(job.id, name);
      await progress({ framesDone: 1, framesTotal: 2 });
      if ((job as unknown as { params: { hold?: boolean } }).params.hold) await new Promise((r) => signal.addEventListener('abort', r));
      return signal.aborted ? { status: 'CANCELLED' } : { status: 'COMPLETED' };
    };
    runner.register('BATCH_SEGMENTATION', handler);
    parts.push({ db, redis, runner });
    return runner;
  }

  it('runs a job in whichever runner is free, leaves running jobs to their runner, and cancels across runners', async () => {
    const a = await runnerNamed('A');
    const db = parts[0]!.db.prisma;
    const held = await a.submit({ kind: 'BATCH_SEGMENTATION', params: { hold: true } });
    await waitFor(async () => ranBy.get(held.id));
    expect(ranBy.get(held.id)).toBe('A');

    const b = await runnerNamed('B');
    expect(await b.recover()).toEqual({ failed: 0, requeued: 1 }); // offered again, not marked INTERRUPTED
    expect((await db.job.findUniqueOrThrow({ where: { id: held.id } })).status).toBe('RUNNING');

    // A is busy (one job at a time): a job submitted through A is run by B.
    const quick = await a.submit({ kind: 'BATCH_SEGMENTATION', params: {} });
    const done = await waitFor(async () => {
      const j = await db.job.findUniqueOrThrow({ where: { id: quick.id } });
      return j.status === 'COMPLETED' && j;
    });
    expect(ranBy.get(quick.id)).toBe('B');
    expect(done.attempts).toBe(1);

    // Cancelled through B, where it does not run: A aborts it.
    await b.cancel(held.id);
    const cancelled = await waitFor(async () => {
      const j = await db.job.findUniqueOrThrow({ where: { id: held.id } });
      return j.status === 'CANCELLED' && j;
    });
    expect(cancelled).toMatchObject({ cancelRequested: true, attempts: 1 });
  });
});
