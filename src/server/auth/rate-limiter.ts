// Per-principal token buckets. AUTH_MODE=none has no keys to limit, so it is not limited.
import type { Config } from '../../config.js';
import { rateLimited } from './auth-errors.js';
import type { Principal } from '../../modules/auth/principal.js';
import { TokenBucket } from './token-bucket.js';

export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly config: Config['rateLimit'],
    private readonly clock: () => number = Date.now,
  ) {
    // Full buckets hold nothing worth keeping: drop them so idle keys cost no memory.
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  get enabled(): boolean {
    return this.config.perSec > 0;
  }

  /** Charges `cost` to the principal, or throws RATE_LIMITED with the seconds to wait. */
  charge(principal: Principal, cost: number): void {
    if (!this.enabled || principal.kind === 'anonymous' || cost <= 0) return;
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
