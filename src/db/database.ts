// Opens the database: PGlite in DATA_DIR by default (no server to install), PostgreSQL when
// DATABASE_URL is set. Both run the same Prisma schema and migrations.
import { constants } from 'node:fs';
import { access, mkdir, statfs } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { Config } from '../config.js';
import { PrismaClient } from './generated/client.js';
import { MIGRATIONS_DIR } from '../paths.js';
import { DirectoryLockedError, lockDirectory } from './directory-lock.js';
import { applyMigrations, readMigrations, type SqlRunner } from './migrate.js';

export type Prisma = PrismaClient;

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  readonly prisma: PrismaClient;
  /** Names of migrations applied by this start. */
  readonly migrated: string[];
  ping(): Promise<boolean>;
  /** Bytes free on the disk under the database, when it is local (PGlite); undefined otherwise. */
  freeBytes(): Promise<number | undefined>;
  dispose(): Promise<void>;
}


export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
}

export async function openDatabase(config: Config['database'], migrationsDir = MIGRATIONS_DIR): Promise<Database> {
  const migrations = await readMigrations(migrationsDir);
  return config.kind === 'pglite' ? openPglite(config.dir, migrations) : openPostgres(config.url, migrations);
}

async function openPglite(dir: string, migrations: Awaited<ReturnType<typeof readMigrations>>): Promise<Database> {
  await prepareDirectory(dir);
  // Two processes on one PGlite directory lose writes silently: hold a lock file.
  const releaseLock = await lockDirectory(dir).catch((err) => {
    throw err instanceof DirectoryLockedError ? new DatabaseUnavailableError(err.message) : err;
  });
  let client: PGlite;
  try {
    client = await PGlite.create(dir);
  } catch (err) {
    await releaseLock();
    throw new DatabaseUnavailableError(`Cannot open the embedded database in ${dir}: ${(err as Error).message}`);
  }
  const runner: SqlRunner = {
    exec: async (sql) => void (await client.exec(sql)),
    query: async <T>(sql: string, params?: unknown[]) => (await client.query<T>(sql, params)).rows,
  };
  const migrated = await applyMigrations(runner, migrations).catch(async (err) => {
    await client.close();
    await releaseLock();
    throw err;
  });
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(client) });
  return {
    kind: 'pglite',
    prisma,
    migrated,
    ping: async () => (await client.query('SELECT 1')).rows.length === 1,
    freeBytes: async () => {
      const fs = await statfs(dir);
      return fs.bavail * fs.bsize;
    },
    dispose: async () => {
      await prisma.$disconnect();
      await client.close();
      await releaseLock();
    },
  };
}

async function openPostgres(url: string, migrations: Awaited<ReturnType<typeof readMigrations>>): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5000 });
  // An idle connection the server drops (a restart, a failover, an admin) is an 'error' on the
  // pool; unhandled, it would crash the process. The pool replaces the connection on next use.
  pool.on('error', (err) => process.emitWarning(`PostgreSQL dropped an idle connection: ${err.message}`));
  let conn: pg.PoolClient;
  try {
    conn = await pool.connect();
  } catch (err) {
    await pool.end();
    throw new DatabaseUnavailableError(`Cannot reach PostgreSQL at ${redactUrl(url)}: ${(err as Error).message}`);
  }
  let migrated: string[];
  try {
    // Several instances may start at once: one migrates, the others wait.
    await conn.query('SELECT pg_advisory_lock(7264120001)');
    migrated = await applyMigrations(
      { exec: async (sql) => void (await conn.query(sql)), query: async <T>(sql: string, params?: unknown[]) => (await conn.query(sql, params)).rows as T[] },
      migrations,
    );
  } finally {
    await conn.query('SELECT pg_advisory_unlock(7264120001)').catch(() => undefined);
    conn.release();
  }
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    kind: 'postgres',
    prisma,
    migrated,
    ping: async () => (await pool.query('SELECT 1')).rowCount === 1,
    freeBytes: async () => undefined,
    dispose: async () => {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

/** The directory exists and is writable, or one clear error says which and what to do. */
async function prepareDirectory(dir: string): Promise<void> {
  const fix = 'set DATA_DIR to a writable directory, or DATABASE_URL to use PostgreSQL';
  const code = (err: unknown) => (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new DatabaseUnavailableError(`The embedded database directory ${dir} cannot be created (${code(err)}): ${fix}.`);
  }
  // access(W_OK) reports a read-only filesystem (EROFS) even to root.
  await access(dir, constants.W_OK).catch((err) => {
    throw new DatabaseUnavailableError(`The embedded database directory ${dir} is not writable (${code(err)}): ${fix}.`);
  });
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):([^@/]*)@/, '//$1:***@');
}
