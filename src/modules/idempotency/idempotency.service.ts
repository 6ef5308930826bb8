// clientRequestId: a mutation that starts a job or stores a media, sent again with the same id by
// the same caller within 24 hours, returns the first result instead of doing the work twice; the
// same id with a different input is CONFLICT. The first request holds the id while it runs (a
// concurrent repeat is CONFLICT, retryable); one that fails releases it.
import { createHash } from 'node:crypto';
import type { Prisma } from '../../db/database.js';
import { conflict } from '../../errors/app-errors.js';
import type { JobSnapshot } from '../../events/topics.js';
import type { MediaService } from '../media/media.service.js';
import type { Media } from '../media/media.type.js';

export const IDEMPOTENCY_WINDOW_MS = 24 * 3600_000;

/** JSON with sorted keys, so the same input hashes the same whatever its key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

export function inputHash(operation: string, input: object): string {
  const { clientRequestId: _omit, ...rest } = input as Record<string, unknown>;
  return createHash('sha256').update(`${operation}\n${canonical(rest)}`).digest('hex');
}

export interface Once<T, R extends object> {
  principalId: string;
  operation: string;
  clientRequestId: string | null | undefined;
  input: object;
  run: () => Promise<T>;
  /** What to keep of the result (ids), to rebuild it on a repeat. */
  keep: (result: T) => R;
  replay: (kept: R) => Promise<T>;
}

export class IdempotencyService {
  private lastPurge = 0;

  constructor(
    private readonly prisma: Prisma,
    private readonly media: MediaService,
  ) {}

  /** A mutation that starts a job: a repeat returns the job (as it is now). */
  job(principalId: string, operation: string, input: { clientRequestId?: string | null }, run: () => Promise<JobSnapshot>): Promise<JobSnapshot> {
    return this.once({
      principalId,
      operation,
      clientRequestId: input.clientRequestId,
      input,
      run,
      keep: (j) => ({ jobId: j.id }),
      replay: async (k: { jobId: string }) => (await this.prisma.job.findUniqueOrThrow({ where: { id: k.jobId } })) as JobSnapshot,
    });
  }

  /** A mutation or upload that stores a media: a repeat returns that media. */
  storeMedia<T extends { media: Media; deduplicated: boolean }>(principalId: string, operation: string, clientRequestId: string | null | undefined, input: object, run: () => Promise<T>): Promise<{ media: Media; deduplicated: boolean }> {
    return this.once<{ media: Media; deduplicated: boolean }, { mediaId: string; deduplicated: boolean }>({
      principalId,
      operation,
      clientRequestId,
      input,
      run,
      keep: (r) => ({ mediaId: r.media.id, deduplicated: r.deduplicated }),
      replay: async (k) => ({ media: await this.media.get(k.mediaId), deduplicated: k.deduplicated }),
    });
  }

  async once<T, R extends object>(o: Once<T, R>): Promise<T> {
    if (!o.clientRequestId) return o.run();
    const key = { principalId: o.principalId, clientRequestId: o.clientRequestId };
    const hash = inputHash(o.operation, o.input);
    await this.purge();
    const cutoff = new Date(Date.now() - IDEMPOTENCY_WINDOW_MS);
    await this.prisma.idempotencyRecord.deleteMany({ where: { ...key, createdAt: { lt: cutoff } } });
    try {
      await this.prisma.idempotencyRecord.create({ data: { ...key, operation: o.operation, inputHash: hash } });
    } catch (err) {
      if ((err as { code?: string }).code !== 'P2002') throw err;
      const row = await this.prisma.idempotencyRecord.findUnique({ where: { principalId_clientRequestId: key } });
      if (!row) return this.once(o); // released meanwhile: go again
      if (row.operation !== o.operation || row.inputHash !== hash) {
        throw conflict(`clientRequestId ${JSON.stringify(o.clientRequestId)} was used for a different request`, { field: 'input.clientRequestId', hint: 'Use a new clientRequestId for a new request.' });
      }
      if (row.result === null) throw conflict('The first request with this clientRequestId is still running', { retryable: true, field: 'input.clientRequestId' });
      return o.replay(row.result as R);
    }
    try {
      const result = await o.run();
      await this.prisma.idempotencyRecord.update({ where: { principalId_clientRequestId: key }, data: { result: o.keep(result) } });
      return result;
    } catch (err) {
      await this.prisma.idempotencyRecord.deleteMany({ where: key }).catch(() => undefined);
      throw err;
    }
  }

  /** Forget records past the window (at most once a minute). */
  private async purge(): Promise<void> {
    if (Date.now() - this.lastPurge < 60_000) return;
    this.lastPurge = Date.now();
    await this.prisma.idempotencyRecord.deleteMany({ where: { createdAt: { lt: new Date(Date.now() - IDEMPOTENCY_WINDOW_MS) } } });
  }
}
