// Starts the real server (HTTP + graphql-ws) on an ephemeral port with a fresh database: a copy
// of the migrated PGlite template, or a new PostgreSQL database when TEST_DATABASE_URL is set.
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { inject } from 'vitest';
import { startAppServer, type AppServer } from './app-server.js';
import { createPostgresDatabase } from './postgres.js';

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

export { createPostgresDatabase } from './postgres.js';
