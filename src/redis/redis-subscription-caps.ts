// Subscriptions held per key, counted in Redis (REDIS_URL) across every process: each open
// subscription is a member of its key's sorted set, scored by when it lapses. The holding process
// renews its members; those of a process that died lapse by themselves after LEASE_MS.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

const LEASE_MS = 60_000;
const RENEW_MS = 20_000;

// KEYS[1] set; ARGV: max, member, lease ms. Returns 1 when taken, 0 when the key holds max already.
const OPEN = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
`;

// KEYS: sets; ARGV[i]: the member in KEYS[i]. Pushes their lapse LEASE_MS on.
const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, 'XX', now + ${LEASE_MS}, ARGV[i])
  redis.call('PEXPIRE', key, ${LEASE_MS})
end
return #KEYS
`;

type Scripts = {
  maskqlOpenSubscription(key: string, max: number, member: string, lease: number): Promise<number>;
  maskqlRenewSubscriptions(n: number, ...keysThenMembers: string[]): Promise<number>;
};

export class RedisSubscriptionCaps {
  private readonly held = new Map<string, string>(); // member -> set key
  private readonly renewer: NodeJS.Timeout;

  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
  ) {
    client.defineCommand('maskqlOpenSubscription', { numberOfKeys: 1, lua: OPEN });
    client.defineCommand('maskqlRenewSubscriptions', { lua: RENEW });
    this.renewer = setInterval(() => void this.renew().catch(() => undefined), RENEW_MS);
    this.renewer.unref();
  }

  private get scripts(): Scripts {
    return this.client as unknown as Scripts;
  }

  /** Takes one of `max` places of `id`; returns its release, or null when all are taken. */
  async open(id: string, max: number): Promise<(() => void) | null> {
    const key = `${this.prefix}subs:${id}`;
    const member = randomUUID();
    if (!(await this.scripts.maskqlOpenSubscription(key, max, member, LEASE_MS))) return null;
    this.held.set(member, key);
    return () => {
      if (!this.held.delete(member)) return;
      void this.client.zrem(key, member).catch(() => undefined); // if lost, it lapses by itself
    };
  }

  private async renew(): Promise<void> {
    if (!this.held.size) return;
    const members = [...this.held.keys()];
    await this.scripts.maskqlRenewSubscriptions(members.length, ...members.map((m) => this.held.get(m)!), ...members);
  }

  dispose(): void {
    clearInterval(this.renewer);
  }
}
