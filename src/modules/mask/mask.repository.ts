// Stored masks: FrameMask (a session's masks per frame and object) and MediaMask (batch
// segmentation's masks per image). Writes that join a caller's transaction are returned as
// statements (not awaited); a frame's masks go in one statement (INSERT ... VALUES (..), (..)
// ON CONFLICT DO UPDATE) rather than one upsert per object: one round trip and one plan per
// frame, plain PostgreSQL, so the same on the embedded PGlite and on a server.
import { randomUUID } from 'node:crypto';
import type { Prisma as Client } from '../../db/database.js';
import { Prisma } from '../../db/generated/client.js';
import type { SegmentedMask } from '../../engine/index.js';
import { maskColumns, type FrameMaskRow, type StoredMaskRow } from './mask.mapper.js';

function values(rows: FrameMaskRow[]) {
  return Prisma.join(
    rows.map(
      (r) =>
        Prisma.sql`(${r.sessionId}::uuid, ${r.objectId}::int, ${r.frameIndex}::int, ${r.height}::int, ${r.width}::int, ${r.counts}, ${r.bboxX}::float8, ${r.bboxY}::float8, ${r.bboxW}::float8, ${r.bboxH}::float8, ${r.area}::int, ${r.score}::float8, ${r.jobId}::uuid, CURRENT_TIMESTAMP)`,
    ),
  );
}

const INSERT = Prisma.sql`INSERT INTO "FrameMask" ("sessionId", "objectId", "frameIndex", "height", "width", "counts", "bboxX", "bboxY", "bboxW", "bboxH", "area", "score", "jobId", "updatedAt")`;
const ON_CONFLICT = Prisma.sql`ON CONFLICT ("sessionId", "frameIndex", "objectId") DO UPDATE SET
        "height" = EXCLUDED."height", "width" = EXCLUDED."width", "counts" = EXCLUDED."counts",
        "bboxX" = EXCLUDED."bboxX", "bboxY" = EXCLUDED."bboxY", "bboxW" = EXCLUDED."bboxW", "bboxH" = EXCLUDED."bboxH",
        "area" = EXCLUDED."area", "score" = EXCLUDED."score", "jobId" = EXCLUDED."jobId", "updatedAt" = EXCLUDED."updatedAt"`;

/** Which FrameMask rows: a session's, narrowed by object and frame. */
export interface FrameMaskWhere {
  sessionId: string;
  objectId?: number;
  frameIndex?: number;
}

export class MaskRepository {
  constructor(private readonly prisma: Client) {}

  /** The upsert of a frame's rows, for a batch transaction; none when there is no row. */
  upsertFrame(rows: FrameMaskRow[]) {
    if (!rows.length) return [];
    return [this.prisma.$executeRaw`${INSERT} VALUES ${values(rows)} ${ON_CONFLICT}`];
  }

  /**
   * A propagated frame, atomically (one statement, no transaction around it): its rows replace
   * every stored mask of that frame (rows of objects it does not list are deleted), and the job's
   * framesDone is set with them, so that framesDone always equals the frames stored, whenever
   * the process stops.
   */
  replaceFrame(sessionId: string, frameIndex: number, rows: FrameMaskRow[], job: { id: string; framesDone: number }) {
    const progress = Prisma.sql`UPDATE "Job" SET "framesDone" = ${job.framesDone}::int WHERE "id" = ${job.id}::uuid`;
    const stale = Prisma.sql`DELETE FROM "FrameMask" WHERE "sessionId" = ${sessionId}::uuid AND "frameIndex" = ${frameIndex}::int${
      rows.length ? Prisma.sql` AND "objectId" NOT IN (${Prisma.join(rows.map((r) => r.objectId))})` : Prisma.empty
    }`;
    if (!rows.length) return this.prisma.$executeRaw`WITH stale AS (${stale}) ${progress}`;
    return this.prisma.$executeRaw`WITH stale AS (${stale}), progress AS (${progress}) ${INSERT} VALUES ${values(rows)} ${ON_CONFLICT}`;
  }

  /** The delete of a session's rows (of an object, a frame), for a batch transaction. */
  deleteFrames(where: FrameMaskWhere) {
    return this.prisma.frameMask.deleteMany({ where });
  }

  /** Rows of a frame range (and some objects), by frame then object. */
  frameRange(sessionId: string, from: number, to: number, objectIds?: readonly number[] | null): Promise<FrameMaskRow[]> {
    return this.prisma.frameMask.findMany({
      where: { sessionId, frameIndex: { gte: from, lte: to }, ...(objectIds?.length ? { objectId: { in: [...objectIds] } } : {}) },
      orderBy: [{ frameIndex: 'asc' }, { objectId: 'asc' }],
    });
  }

  /** The rows a propagation job stored. */
  ofJob(sessionId: string, jobId: string): Promise<FrameMaskRow[]> {
    return this.prisma.frameMask.findMany({ where: { sessionId, jobId } });
  }

  /** How many frames of a session have stored masks. */
  async framesStored(sessionId: string): Promise<number> {
    return (await this.prisma.frameMask.groupBy({ by: ['frameIndex'], where: { sessionId } })).length;
  }

  /** Replaces an image's batch-segmentation masks with these, in their order. */
  async replaceMediaMasks(mediaId: string, jobId: string, masks: readonly SegmentedMask[]): Promise<void> {
    await this.prisma.$transaction([
      this.prisma.mediaMask.deleteMany({ where: { mediaId } }),
      this.prisma.mediaMask.createMany({
        data: masks.map((m, index) => ({ id: randomUUID(), mediaId, jobId, index, ...maskColumns(m, m.rle.size[1], m.rle.size[0]) })),
      }),
    ]);
  }

  /** An image's batch-segmentation masks, in their order. */
  mediaMasks(mediaId: string): Promise<StoredMaskRow[]> {
    return this.prisma.mediaMask.findMany({ where: { mediaId }, orderBy: { index: 'asc' } });
  }
}
