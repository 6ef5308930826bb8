// The live workers of a fleet (ROLE=worker), in Redis under REDIS_PREFIX: one sorted set whose
// scores are each worker's deadline on Redis's clock (no trust in the processes' clocks). A worker
// renews its deadline every heartbeat; one that stops (killed, frozen, cut off) drops out once its
// deadline passes (FLEET_WORKER_TTL_MS), and a worker that stops cleanly leaves at once.
import type { Redis } from 'ioredis';

// KEYS[1] the set; ARGV: member, ttlMs. Renews the member and forgets the expired.
const BEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
return now
`;
// KEYS[1] the set. The members whose deadline has not passed.
const LIVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')
`;

type Scripts = { maskqlFleetBeat(key: string, member: string, ttl: number): Promise<number>; maskqlFleetLive(key: string): Promise<string[]> };

export class WorkerRegistry {
  private readonly key: string;
  private timer: NodeJS.Timeout | undefined;
  private live: string[] = [];
  private refreshing: Promise<string[]> | undefined;
  private readonly watchers = new Set<(live: readonly string[]) => void>();

  constructor(
    private readonly client: Redis,
    prefix: string,
    private readonly opts: { heartbeatMs: number; ttlMs: number },
  ) {
    this.key = `${prefix}fleet:workers`;
    client.defineCommand('maskqlFleetBeat', { numberOfKeys: 1, lua: BEAT });
    client.defineCommand('maskqlFleetLive', { numberOfKeys: 1, lua: LIVE });
  }

  private get scripts(): Scripts {
    return this.client as unknown as Scripts;
  }

  /** A worker: joins now and renews its place every heartbeat until leave(). */
  async join(workerId: string): Promise<void> {
    await this.scripts.maskqlFleetBeat(this.key, workerId, this.opts.ttlMs);
    this.timer = setInterval(() => void this.scripts.maskqlFleetBeat(this.key, workerId, this.opts.ttlMs).catch(() => undefined), this.opts.heartbeatMs);
    this.timer.unref();
  }

  /** A worker stopping cleanly: out of the set at once, so no new call is routed to it. */
  async leave(workerId: string): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.client.zrem(this.key, workerId).catch(() => undefined);
  }

  /** An api process: follows the live set, read from Redis every heartbeat. */
  follow(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), this.opts.heartbeatMs);
    this.timer.unref();
  }

  /** Calls `watcher` with the live set after every read; returns the unsubscribe. */
  watch(watcher: (live: readonly string[]) => void): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  /** The live workers as last read (at most a heartbeat old). */
  current(): readonly string[] {
    return this.live;
  }

  /** Reads the live set now (one read at a time; callers share it). */
  refresh(): Promise<string[]> {
    this.refreshing ??= this.scripts
      .maskqlFleetLive(this.key)
      .then((live) => {
        this.live = live.sort();
        for (const w of this.watchers) w(this.live);
        return this.live;
      })
      .finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  dispose(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.watchers.clear();
  }
}
