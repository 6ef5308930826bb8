// The job runner alone, on a real (embedded) database: lifecycle and its publication order,
// failures through the one error mapper, cancellation, and recovery after a crash.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.js';
import { EngineError } from '../../src/engine/index.js';
import { createMemoryPubSub } from '../../src/events/pubsub.js';
import type { JobSnapshot } from '../../src/events/topics.js';
import type { JobHandler } from '../../src/jobs/job-handler.js';
import { JobRunner } from '../../src/jobs/job-runner.js';
import { toJobError } from '../../src/modules/common/client-errors.js';

let dir: string;
let db: Database;
const log = pino({ level: 'silent' });

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'maskql-runner-'));
  db = await openDatabase({ kind: 'pglite', dir });
});

afterAll(async () => {
  await db?.dispose();
  await rm(dir, { recursive: true, force: true });
});

function runnerWith(handler: JobHandler, concurrency = 1) {
  const pubsub = createMemoryPubSub();
  const runner = new JobRunner(db.prisma, pubsub, log, concurrency, (err) => toJobError(err));
  runner.register('BATCH_SEGMENTATION', handler);
  const seen: JobSnapshot[] = [];
  runner.onChange((j) => seen.push(j));
  return { runner, seen };
}

function ended(runner: JobRunner, id: string): Promise<JobSnapshot> {
  return new Promise((resolve) => {
    const off = runner.onChange((j) => {
      if (j.id === id && ['COMPLETED', 'FAILED', 'CANCELLED'].includes(j.status)) {
        off();
        resolve(j);
      }
    });
  });
}

describe('JobRunner', () => {
  it('runs a job QUEUED -> RUNNING -> COMPLETED, persisting progress and the result', async () => {
    const { runner, seen } = runnerWith(async ({ progress }) => {
      await progress({ framesDone: 1, framesTotal: 2 });
      await progress({ framesDone: 2 });
      return { status: 'COMPLETED', result: { frames: 2 } };
    });
    const job = await runner.submit({ kind: 'BATCH_SEGMENTATION', params: {} });
    expect(job.status).toBe('QUEUED');
    const done = await ended(runner, job.id);
    expect(done).toMatchObject({ status: 'COMPLETED', framesDone: 2, framesTotal: 2, progress: 1, result: { frames: 2 } });
    const statuses = seen.filter((j) => j.id === job.id).map((j) => j.status);
    expect(statuses[0]).toBe('RUNNING');
    expect(statuses.at(-1)).toBe('COMPLETED');
    expect(statuses.filter((s) => s === 'COMPLETED')).toHaveLength(1);
    const row = await db.prisma.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(row).toMatchObject({ status: 'COMPLETED', framesDone: 2, attempts: 1 });
    await runner.dispose();
  });

  it('a handler that throws fails the job with a code of the one list (engine errors translated once)', async () => {
    const { runner } = runnerWith(async () => {
      throw new EngineError('INFERENCE_FAILED', 'the graph failed');
    });
    const job = await runner.submit({ kind: 'BATCH_SEGMENTATION', params: {} });
    const done = await ended(runner, job.id);
    expect(done).toMatchObject({ status: 'FAILED', errorCode: 'INFERENCE_FAILED', errorMessage: 'the graph failed', errorRetryable: true });

    const plain = runnerWith(async () => {
      throw new Error('a bug');
    });
    const other = await plain.runner.submit({ kind: 'BATCH_SEGMENTATION', params: {} });
    expect(await ended(plain.runner, other.id)).toMatchObject({ status: 'FAILED', errorCode: 'INTERNAL_SERVER_ERROR', errorRetryable: true });
    await runner.dispose();
    await plain.runner.dispose();
  });

  it('cancels a running job through its signal, and a queued one before it starts', async () => {
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const { runner } = runnerWith(async ({ signal }) => {
      started();
      await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
      return { status: 'CANCELLED', message: 'stopped' };
    });
    const first = await runner.submit({ kind: 'BATCH_SEGMENTATION', params: {} });
    const second = await runner.submit({ kind: 'BATCH_SEGMENTATION', params: {} }); // waits: concurrency 1
    await running;
    expect(runner.isActive(first.id)).toBe(true);
    const queued = await runner.cancel(second.id);
    expect(queued).toMatchObject({ status: 'CANCELLED', message: 'cancelled before it started' });
    const endFirst = ended(runner, first.id);
    await runner.cancel(first.id);
    expect(await endFirst).toMatchObject({ status: 'CANCELLED', message: 'stopped' });
    await runner.dispose();
    // The cancelled queued job never ran.
    expect((await db.prisma.job.findUniqueOrThrow({ where: { id: second.id } })).attempts).toBe(0);
  });

  it('recover(): a job left RUNNING by a dead process fails as INTERNAL_SERVER_ERROR with reason INTERRUPTED; queued ones run', async () => {
    const stale = await db.prisma.job.create({ data: { kind: 'BATCH_SEGMENTATION', params: {}, status: 'RUNNING' } });
    const waiting = await db.prisma.job.create({ data: { kind: 'BATCH_SEGMENTATION', params: {}, status: 'QUEUED' } });
    const { runner } = runnerWith(async () => ({ status: 'COMPLETED' }));
    const endWaiting = ended(runner, waiting.id);
    const r = await runner.recover();
    expect(r.failed).toBeGreaterThanOrEqual(1);
    expect(r.requeued).toBeGreaterThanOrEqual(1);
    expect(await db.prisma.job.findUniqueOrThrow({ where: { id: stale.id } })).toMatchObject({
      status: 'FAILED',
      errorCode: 'INTERNAL_SERVER_ERROR',
      errorReason: 'INTERRUPTED',
      errorRetryable: true,
    });
    expect((await endWaiting).status).toBe('COMPLETED');
    await runner.dispose();
  });
});
