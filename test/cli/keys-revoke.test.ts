// `maskql keys revoke` as a real process, beside servers sharing PostgreSQL and Redis: the
// revocation is announced on `auth:revoked` like the revokeApiKey mutation's, so the graphql-ws
// sockets open with the key on every server process close with 4403, though nothing rechecks
// them on a timer (WS_AUTH_RECHECK_MS is an hour), and the key is refused at once.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { runAs } from '../support/auth.js';
import { sharedUrls } from '../support/redis.js';
import { startSharedPair, type SharedPair } from '../support/shared-pair.js';

const exec = promisify(execFile);
const CLI = path.join(PACKAGE_ROOT, 'dist/src/cli/main.js');
if (!sharedUrls) console.log('maskql keys revoke over Redis: skipped, TEST_REDIS_URL and TEST_DATABASE_URL are not both set');

describe.skipIf(!sharedUrls)('maskql keys revoke announces the revocation (REDIS_URL)', () => {
  let pair: SharedPair;
  let a: SharedPair['a'];
  let b: SharedPair['b'];

  beforeAll(async () => {
    // Sockets are not rechecked on a timer: only the announcement can close them.
    pair = await startSharedPair('cli-revoke', { AUTH_MODE: 'apikey', WS_AUTH_RECHECK_MS: '3600000' });
    ({ a, b } = pair);
  }, 120_000);
  afterAll(() => pair?.stop());

  const sockets: Client[] = [];
  /** A graphql-ws socket opened (connection_init acknowledged) with `key`; `closed` settles with its close code. */
  async function openSocket(url: string, key: string): Promise<{ closed: Promise<number> }> {
    let onClosed!: (code: number) => void;
    let onConnected!: () => void;
    const closed = new Promise<number>((r) => (onClosed = r));
    const connected = new Promise<void>((r) => (onConnected = r));
    let failed: unknown;
    sockets.push(
      createClient({
        url: `${url.replace(/^http/, 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${key}` },
        lazy: false,
        retryAttempts: 0,
        on: { connected: () => onConnected(), closed: (e) => onClosed((e as { code: number }).code) },
        onNonLazyError: (err) => (failed = err),
      }),
    );
    await Promise.race([connected, closed.then((code) => Promise.reject(new Error(`socket closed before it was acknowledged: ${code} ${String(failed ?? '')}`)))]);
    return { closed };
  }

  it('closes the key’s open sockets on every server process with 4403, and the key is refused', async () => {
    const { apiKey, secret } = await a.app.services.apiKeys.create({ name: 'watcher', scopes: ['read'] });
    const models = { query: '{ models { name } }' };
    try {
      // Both processes have just verified (and cached) the key.
      for (const url of [a.url, b.url]) expect((await runAs('http', url, secret, models)).result).toBe('ok');
      const open = await Promise.all([openSocket(a.url, secret), openSocket(b.url, secret)]);

      const res = await exec(process.execPath, [CLI, 'keys', 'revoke', apiKey.id], { env: { ...process.env, ...pair.env, LOG_LEVEL: 'silent' } });
      expect(res.stdout).toContain('REVOKED');

      expect(await Promise.all(open.map((s) => s.closed))).toEqual([4403, 4403]);
      for (const url of [a.url, b.url]) expect((await runAs('http', url, secret, models)).result).toBe('UNAUTHENTICATED');
    } finally {
      await Promise.all(sockets.map((c) => c.dispose()));
    }
  }, 60_000);

  it('says so when Redis cannot be reached, and leaves the key as it was', async () => {
    const { apiKey } = await a.app.services.apiKeys.create({ name: 'kept', scopes: ['read'] });
    const res = await exec(process.execPath, [CLI, 'keys', 'revoke', apiKey.id], { env: { ...process.env, ...pair.env, REDIS_URL: 'redis://127.0.0.1:1' } }).catch((e: { code: number; stderr: string }) => e);
    expect((res as { code: number }).code).toBe(1);
    expect((res as { stderr: string }).stderr).toMatch(/Redis \(REDIS_URL\) cannot be reached.*not revoked/);
    expect((await a.app.services.apiKeys.get(apiKey.id)).revokedAt).toBeNull();
  }, 30_000);
});
