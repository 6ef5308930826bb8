// Two server processes sharing one PostgreSQL database, one Redis (a prefix of their own) and one
// data folder: this test's in-process server (a) and a real child process (b). For the tests of
// what Redis shares between processes; they need TEST_DATABASE_URL and TEST_REDIS_URL (sharedUrls).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { dropPrefix, sharedUrls, testPrefix } from './redis.js';
import { spawnServer, type ServerProcess } from './server-process.js';
import { createPostgresDatabase, startTestServer, type TestServer } from './test-server.js';

export interface SharedPair {
  a: TestServer;
  b: ServerProcess;
  /** What both were started with (DATABASE_URL, REDIS_URL, REDIS_PREFIX, DATA_DIR...). */
  env: Record<string, string>;
  prefix: string;
  stop(): Promise<void>;
}

export async function startSharedPair(name: string, extraEnv: Record<string, string>): Promise<SharedPair> {
  const prefix = testPrefix(name);
  const db = await createPostgresDatabase(sharedUrls!.database);
  const dataDir = await mkdtemp(path.join(tmpdir(), `maskql-${name}-`));
  const env = { DATABASE_URL: db.url, REDIS_URL: sharedUrls!.redis, REDIS_PREFIX: prefix, DATA_DIR: dataDir, MODELS_DIR: inject('modelsDir'), ...extraEnv };
  let a: TestServer | undefined;
  let b: ServerProcess | undefined;
  const stop = async () => {
    await b?.kill('SIGTERM');
    await a?.stop();
    await db.drop();
    await dropPrefix(prefix);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    a = await startTestServer({ env, dataDir });
    b = await spawnServer(env);
  } catch (err) {
    await stop();
    throw err;
  }
  return { a, b, env, prefix, stop };
}
