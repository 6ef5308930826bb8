// Session leases in Redis (modules/session/session-leases.ts says what they are for). A lease is a
// key naming its holder, with a TTL on Redis's clock; the open sessions are members of a sorted
// set (one for the fleet, one per key) scored by when they lapse, so a dead holder's sessions stop
// counting by themselves. Each step is one script: no two processes can both pass a cap.
import type { Redis } from 'ioredis';

/** How a claim went (modules/session/session-leases.ts: Claim). */
type Claim = 'kept' | 'taken' | 'over-cap' | 'over-cap-per-key';

const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

// KEYS: lease, open set, owner's open set (or ''); ARGV: me, ttl, session, opening (1/0), maxOpen, maxPerKey.
// Returns 1 kept, 0 taken, -1 over the cap, -2 over the key's cap.
const CLAIM = `${NOW}
local ttl = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local owned = KEYS[3] ~= ''
if owned then redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now) end
local prev = redis.call('GET', KEYS[1])
if ARGV[4] == '1' and not redis.call('ZSCORE', KEYS[2], ARGV[3]) then
  if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then return -1 end
  if owned and redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[6]) then return -2 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
redis.call('ZADD', KEYS[2], now + ttl, ARGV[3])
redis.call('PEXPIRE', KEYS[2], ttl)
if owned then
  redis.call('ZADD', KEYS[3], now + ttl, ARGV[3])
  redis.call('PEXPIRE', KEYS[3], ttl)
end
if prev == ARGV[1] then return 1 end
return 0
`;

// KEYS: lease, open set, owner's open set (or ''); ARGV: me, ttl, session. 1 renewed, 0 not ours.
const RENEW = `${NOW}
local ttl = tonumber(ARGV[2])
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('ZADD', KEYS[2], now + ttl, ARGV[3])
redis.call('PEXPIRE', KEYS[2], ttl)
if KEYS[3] ~= '' then
  redis.call('ZADD', KEYS[3], now + ttl, ARGV[3])
  redis.call('PEXPIRE', KEYS[3], ttl)
end
return 1
`;

// KEYS as above; ARGV: me, session. Only the holder releases.
const RELEASE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[2])
if KEYS[3] ~= '' then redis.call('ZREM', KEYS[3], ARGV[2]) end
return 1
`;

type Scripts = {
  maskqlLeaseClaim(...a: (string | number)[]): Promise<number>;
  maskqlLeaseRenew(...a: (string | number)[]): Promise<number>;
  maskqlLeaseRelease(...a: (string | number)[]): Promise<number>;
};

const CLAIMS: Record<number, Claim> = { 1: 'kept', 0: 'taken', [-1]: 'over-cap', [-2]: 'over-cap-per-key' };

/** Shaped as modules/session's SessionLeases (services.ts hands it over; this layer imports no module). */
export class RedisSessionLeases {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** This process (its worker id). */
    private readonly me: string,
    private readonly ttlMs: number,
  ) {
    redis.defineCommand('maskqlLeaseClaim', { numberOfKeys: 3, lua: CLAIM });
    redis.defineCommand('maskqlLeaseRenew', { numberOfKeys: 3, lua: RENEW });
    redis.defineCommand('maskqlLeaseRelease', { numberOfKeys: 3, lua: RELEASE });
  }

  private get scripts(): Scripts {
    return this.redis as unknown as Scripts;
  }

  private keys(sessionId: string, ownerId: string | null): [string, string, string] {
    return [`${this.prefix}session-lease:${sessionId}`, `${this.prefix}sessions-open`, ownerId ? `${this.prefix}sessions-open:${ownerId}` : ''];
  }

  async claim(sessionId: string, ownerId: string | null, opening?: { maxOpen: number; maxOpenPerKey: number }): Promise<Claim> {
    const r = await this.scripts.maskqlLeaseClaim(...this.keys(sessionId, ownerId), this.me, this.ttlMs, sessionId, opening ? 1 : 0, opening?.maxOpen ?? 0, opening?.maxOpenPerKey ?? 0);
    return CLAIMS[r]!;
  }

  async renew(sessions: readonly { id: string; ownerId: string | null }[]): Promise<string[]> {
    const results = await Promise.all(sessions.map((s) => this.scripts.maskqlLeaseRenew(...this.keys(s.id, s.ownerId), this.me, this.ttlMs, s.id)));
    return sessions.filter((_, i) => results[i] === 0).map((s) => s.id);
  }

  async release(sessionId: string, ownerId: string | null): Promise<void> {
    await this.scripts.maskqlLeaseRelease(...this.keys(sessionId, ownerId), this.me, sessionId);
  }

  holder(sessionId: string): Promise<string | null> {
    return this.redis.get(this.keys(sessionId, null)[0]);
  }
}
