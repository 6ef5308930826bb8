// The one starter of the real server in this process, for tests and benchmarks (bench/ imports
// it too, so it imports nothing of vitest): PORT 0, a data folder of its own (made, and removed
// at stop, unless one is given), CPU inference, no logging unless LOG_LEVEL says otherwise, no
// background encoding of stored images unless PREENCODE_IMAGES says so (first clicks stay misses).
// Clients talk to it over real HTTP and real graphql-ws.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { startApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';

export interface AppServer {
  app: App;
  url: string;
  dataDir: string;
  env: Record<string, string>;
  /** Milliseconds startApp took (the benchmarks report it). */
  startMs: number;
  stop(): Promise<void>;
}

export interface AppServerOptions {
  /** MODELS_DIR is required; anything else overrides the defaults. */
  env: Record<string, string> & { MODELS_DIR: string };
  /** Serve an existing data folder (kept at stop). */
  dataDir?: string;
  /** Runs before start with the data folder and env (a database to create, a template to copy); what it returns runs after stop. */
  prepare?: (dataDir: string, env: Record<string, string>) => Promise<(() => Promise<void>) | void>;
}

export async function startAppServer(opts: AppServerOptions): Promise<AppServer> {
  const dataDir = opts.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'maskql-srv-')));
  const env: Record<string, string> = { NODE_ENV: 'test', PORT: '0', LOG_LEVEL: 'silent', DATA_DIR: dataDir, ENGINE_DEVICE: 'cpu', PREENCODE_IMAGES: 'false', ...opts.env };
  const cleanup = (await opts.prepare?.(dataDir, env)) ?? undefined;
  const t0 = performance.now();
  const app = await startApp(loadConfig(env), pino({ level: env.LOG_LEVEL }));
  const startMs = performance.now() - t0;
  return {
    app,
    url: app.url,
    dataDir,
    env,
    startMs,
    stop: async () => {
      await app.dispose();
      await cleanup?.();
      if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
