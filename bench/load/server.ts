// Without --url, the load run starts the real server as its own process (the tests' starter,
// test/support/server-process.ts): a fresh DATA_DIR with its embedded database, the repository's
// models, CPU, port 0. Its memory is then the server's alone, not mixed with the load clients'.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { spawnServer as spawnMain } from '../../test/support/server-process.js';

export interface SpawnedServer {
  url: string;
  stop(): Promise<void>;
}

export async function spawnServer(env: Record<string, string> = {}): Promise<SpawnedServer> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'maskql-load-srv-'));
  const srv = await spawnMain(
    { DATA_DIR: dataDir, MODELS_DIR: path.join(PACKAGE_ROOT, 'models'), NODE_ENV: 'production', ...env },
    // Only the warnings and errors are shown (the pipe is still read: a full one blocks the server).
    { keepChars: 20_000, onWarning: (line) => process.stderr.write(`server: ${line.slice(0, 400)}\n`) },
  );
  return {
    url: srv.url,
    stop: async () => {
      await srv.kill('SIGTERM');
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
