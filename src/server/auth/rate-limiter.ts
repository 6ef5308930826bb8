// Per-principal token buckets, in this process or, with REDIS_URL, in Redis (shared by every
// process: redis/redis-token-buckets.ts). AUTH_MODE=none has no keys to limit, so it is not limited.
import type { Config } from '../../config.js';
import { rateLimited } from './auth-errors.js';
import type { Principal } from '../../modules/auth/principal.js';
import { TokenBucket } from './token-bucket.js';

/** Buckets kept elsewhere (Redis): take returns 0, or the seconds to wait. */
export interface SharedBuckets {
  take(id: string, cost: number, perSec: number, burst: number): Promise<number>;
}

export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly config: Config['rateLimit'],
    private readonly clock: () => number = Date.now,
    private readonly shared?: SharedBuckets,
  ) {
    // Full buckets hold nothing worth keeping: drop them so idle keys cost no memory.
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  get enabled(): boolean {
    return this.config.perSec > 0;
  }

  /** Charges `cost` to the principal, or throws RATE_LIMITED with the seconds to wait. */
  async charge(principal: Principal, cost: number): Promise<void> {
    if (!this.enabled || principal.kind === 'anonymous' || cost <= 0) return;
    if (this.shared) {
      const wait = await this.shared.take(principal.id, cost, this.config.perSec, this.config.burst);
      if (wait > 0) throw rateLimited(Math.max(1, Math.ceil(wait)));
      return;
    }
    const now = this.clock();
    let bucket = this.buckets.get(principal.id);
    if (!bucket) this.buckets.set(principal.id, (bucket = new TokenBucket(this.config.perSec, this.config.burst, now)));
    const wait = bucket.take(cost, now);
    if (wait > 0) throw rateLimited(Math.max(1, Math.ceil(wait)));
  }

  private sweep(): void {
    const now = this.clock();
    for (const [id, b] of this.buckets) if (b.idle(now)) this.buckets.delete(id);
  }

  dispose(): void {
    clearInterval(this.sweeper);
    this.buckets.clear();
  }
}
