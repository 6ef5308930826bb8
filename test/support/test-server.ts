// Starts the real server (HTTP + graphql-ws) on an ephemeral port with a fresh database: a copy
// of the migrated PGlite template, or a new PostgreSQL database when TEST_DATABASE_URL is set.
import { cp } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { startAppServer, type AppServer } from './app-server.js';

export type DatabaseKind = 'pglite' | 'postgres';

/** Which databases the suite runs against: always PGlite; PostgreSQL when its URL is given. */
export function databaseKinds(): DatabaseKind[] {
  return process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

export type TestServer = AppServer;

/**
 * The real server with the suite's models and a fresh database: a copy of the migrated PGlite
 * template, or a new PostgreSQL database (dropped at stop) for db 'postgres'. `dataDir`: serve an
 * existing data folder (its embedded database as it is; kept at stop).
 */
export function startTestServer(opts: { db?: DatabaseKind; env?: Record<string, string>; dataDir?: string } = {}): Promise<TestServer> {
  return startAppServer({
    env: { LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', MODELS_DIR: inject('modelsDir'), ...opts.env },
    dataDir: opts.dataDir,
    prepare: async (dataDir, env) => {
      if ((opts.db ?? 'pglite') === 'postgres') {
        const { url, drop } = await createPostgresDatabase(process.env.TEST_DATABASE_URL!);
        env.DATABASE_URL = url;
        return drop;
      }
      if (!opts.dataDir) await cp(inject('pgliteTemplate'), path.join(dataDir, 'db'), { recursive: true });
    },
  });
}

/** A fresh, empty database on the PostgreSQL server of `adminUrl`, dropped by drop(). */
export async function createPostgresDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `maskql_t_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}
