// Without --url, the load run starts the real server as its own process (dist/src/main.js): a
// fresh DATA_DIR with its embedded database, the repository's models, CPU, port 0. Its memory is
// then the server's alone, not mixed with the load clients'.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PACKAGE_ROOT } from '../../src/paths.js';

export interface SpawnedServer {
  url: string;
  stop(): Promise<void>;
}

export async function spawnServer(env: Record<string, string> = {}): Promise<SpawnedServer> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'maskql-load-srv-'));
  const main = fileURLToPath(new URL('../../src/main.js', import.meta.url));
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, PORT: '0', DATA_DIR: dataDir, MODELS_DIR: path.join(PACKAGE_ROOT, 'models'), ENGINE_DEVICE: 'cpu', LOG_LEVEL: 'info', DATABASE_URL: '', NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out = (out + d).slice(-20_000);
      const m = /"url":"(http:\/\/[^"]+)\/graphql"/.exec(out);
      if (m) resolve(m[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(() => reject(new Error(`the server exited:\n${out}`)));
  });
  // Keep reading (a full pipe would block the server); keep only the warnings and errors.
  child.stdout!.removeAllListeners('data').on('data', (d: Buffer) => {
    for (const line of String(d).split('\n')) if (/"level":(40|50|60)/.test(line)) process.stderr.write(`server: ${line.slice(0, 400)}\n`);
  });
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
