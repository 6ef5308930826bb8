// Starts the real server (HTTP + graphql-ws) on an ephemeral port with a fresh database: a copy
// of the migrated PGlite template, or a new PostgreSQL database when TEST_DATABASE_URL is set.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { inject } from 'vitest';
import { startApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createPostgresDatabase } from './postgres.js';

export type DatabaseKind = 'pglite' | 'postgres';

/** Which databases the suite runs against: always PGlite; PostgreSQL when its URL is given. */
export function databaseKinds(): DatabaseKind[] {
  return process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

export interface TestServer {
  app: App;
  url: string;
  dataDir: string;
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** `dataDir`: serve an existing data folder (its embedded database as it is; kept at stop). */
export async function startTestServer(opts: { db?: DatabaseKind; env?: Record<string, string>; dataDir?: string } = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'maskql-srv-')));
  let dropDb: (() => Promise<void>) | undefined;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATA_DIR: dataDir,
    MODELS_DIR: inject('modelsDir'),
    ENGINE_DEVICE: 'cpu',
    ...opts.env,
  };
  if ((opts.db ?? 'pglite') === 'postgres') {
    const { url, drop } = await createPostgresDatabase(process.env.TEST_DATABASE_URL!);
    env.DATABASE_URL = url;
    dropDb = drop;
  } else if (!opts.dataDir) {
    await cp(inject('pgliteTemplate'), path.join(dataDir, 'db'), { recursive: true });
  }
  const config = loadConfig(env);
  const app = await startApp(config, pino({ level: env.LOG_LEVEL }));
  return {
    app,
    url: app.url,
    dataDir,
    env,
    stop: async () => {
      await app.dispose();
      await dropDb?.();
      if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export { createPostgresDatabase } from './postgres.js';
