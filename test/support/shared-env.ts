// What processes that share work share: a fresh PostgreSQL database (empty, or a copy of the run's
// migrated template), a Redis prefix of their own, and one data folder (media stored through one
// process are read by the others). dispose() drops all three. Imports nothing of vitest: the
// benchmarks use it too, through test/support/fleet.ts.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPostgresDatabase } from './postgres.js';
import { dropPrefix, testPrefix } from './redis.js';

export interface SharedEnv {
  /** DATABASE_URL, REDIS_URL, REDIS_PREFIX, DATA_DIR, MODELS_DIR, and the extra settings. */
  env: Record<string, string>;
  prefix: string;
  databaseUrl: string;
  dispose(): Promise<void>;
}

export interface SharedEnvOptions {
  name: string;
  /** The Redis prefix, when it must be known before the environment is made (testPrefix(name) otherwise). */
  prefix?: string;
  urls: { database: string; redis: string };
  modelsDir: string;
  /** A migrated template database to copy; without one the database starts empty. */
  template?: string;
  env?: Record<string, string>;
}

export async function createSharedEnv(opts: SharedEnvOptions): Promise<SharedEnv> {
  const prefix = opts.prefix ?? testPrefix(opts.name);
  const dataDir = await mkdtemp(path.join(tmpdir(), `maskql-${opts.name}-`));
  const db = await createPostgresDatabase(opts.urls.database, opts.template || undefined).catch(async (err) => {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  });
  return {
    env: { DATABASE_URL: db.url, REDIS_URL: opts.urls.redis, REDIS_PREFIX: prefix, DATA_DIR: dataDir, MODELS_DIR: opts.modelsDir, ...opts.env },
    prefix,
    databaseUrl: db.url,
    dispose: async () => {
      await db.drop();
      await dropPrefix(prefix, opts.urls.redis);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
