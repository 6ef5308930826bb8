// Session leases in the machine's Redis, as two worker processes see them (two stores, one per
// worker id, on one prefix): one holder at a time, caps counted across both, the holder alone
// renews and releases, and a dead holder's lease and its place under the caps lapse by themselves.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisSessionLeases } from '../../src/redis/redis-session-leases.js';
import { dropPrefix, redisUrl, testPrefix } from '../support/redis.js';

const TTL = 400;
const caps = { maxOpen: 3, maxOpenPerKey: 2 };

describe.skipIf(!redisUrl)('session leases in Redis', () => {
  const prefix = testPrefix('leases');
  let redis: Redis;
  let w1: RedisSessionLeases;
  let w2: RedisSessionLeases;
  beforeAll(() => {
    redis = new Redis(redisUrl!);
    w1 = new RedisSessionLeases(redis, prefix, 'w1', TTL);
    w2 = new RedisSessionLeases(redis, prefix, 'w2', TTL);
  });
  afterAll(async () => {
    redis.disconnect();
    await dropPrefix(prefix);
  });

  it('one holder at a time: a claim by another takes it, and the first learns so when it renews', async () => {
    expect(await w1.claim('s1', 'k', caps)).toBe('taken');
    expect(await w1.claim('s1', 'k')).toBe('kept');
    expect(await w2.holder('s1')).toBe('w1');
    expect(await w2.claim('s1', 'k')).toBe('taken');
    expect(await w1.holder('s1')).toBe('w2');
    expect(await w1.renew([{ id: 's1', ownerId: 'k' }])).toEqual(['s1']);
    expect(await w2.renew([{ id: 's1', ownerId: 'k' }])).toEqual([]);
    await w1.release('s1', 'k'); // not the holder: nothing happens
    expect(await w2.holder('s1')).toBe('w2');
    await w2.release('s1', 'k');
    expect(await w1.holder('s1')).toBeNull();
  });

  it('caps count the sessions opened on every worker; a rebuild is not refused', async () => {
    expect(await w1.claim('a', 'k1', caps)).toBe('taken');
    expect(await w2.claim('b', 'k1', caps)).toBe('taken');
    expect(await w1.claim('c', 'k1', caps)).toBe('over-cap-per-key');
    expect(await w2.claim('c', 'k2', caps)).toBe('taken');
    expect(await w1.claim('d', 'k3', caps)).toBe('over-cap');
    expect(await w1.holder('d')).toBeNull(); // a refused claim holds nothing
    // Taking over an open session (its worker died) is not an opening: no cap applies, nor counts twice.
    expect(await w1.claim('b', 'k1', caps)).toBe('taken');
    expect(await w1.claim('b', 'k1')).toBe('kept');
    await w1.release('b', 'k1');
    expect(await w2.claim('e', 'k1', caps)).toBe('taken'); // k1 has one slot again
    for (const [w, s, k] of [[w1, 'a', 'k1'], [w2, 'c', 'k2'], [w2, 'e', 'k1']] as const) await w.release(s, k);
  });

  it('a holder that stops renewing loses its lease and its place under the caps', async () => {
    expect(await w1.claim('x', 'k', caps)).toBe('taken');
    expect(await w1.claim('y', 'k', caps)).toBe('taken');
    expect(await w2.claim('z', 'k', caps)).toBe('over-cap-per-key');
    await new Promise((r) => setTimeout(r, TTL + 100));
    expect(await w2.holder('x')).toBeNull();
    expect(await w2.claim('z', 'k', caps)).toBe('taken');
    await w2.release('z', 'k');
  });
});
