// One frame's masks in one statement (INSERT ... VALUES (..), (..) ON CONFLICT DO UPDATE) instead
// of one Prisma upsert per object: one round trip and one plan per frame. Plain PostgreSQL, so it
// runs the same on the embedded PGlite and on a server.
import type { Prisma as Client } from '../../db/database.js';
import { Prisma } from '../../db/generated/client.js';
import type { FrameMaskRow } from './mask-rows.js';

/** The statement for a batch transaction; none when the frame has no object. */
export function upsertFrameMasks(prisma: Client, rows: FrameMaskRow[]) {
  if (!rows.length) return [];
  const values = rows.map(
    (r) =>
      Prisma.sql`(${r.sessionId}::uuid, ${r.objectId}::int, ${r.frameIndex}::int, ${r.height}::int, ${r.width}::int, ${r.counts}, ${r.bboxX}::float8, ${r.bboxY}::float8, ${r.bboxW}::float8, ${r.bboxH}::float8, ${r.area}::int, ${r.score}::float8, ${r.jobId}::uuid, CURRENT_TIMESTAMP)`,
  );
  return [
    prisma.$executeRaw`INSERT INTO "FrameMask" ("sessionId", "objectId", "frameIndex", "height", "width", "counts", "bboxX", "bboxY", "bboxW", "bboxH", "area", "score", "jobId", "updatedAt")
      VALUES ${Prisma.join(values)}
      ON CONFLICT ("sessionId", "frameIndex", "objectId") DO UPDATE SET
        "height" = EXCLUDED."height", "width" = EXCLUDED."width", "counts" = EXCLUDED."counts",
        "bboxX" = EXCLUDED."bboxX", "bboxY" = EXCLUDED."bboxY", "bboxW" = EXCLUDED."bboxW", "bboxH" = EXCLUDED."bboxH",
        "area" = EXCLUDED."area", "score" = EXCLUDED."score", "jobId" = EXCLUDED."jobId", "updatedAt" = EXCLUDED."updatedAt"`,
  ];
}
