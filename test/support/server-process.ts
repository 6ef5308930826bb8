// The one starter of the real server as a child process (dist/src/main.js), for tests that kill
// it and for the load run (bench/ imports it too, so it imports nothing of vitest).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../src/paths.js';

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

/** dist/src/main.js on an ephemeral port, CPU, PGlite, no background encoding unless env says otherwise. */
function spawnMain(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [path.join(PACKAGE_ROOT, 'dist', 'src', 'main.js')], {
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', ENGINE_DEVICE: 'cpu', DATABASE_URL: '', PREENCODE_IMAGES: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export interface SpawnOptions {
  /** Keep only the last this many characters of output (a long run's server logs a lot). */
  keepChars?: number;
  /** Each line logged at warning level or above, as it comes. */
  onWarning?: (line: string) => void;
}

export async function spawnServer(env: Record<string, string>, opts: SpawnOptions = {}): Promise<ServerProcess> {
  const child = spawnMain(env);
  let out = '';
  const take = (d: Buffer) => {
    out += d;
    if (opts.keepChars && out.length > opts.keepChars) out = out.slice(-opts.keepChars);
    if (opts.onWarning) for (const line of String(d).split('\n')) if (/"level":(40|50|60)/.test(line)) opts.onWarning(line);
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 60_000);
    const check = () => {
      const m = /"url":"(http:\/\/[^"]+)\/graphql"/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', check);
    void exited.then(() => reject(new Error(`server exited:\n${out}`)));
  });
  return {
    url,
    child,
    output: () => out,
    kill: async (signal) => {
      child.kill(signal);
      return exited;
    },
  };
}

/** Runs the real server expecting it to exit by itself (a start that must fail); its streams apart. */
export async function runServerToExit(env: Record<string, string>, timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnMain(env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((r) => child.once('close', (c) => r(c)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}
