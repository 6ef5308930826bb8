// A token bucket: `burst` tokens at most, refilled at `perSec`. Pure logic; the clock is passed in.
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly perSec: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.at = now;
  }

  /** Takes `cost` tokens and returns 0, or takes nothing and returns the seconds until it could. */
  take(cost: number, now: number): number {
    // An operation dearer than the whole bucket passes when the bucket is full.
    cost = Math.min(cost, this.burst);
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.perSec);
    this.at = now;
    if (cost <= this.tokens) {
      this.tokens -= cost;
      return 0;
    }
    return (cost - this.tokens) / this.perSec;
  }

  /** Full again: nothing to remember about this client. */
  idle(now: number): boolean {
    return this.tokens + ((now - this.at) / 1000) * this.perSec >= this.burst;
  }
}
