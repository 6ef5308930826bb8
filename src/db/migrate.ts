// Applies the committed migrations in prisma/migrations at start, offline. It records each one in
// Prisma's own _prisma_migrations table (same columns, sha256 checksum of migration.sql), so a
// machine with the Prisma CLI sees the same history and `prisma migrate deploy` agrees with it.
import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** The few SQL calls the runner needs; PGlite and node-postgres both provide them. */
export interface SqlRunner {
  /** Runs a script of several statements, without parameters. */
  exec(sql: string): Promise<void>;
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

const HISTORY_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

export async function readMigrations(dir: string): Promise<Migration[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/**
 * Applies every migration not yet recorded, each in its own transaction. Refuses to start when
 * an applied migration's file changed or a failed migration is recorded: both need a human.
 */
export async function applyMigrations(db: SqlRunner, migrations: Migration[]): Promise<string[]> {
  await db.exec(HISTORY_TABLE);
  const rows = await db.query<{ migration_name: string; checksum: string; finished_at: Date | null; rolled_back_at: Date | null }>(
    'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"',
  );
  const applied = new Map(rows.filter((r) => r.rolled_back_at === null).map((r) => [r.migration_name, r]));
  const applying: string[] = [];
  for (const m of migrations) {
    const row = applied.get(m.name);
    if (row) {
      if (row.finished_at === null) {
        throw new MigrationError(`Migration ${m.name} failed earlier and is recorded unfinished; fix the database and mark it rolled back.`);
      }
      if (row.checksum !== m.checksum) {
        throw new MigrationError(`Migration ${m.name} was modified after it was applied (checksum differs).`);
      }
      continue;
    }
    await db.exec(`BEGIN;\n${m.sql}\n;COMMIT;`).catch(async (err: unknown) => {
      await db.exec('ROLLBACK').catch(() => undefined);
      throw new MigrationError(`Migration ${m.name} failed: ${(err as Error).message}`);
    });
    await db.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count) VALUES ($1, $2, now(), $3, 1)`,
      [randomUUID(), m.checksum, m.name],
    );
    applying.push(m.name);
  }
  return applying;
}
