// Limits shared through Redis (REDIS_URL) by two server processes on one PostgreSQL: this test's
// in-process server (A) and a real child process (B). A key's rate bucket spent through one holds
// on the other; its subscriptions are capped across both; a key revoked through A is refused by
// B at once, though B had just verified (and cached) it, and its open graphql-ws sockets on both
// are closed with 4403.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAs } from '../support/auth.js';
import { httpClient, wsClient } from '../support/gql.js';
import { sharedUrls } from '../support/redis.js';
import { startSharedPair, type SharedPair } from '../support/shared-pair.js';
import { fixture, uploadFile, waitFor } from '../support/tracking.js';

describe.skipIf(!sharedUrls)('limits shared by two processes through Redis', () => {
  let pair: SharedPair;
  let a: SharedPair['a'];
  let b: SharedPair['b'];
  let prefix: string;
  const key = async (scopes: ('read' | 'write' | 'admin')[] = ['read']) => (await a.app.services.apiKeys.create({ name: 't', scopes })).secret;
  // A video session to subscribe to (made once, by an admin, through A).
  let session: Promise<string> | undefined;
  const videoSession = () =>
    (session ??= (async () => {
      const admin = await key(['admin']);
      const asAdmin = httpClient(a.url, { authorization: `Bearer ${admin}` });
      const projectId = ((await asAdmin.raw('mutation { createProject(input: { name: "limits" }) { project { id } } }')).data as any).createProject.project.id;
      const videoId = (await uploadFile(a.url, projectId, fixture('discs.mp4'), { authorization: `Bearer ${admin}` })).body.data.media.id;
      return ((await asAdmin.raw('mutation($m: ID!) { startSession(input: { mediaId: $m, model: "demo-sam" }) { session { id } } }', { m: videoId })).data as any).startSession.session.id as string;
    })());
  const watch = 'subscription($s: ID!) { sessionEvents(sessionId: $s) { kind } }';

  beforeAll(async () => {
    pair = await startSharedPair('limits', {
      AUTH_MODE: 'apikey', RATE_LIMIT_PER_SEC: '0.1', RATE_LIMIT_BURST: '20', WS_MAX_SUBSCRIPTIONS_PER_KEY: '2',
      // Sockets are not rechecked on a timer here: only a revocation's announcement can close them.
      WS_AUTH_RECHECK_MS: '3600000',
    });
    ({ a, b, prefix } = pair);
  }, 120_000);
  afterAll(() => pair?.stop());

  it('a rate limit spent through one process holds on the other', async () => {
    const k = await key();
    const models = { query: '{ models { name } }' };
    for (let i = 0; i < 20; i++) expect((await runAs('http', i % 2 ? b.url : a.url, k, models)).result).toBe('ok');
    for (const url of [a.url, b.url]) {
      const res = await runAs('http', url, k, models);
      expect(res).toMatchObject({ result: 'RATE_LIMITED', status: 429 });
    }
    // Another key has its own bucket, on both.
    const other = await key();
    for (const url of [a.url, b.url]) expect((await runAs('http', url, other, models)).result).toBe('ok');
  });

  it('caps subscriptions per key across the processes, and frees the slot when one ends', async () => {
    const s = await videoSession();
    const k = await key();
    const urls = [a.url, b.url, a.url, b.url];
    const sockets = urls.map((u) => wsClient(u, { authorization: `Bearer ${k}` }));
    const outcomes: [number, unknown][] = [];
    const subscribe = (i: number) => sockets[i]!.subscribe({ query: watch, variables: { s } }, { next: () => undefined, error: (e) => outcomes.push([i, e]), complete: () => undefined });
    // What the key holds, as Redis counts it (not /metrics, which would spend the admin's bucket).
    const redis = new Redis(sharedUrls!.redis);
    const held = async () => {
      const [, keys] = await redis.scan('0', 'MATCH', `${prefix}subs:*`, 'COUNT', 1000);
      return keys.length === 1 ? redis.zcard(keys[0]!) : keys.length;
    };
    try {
      subscribe(0); // on A
      const stopOnB = subscribe(1); // on B
      await waitFor(async () => (await held()) === 2);
      subscribe(2); // A again: the key holds 2 already, one of them on B
      subscribe(3); // and B
      await waitFor(async () => outcomes.length === 2);
      for (const [, e] of outcomes) expect(JSON.stringify(e)).toMatch(/At most 2 subscriptions at once per key.*RESOURCE_EXHAUSTED/);
      stopOnB();
      await waitFor(async () => (await held()) === 1);
      outcomes.length = 0;
      subscribe(2);
      await waitFor(async () => (await held()) === 2);
      expect(outcomes).toEqual([]);
    } finally {
      await Promise.all(sockets.map((s) => s.dispose()));
      redis.disconnect();
    }
  });

  it('a key revoked through one process is refused by the other at once', async () => {
    const admin = await key(['admin']);
    const created = (await httpClient(a.url, { authorization: `Bearer ${admin}` }).raw('mutation { createApiKey(input: { name: "short", scopes: [read] }) { secret apiKey { id } } }')).data as any;
    const { secret, apiKey } = created.createApiKey;
    expect((await runAs('http', b.url, secret, { query: '{ models { name } }' })).result).toBe('ok'); // B has verified it
    await httpClient(a.url, { authorization: `Bearer ${admin}` }).raw('mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { revokedAt } } }', { id: apiKey.id });
    expect((await runAs('http', b.url, secret, { query: '{ models { name } }' })).result).toBe('UNAUTHENTICATED');
    expect((await runAs('ws', b.url, secret, { query: '{ models { name } }' })).result).toBe('UNAUTHENTICATED');
  });

  it('a key revoked through one process closes its open sockets on every process (4403)', async () => {
    const s = await videoSession();
    const asAdmin = httpClient(a.url, { authorization: `Bearer ${await key(['admin'])}` });
    const created = (await asAdmin.raw('mutation { createApiKey(input: { name: "watcher", scopes: [read] }) { secret apiKey { id } } }')).data as any;
    const { secret, apiKey } = created.createApiKey;
    const sockets = [a.url, b.url].map((u) => wsClient(u, { authorization: `Bearer ${secret}` }));
    const redis = new Redis(sharedUrls!.redis);
    try {
      const ended = sockets.map((c) => new Promise<unknown>((resolve) => c.subscribe({ query: watch, variables: { s } }, { next: () => undefined, error: resolve, complete: () => resolve('completed') })));
      // Both subscriptions hold their slot (counted in Redis): the sockets are open on A and on B.
      await waitFor(async () => (await redis.zcard(`${prefix}subs:api-key:${apiKey.id}`)) === 2);
      const revoked = await asAdmin.raw('mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { revokedAt } } }', { id: apiKey.id });
      expect(revoked.errors).toBeUndefined();
      for (const e of await Promise.all(ended)) expect((e as { code?: number }).code).toBe(4403);
      await waitFor(async () => (await redis.zcard(`${prefix}subs:api-key:${apiKey.id}`)) === 0); // their slots are freed
    } finally {
      await Promise.all(sockets.map((c) => c.dispose()));
      redis.disconnect();
    }
  });
});
