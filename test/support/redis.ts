// The real Redis of the machine for the tests that share work between processes (TEST_REDIS_URL;
// they are skipped, as global-setup says, when it is unset). Each test takes a prefix of its own,
// so parallel files and runs never see each other's keys and channels.
import { Redis } from 'ioredis';
import { RedisConnections } from '../../src/redis/redis-connections.js';

export const redisUrl = process.env.TEST_REDIS_URL;

/** Both URLs, for tests that need processes sharing PostgreSQL and Redis. */
export const sharedUrls = process.env.TEST_REDIS_URL && process.env.TEST_DATABASE_URL ? { redis: process.env.TEST_REDIS_URL, database: process.env.TEST_DATABASE_URL } : undefined;

export function testPrefix(name: string): string {
  return `maskql-test:${name}:${process.pid}:${Date.now().toString(36)}:${Math.floor(Math.random() * 1e6)}:`;
}

const quiet = { warn() {} };

export function connections(prefix: string): RedisConnections {
  return new RedisConnections(redisUrl!, prefix, quiet);
}

/** Waits until `count` connections listen on the channel (SUBSCRIBE is confirmed asynchronously). */
export async function untilSubscribed(channel: string, count = 1): Promise<void> {
  const c = new Redis(redisUrl!);
  try {
    for (;;) {
      const [, n] = (await c.pubsub('NUMSUB', channel)) as [string, number];
      if (Number(n) >= count) return;
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    c.disconnect();
  }
}

/** Removes every key of a test's prefix. */
export async function dropPrefix(prefix: string, url = redisUrl!): Promise<void> {
  const c = new Redis(url);
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await c.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    if (keys.length) await c.del(...keys);
  } finally {
    c.disconnect();
  }
}
