// Real server processes (dist/src/main.js) that share work, for the tests of BullMQ takeover: one
// fresh PostgreSQL database, one Redis prefix and one data folder (media stored through one
// process are read by the others), short job locks so a dead process's job moves within seconds.
// Call inside a describe: it registers the set-up and the tear-down (every process stopped).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, inject } from 'vitest';
import { dropPrefix, sharedUrls, testPrefix } from './redis.js';
import { spawnServer, type ServerProcess } from './server-process.js';
import { createPostgresDatabase } from './test-server.js';

export function sharedFleet(name: string): { prefix: string; spawn: () => Promise<ServerProcess> } {
  const prefix = testPrefix(name);
  const servers: ServerProcess[] = [];
  let dataDir: string;
  let dropDb: (() => Promise<void>) | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), `maskql-${name}-`));
    const db = await createPostgresDatabase(sharedUrls!.database);
    dropDb = db.drop;
    env = { DATABASE_URL: db.url, REDIS_URL: sharedUrls!.redis, REDIS_PREFIX: prefix, DATA_DIR: dataDir, MODELS_DIR: inject('modelsDir'), JOB_LOCK_MS: '3000', JOB_STALLED_INTERVAL_MS: '1000' };
  });
  afterAll(async () => {
    for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) await s.kill('SIGTERM');
    await dropDb?.();
    await dropPrefix(prefix);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  return {
    prefix,
    spawn: async () => {
      const s = await spawnServer(env);
      servers.push(s);
      return s;
    },
  };
}
