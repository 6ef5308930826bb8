// Two processes' key services on one PostgreSQL and one Redis, with no announcement between them
// (no PubSub): the ledger alone must make a revocation through one hold on the other at once,
// though the other had just verified (and cached) the key.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.js';
import { ApiKeyService, LEDGER_KEEP_MS } from '../../src/modules/api-key/api-key.service.js';
import { RedisRevocations } from '../../src/redis/redis-revocations.js';

const revocationLedger = (redis: Redis, prefix: string) => new RedisRevocations(redis, prefix, LEDGER_KEEP_MS);
import { createPostgresDatabase } from '../support/postgres.js';
import { dropPrefix, sharedUrls, testPrefix } from '../support/redis.js';

describe.skipIf(!sharedUrls)('revocations recorded in Redis', () => {
  const prefix = testPrefix('revocations');
  let pg: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let dbs: Database[];
  let redis: Redis;

  beforeAll(async () => {
    pg = await createPostgresDatabase(sharedUrls!.database, inject('postgresTemplate'));
    dbs = [await openDatabase({ kind: 'postgres', url: pg.url }), await openDatabase({ kind: 'postgres', url: pg.url })];
    redis = new Redis(sharedUrls!.redis);
  });
  afterAll(async () => {
    await Promise.all(dbs.map((d) => d.dispose()));
    redis.disconnect();
    await dropPrefix(prefix);
    await pg.drop();
  });

  it('a key revoked through one process is refused by the other at once, its cache notwithstanding', async () => {
    const [a, b] = dbs.map((d) => new ApiKeyService(d.prisma, undefined, revocationLedger(redis, prefix)));
    const { apiKey, secret } = await a!.create({ name: 'k', scopes: ['read'] });
    expect(await b!.verify(secret)).toMatchObject({ id: `api-key:${apiKey.id}` }); // cached by B now
    await a!.revoke(apiKey.id);
    expect(await redis.pttl(`${prefix}revoked:${apiKey.id}`)).toBeGreaterThan(10_000); // outlives B's cache
    expect(await b!.verify(secret)).toBeNull();
    // Without the ledger, B trusts its cache for up to 10 s (what the ledger is for).
    const { apiKey: other, secret: otherSecret } = await a!.create({ name: 'k2', scopes: ['read'] });
    const blind = new ApiKeyService(dbs[1]!.prisma);
    expect(await blind.verify(otherSecret)).not.toBeNull();
    await a!.revoke(other.id);
    expect(await blind.verify(otherSecret)).not.toBeNull();
  });

  it('when Redis cannot answer, a cached key is checked against the database again', async () => {
    const down = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    down.on('error', () => undefined);
    const a = new ApiKeyService(dbs[0]!.prisma, undefined, revocationLedger(down, prefix));
    const b = new ApiKeyService(dbs[1]!.prisma, undefined, revocationLedger(down, prefix));
    const { apiKey, secret } = await a.create({ name: 'k3', scopes: ['read'] });
    expect(await b.verify(secret)).not.toBeNull();
    await a.revoke(apiKey.id); // the ledger's write fails; the revocation stands
    expect((await dbs[0]!.prisma.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } })).revokedAt).not.toBeNull();
    expect(await b.verify(secret)).toBeNull();
    down.disconnect();
  });
});
