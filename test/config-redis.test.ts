// REDIS_URL is validated at start: a redis:// URL, and only beside a PostgreSQL (DATABASE_URL).
import { expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const pg = 'postgresql://u@127.0.0.1:5432/db';

it('takes REDIS_URL with DATABASE_URL, with the default prefix', () => {
  expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', DATABASE_URL: pg }).redis).toEqual({ url: 'redis://127.0.0.1:6379', prefix: 'maskql:' });
  expect(loadConfig({ REDIS_URL: 'rediss://:pw@cache.example:6380/2', DATABASE_URL: pg, REDIS_PREFIX: 'team-a:' }).redis?.prefix).toBe('team-a:');
  expect(loadConfig({}).redis).toBeUndefined();
});

it('refuses a bad URL, a bad prefix, and Redis without PostgreSQL, naming the variable', () => {
  for (const env of [{ REDIS_URL: 'http://127.0.0.1:6379', DATABASE_URL: pg }, { REDIS_URL: 'redis://h/x y', DATABASE_URL: pg }, { REDIS_URL: 'redis://h', DATABASE_URL: pg, REDIS_PREFIX: 'a b' }]) {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(/REDIS_(URL|PREFIX)/);
  }
  expect(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(/REDIS_URL.*DATABASE_URL/);
});
