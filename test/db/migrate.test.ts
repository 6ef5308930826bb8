// The migrations runner on a real PGlite (and PostgreSQL when TEST_DATABASE_URL is set).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { applyMigrations, readMigrations, type SqlRunner } from '../../src/db/migrate.js';
import { openDatabase } from '../../src/db/database.js';
import { MIGRATIONS_DIR } from '../../src/paths.js';
import { createPostgresDatabase } from '../support/test-server.js';

const runner = (db: PGlite): SqlRunner => ({
  exec: async (sql) => void (await db.exec(sql)),
  query: async <T>(sql: string, params?: unknown[]) => (await db.query<T>(sql, params)).rows,
});

describe('migrations', () => {
  it('apply once, record Prisma’s history, and refuse an edited migration', async () => {
    const db = await PGlite.create();
    try {
      const migrations = await readMigrations(MIGRATIONS_DIR);
      expect(migrations.length).toBeGreaterThan(0);
      expect(await applyMigrations(runner(db), migrations)).toEqual(migrations.map((m) => m.name));
      expect(await applyMigrations(runner(db), migrations)).toEqual([]);
      const rows = (await db.query<{ migration_name: string; checksum: string }>('SELECT migration_name, checksum FROM "_prisma_migrations"')).rows;
      expect(rows.map((r) => r.migration_name)).toEqual(migrations.map((m) => m.name));
      expect(rows[0].checksum).toMatch(/^[0-9a-f]{64}$/);
      const edited = [{ ...migrations[0], checksum: '0'.repeat(64) }];
      await expect(applyMigrations(runner(db), edited)).rejects.toThrow(/modified after it was applied/);
    } finally {
      await db.close();
    }
  });

  it('a failed migration rolls back and leaves nothing applied', async () => {
    const db = await PGlite.create();
    try {
      const bad = [{ name: '20990101000000_bad', sql: 'CREATE TABLE "T" (id int); SELECT no_such_function();', checksum: 'x'.repeat(64) }];
      await expect(applyMigrations(runner(db), bad)).rejects.toThrow(/20990101000000_bad failed/);
      const tables = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'T'`)).rows[0].n;
      expect(tables).toBe(0);
    } finally {
      await db.close();
    }
  });

  it('the embedded database directory is held by one process at a time', async () => {
    const dir = path.join(await mkdtemp(path.join(tmpdir(), 'maskql-lock-')), 'db');
    const a = await openDatabase({ kind: 'pglite', dir });
    try {
      await expect(openDatabase({ kind: 'pglite', dir })).rejects.toThrow(/in use by process/);
    } finally {
      await a.dispose();
      await rm(path.dirname(dir), { recursive: true, force: true });
    }
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)('PostgreSQL: migrates a fresh database, and an unreachable one gives one clear message', async () => {
    const { url, drop } = await createPostgresDatabase(process.env.TEST_DATABASE_URL!);
    try {
      const db = await openDatabase({ kind: 'postgres', url });
      expect(db.migrated.length).toBeGreaterThan(0);
      expect(await db.ping()).toBe(true);
      await db.dispose();
      const again = await openDatabase({ kind: 'postgres', url });
      expect(again.migrated).toEqual([]);
      await again.dispose();
    } finally {
      await drop();
    }
    await expect(openDatabase({ kind: 'postgres', url: 'postgresql://nobody@127.0.0.1:1/none' })).rejects.toThrow(/Cannot reach PostgreSQL at postgresql:\/\/nobody@127\.0\.0\.1:1\/none/);
  });
});
