// Two server processes in one shared environment (PostgreSQL database, Redis prefix, data folder):
// this test's in-process server (a) and a real child process (b). For the tests of what Redis
// shares between processes; they need TEST_DATABASE_URL and TEST_REDIS_URL (sharedUrls).
import { inject } from 'vitest';
import { sharedUrls } from './redis.js';
import { spawnServer, type ServerProcess } from './server-process.js';
import { createSharedEnv } from './shared-env.js';
import { startTestServer, type TestServer } from './test-server.js';

export interface SharedPair {
  a: TestServer;
  b: ServerProcess;
  /** What both were started with (DATABASE_URL, REDIS_URL, REDIS_PREFIX, DATA_DIR...). */
  env: Record<string, string>;
  prefix: string;
  stop(): Promise<void>;
}

export async function startSharedPair(name: string, extraEnv: Record<string, string>): Promise<SharedPair> {
  const shared = await createSharedEnv({ name, urls: sharedUrls!, modelsDir: inject('modelsDir'), env: extraEnv });
  const { env, prefix } = shared;
  let a: TestServer | undefined;
  let b: ServerProcess | undefined;
  const stop = async () => {
    await b?.kill('SIGTERM');
    await a?.stop();
    await shared.dispose();
  };
  try {
    a = await startTestServer({ env, dataDir: env.DATA_DIR });
    b = await spawnServer(env);
  } catch (err) {
    await stop();
    throw err;
  }
  return { a, b, env, prefix, stop };
}
