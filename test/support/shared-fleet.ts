// Real server processes (dist/src/main.js) that share work, for the tests of BullMQ takeover: one
// shared environment (database, Redis prefix, data folder), short job locks so a dead process's
// job moves within seconds. Call inside a describe: it registers the set-up and the tear-down
// (every process stopped).
import { afterAll, beforeAll, inject } from 'vitest';
import { sharedUrls, testPrefix } from './redis.js';
import { spawnServer, type ServerProcess } from './server-process.js';
import { createSharedEnv, type SharedEnv } from './shared-env.js';

export function sharedFleet(name: string): { prefix: string; spawn: () => Promise<ServerProcess> } {
  const prefix = testPrefix(name);
  const servers: ServerProcess[] = [];
  let shared: SharedEnv | undefined;

  beforeAll(async () => {
    shared = await createSharedEnv({ name, prefix, urls: sharedUrls!, modelsDir: inject('modelsDir'), env: { JOB_LOCK_MS: '3000', JOB_STALLED_INTERVAL_MS: '1000' } });
  });
  afterAll(async () => {
    for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) await s.kill('SIGTERM');
    await shared?.dispose();
  });

  return {
    prefix,
    spawn: async () => {
      const s = await spawnServer(shared!.env);
      servers.push(s);
      return s;
    },
  };
}
