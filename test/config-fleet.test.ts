// ROLE (or --role) picks what a process runs: all (the default, one whole server), api or worker.
// The split roles need REDIS_URL and DATABASE_URL, and say which is missing — in loadConfig and
// at the real start of dist/src/main.js.
import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import { ConfigError, flagsToEnv, loadConfig } from '../src/config.js';

const pg = 'postgresql://u@127.0.0.1:5432/db';
const redis = 'redis://127.0.0.1:6379';

it('defaults to ROLE=all, and takes the role from the environment or from --role (which wins)', () => {
  expect(loadConfig({}).role).toBe('all');
  expect(loadConfig({ ROLE: 'worker', REDIS_URL: redis, DATABASE_URL: pg }).role).toBe('worker');
  expect(loadConfig({ ROLE: 'worker', REDIS_URL: redis, DATABASE_URL: pg }, ['--role', 'api']).role).toBe('api');
  expect(loadConfig({ REDIS_URL: redis, DATABASE_URL: pg }, ['--role=worker']).role).toBe('worker');
  expect(flagsToEnv([])).toEqual({});
  expect(() => flagsToEnv(['--port', '1'])).toThrow(/unknown argument "--port"/);
  expect(() => flagsToEnv(['--role'])).toThrow(/--role: needs a value/);
  expect(() => loadConfig({}, ['--role', 'gpu'])).toThrow(/ROLE/);
});

it('a split role names what it is missing', () => {
  expect(() => loadConfig({ ROLE: 'api' })).toThrow(ConfigError);
  expect(() => loadConfig({ ROLE: 'api' })).toThrow(/ROLE=api: a split role needs REDIS_URL and DATABASE_URL; missing: REDIS_URL, DATABASE_URL/);
  expect(() => loadConfig({ ROLE: 'worker', DATABASE_URL: pg })).toThrow(/missing: REDIS_URL$/m);
  expect(() => loadConfig({ ROLE: 'worker', REDIS_URL: redis })).toThrow(/REDIS_URL.*DATABASE_URL/);
});

it('worker ids and the heartbeat: a default id per process, a ttl of at least two beats', () => {
  const a = loadConfig({ ROLE: 'worker', REDIS_URL: redis, DATABASE_URL: pg }).fleet;
  expect(a.workerId).toMatch(/^[A-Za-z0-9_.-]+-\d+-[0-9a-f]{6}$/);
  expect(loadConfig({ WORKER_ID: 'gpu-0' }).fleet.workerId).toBe('gpu-0');
  expect(() => loadConfig({ WORKER_ID: 'a:b' })).toThrow(/WORKER_ID/);
  expect(() => loadConfig({ FLEET_HEARTBEAT_MS: '1000', FLEET_WORKER_TTL_MS: '1500' })).toThrow(/FLEET_WORKER_TTL_MS/);
});

// Two starts of the built server: slow on a loaded machine (it loads every module first).
it('the built server refuses to start a split role without Redis and PostgreSQL, and says why', { timeout: 180_000 }, async () => {
  const env: Record<string, string> = { ...process.env, PORT: '0', DATABASE_URL: '', REDIS_URL: '' } as Record<string, string>;
  const run = (args: string[]) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['dist/src/main.js', ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.once('close', (code) => resolve({ code, stderr }));
    });
  const api = await run(['--role', 'api']);
  expect(api.code).toBe(2);
  expect(api.stderr).toMatch(/ROLE=api: a split role needs REDIS_URL and DATABASE_URL; missing: REDIS_URL, DATABASE_URL/);
  const bad = await run(['--rol', 'api']);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/unknown argument "--rol"/);
});
