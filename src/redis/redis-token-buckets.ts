// Token buckets in Redis (REDIS_URL), shared by every process: the same arithmetic as
// server/auth/token-bucket.ts, run atomically by one Lua script on Redis's clock, so a key's
// limit holds whichever process it calls. A bucket's hash expires once it would be full again.
import type { Redis } from 'ioredis';

// KEYS[1] bucket; ARGV: perSec, burst, cost. Returns the seconds to wait (0: taken) as a string.
const TAKE = `
local perSec = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = math.min(tonumber(ARGV[3]), burst)
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or now
tokens = math.min(burst, tokens + (math.max(0, now - at) / 1000) * perSec)
local wait = 0
if cost <= tokens then
  tokens = tokens - cost
else
  wait = (cost - tokens) / perSec
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(((burst - tokens) / perSec) * 1000) + 1000)
return tostring(wait)
`;

export class RedisTokenBuckets {
  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
  ) {
    client.defineCommand('maskqlTakeTokens', { numberOfKeys: 1, lua: TAKE });
  }

  /** Takes `cost` tokens from the bucket of `id` and returns 0, or takes nothing and returns the seconds until it could. */
  async take(id: string, cost: number, perSec: number, burst: number): Promise<number> {
    const run = (this.client as unknown as { maskqlTakeTokens(key: string, ...args: (string | number)[]): Promise<string> }).maskqlTakeTokens;
    return Number(await run.call(this.client, `${this.prefix}rate:${id}`, perSec, burst, cost));
  }
}
