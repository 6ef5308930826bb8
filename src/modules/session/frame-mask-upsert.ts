// One frame's masks in one statement (INSERT ... VALUES (..), (..) ON CONFLICT DO UPDATE) instead
// of one Prisma upsert per object: one round trip and one plan per frame. Plain PostgreSQL, so it
// runs the same on the embedded PGlite and on a server.
import type { Prisma as Client } from '../../db/database.js';
import { Prisma } from '../../db/generated/client.js';
import type { FrameMaskRow } from './mask-rows.js';

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

/** The statement for a batch transaction; none when there is no row. */
export function upsertFrameMasks(prisma: Client, rows: FrameMaskRow[]) {
  if (!rows.length) return [];
  return [prisma.$executeRaw`${INSERT} VALUES ${values(rows)} ${ON_CONFLICT}`];
}

/**
 * A propagated frame, atomically: its rows replace every stored mask of that frame (rows of
 * objects it does not list are deleted), and the job's framesDone is set with them, so that
 * framesDone always equals the frames stored, whenever the process stops.
 */
export function replaceFrame(prisma: Client, sessionId: string, frameIndex: number, rows: FrameMaskRow[], job: { id: string; framesDone: number }) {
  const progress = Prisma.sql`UPDATE "Job" SET "framesDone" = ${job.framesDone}::int WHERE "id" = ${job.id}::uuid`;
  const stale = Prisma.sql`DELETE FROM "FrameMask" WHERE "sessionId" = ${sessionId}::uuid AND "frameIndex" = ${frameIndex}::int${
    rows.length ? Prisma.sql` AND "objectId" NOT IN (${Prisma.join(rows.map((r) => r.objectId))})` : Prisma.empty
  }`;
  if (!rows.length) return prisma.$executeRaw`WITH stale AS (${stale}) ${progress}`;
  return prisma.$executeRaw`WITH stale AS (${stale}), progress AS (${progress}) ${INSERT} VALUES ${values(rows)} ${ON_CONFLICT}`;
}
