// Revoked keys as Redis knows them (REDIS_URL). The `auth:revoked` announcement reaches other
// processes a moment after the revoking call has answered, so a process that verified (and
// cached) a key just before could still let it through in that moment. Before the revoking call
// answers, the key is written here; every process asks here before trusting its cache. An entry
// outlives every cache that could hold the key (VERIFY_TTL_MS), so it expires by itself.
import type { Redis } from 'ioredis';

/** Shaped as modules/api-key's RevocationLedger (handed over by services.ts and the keys command). */
export class RedisRevocations {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** How long an entry is kept: longer than any cache that could hold the key. */
    private readonly keepMs: number,
  ) {}

  async record(keyId: string): Promise<void> {
    await this.redis.set(this.key(keyId), '1', 'PX', this.keepMs);
  }

  async revoked(keyId: string): Promise<boolean> {
    return (await this.redis.exists(this.key(keyId))) === 1;
  }

  private key(keyId: string): string {
    return `${this.prefix}revoked:${keyId}`;
  }
}
