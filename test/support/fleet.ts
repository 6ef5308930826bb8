// A fleet of real server processes (dist/src/main.js) on loopback for the multi-process tests and
// benchmarks: N api and M worker processes sharing a fresh PostgreSQL database (a copy of the
// run's migrated template), one Redis under a prefix of their own, and one DATA_DIR (the content
// store the roles share). dispose() stops them all and drops what they made. The benchmarks use it
// too (bench/fleet.bench.ts): tsconfig.json compiles this file (and what it imports) into dist/.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { openDatabase } from '../../src/db/database.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { ApiKeyService } from '../../src/modules/api-key/api-key.service.js';
import { createSharedEnv } from './shared-env.js';

const MAIN = path.join(PACKAGE_ROOT, 'dist/src/main.js');

export interface FleetProcess {
  role: 'api' | 'worker' | 'all';
  /** api, all: the base URL (GraphQL at /graphql); worker: its /healthz and /metrics port. */
  url: string;
  workerId?: string;
  child: ChildProcess;
  output(): string;
  alive(): boolean;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export interface Fleet {
  apis: FleetProcess[];
  workers: FleetProcess[];
  env: Record<string, string>;
  prefix: string;
  /** Starts one more process of the fleet. */
  spawn(role: FleetProcess['role'], env?: Record<string, string>): Promise<FleetProcess>;
  /** A new API key straight in the fleet's database (for AUTH_MODE=apikey fleets). */
  key(scopes: ('read' | 'write' | 'admin')[]): Promise<string>;
  /** The value of a metric line on a process's /metrics, 0 when absent. */
  metric(p: FleetProcess, line: string, headers?: Record<string, string>): Promise<number>;
  dispose(): Promise<void>;
}

export interface FleetOptions {
  apis: number;
  workers: number;
  urls: { database: string; redis: string };
  modelsDir: string;
  /** The run's migrated PostgreSQL template (global setup), or '' to migrate a new database. */
  template: string;
  env?: Record<string, string>;
  name?: string;
}

export async function startFleet(opts: FleetOptions): Promise<Fleet> {
  const shared = await createSharedEnv({ name: opts.name ?? 'fleet', urls: opts.urls, modelsDir: opts.modelsDir, template: opts.template });
  const { prefix } = shared;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: 'info',
    ENGINE_DEVICE: 'cpu',
    PREENCODE_IMAGES: 'false',
    ...shared.env,
    // A dead worker leaves the live set within about four seconds (a live one under load, busy
    // with a long stretch of main-thread work, should not look dead: the TTL leaves room for it).
    FLEET_HEARTBEAT_MS: '500',
    FLEET_WORKER_TTL_MS: '4000',
    JOB_LOCK_MS: '3000',
    JOB_STALLED_INTERVAL_MS: '1000',
    SHUTDOWN_GRACE_MS: '5000',
    ...opts.env,
  };
  const all: FleetProcess[] = [];
  const spawnOne = async (role: FleetProcess['role'], extra: Record<string, string> = {}) => {
    const p = await spawnProcess(role, { ...env, ...extra });
    all.push(p);
    return p;
  };
  const roles: FleetProcess['role'][] = [...Array<'worker'>(opts.workers).fill('worker'), ...Array<'api'>(opts.apis).fill('api')];
  try {
    // Without a template the first process migrates the database before the others open it.
    if (!opts.template && roles.length) await spawnOne(roles.shift()!);
    await Promise.all(roles.map((r) => spawnOne(r)));
  } catch (err) {
    await Promise.all(all.map((p) => p.kill('SIGKILL')));
    await shared.dispose();
    throw err;
  }
  return {
    apis: all.filter((p) => p.role === 'api'),
    workers: all.filter((p) => p.role === 'worker'),
    env,
    prefix,
    spawn: spawnOne,
    key: async (scopes) => {
      const d = await openDatabase({ kind: 'postgres', url: shared.databaseUrl });
      try {
        return (await new ApiKeyService(d.prisma).create({ name: 'fleet-test', scopes })).secret;
      } finally {
        await d.dispose();
      }
    },
    metric: async (p, line, headers = {}) => {
      const res = await fetch(`${p.url}/metrics`, { headers });
      if (!res.ok) throw new Error(`/metrics of the ${p.role} process: ${res.status} ${await res.text()}`);
      const text = await res.text();
      const found = text.split('\n').find((l) => l.startsWith(line + ' '));
      return found ? Number(found.slice(line.length + 1)) : 0;
    },
    dispose: async () => {
      await Promise.all(all.map((p) => p.kill('SIGTERM')));
      await shared.dispose();
    },
  };
}

async function spawnProcess(role: FleetProcess['role'], env: Record<string, string>): Promise<FleetProcess> {
  const child = spawn(process.execPath, [MAIN, '--role', role], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const ready = await new Promise<{ url: string; workerId?: string }>((resolve, reject) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL'); // not left running, unseen by dispose()
      reject(new Error(`${role} process did not start:\n${out}`));
    }, 90_000);
    const check = () => {
      const line = out.split('\n').find((l) => l.includes('"msg":"maskql ready"'));
      if (!line) return;
      clearTimeout(t);
      const r = JSON.parse(line) as { url?: string; health?: string; workerId?: string };
      resolve({ url: (r.url ?? r.health)!.replace(/\/(graphql|healthz)$/, ''), workerId: r.workerId });
    };
    child.stdout!.on('data', check);
    void exited.then(() => reject(new Error(`${role} process exited:\n${out}`)));
  });
  return {
    role,
    ...ready,
    child,
    output: () => out,
    alive: () => child.exitCode === null && child.signalCode === null,
    kill: async (signal) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}
