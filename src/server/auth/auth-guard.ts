// The request-facing side of access control, shared by HTTP, graphql-ws and the plain routes:
// who is calling, what they may touch, what they are charged, and how many subscriptions they hold.
import type { DocumentNode, OperationDefinitionNode } from 'graphql';
import type { Config } from '../../config.js';
import type { Prisma } from '../../db/database.js';
import { exhausted } from '../../errors/app-errors.js';
import type { ApiKeyService } from '../../modules/api-key/api-key.service.js';
import { Access } from '../../modules/auth/access.js';
import { createAuthenticator, type Authenticator } from './authenticator.js';
import { operationCost } from './operation-cost.js';
import type { Principal } from '../../modules/auth/principal.js';
import { ProjectOwners } from '../../modules/auth/project-owners.js';
import { RateLimiter, type SharedBuckets } from './rate-limiter.js';

/** With REDIS_URL: rate buckets and subscription caps shared by every process. */
export interface SharedLimits {
  buckets: SharedBuckets;
  subscriptions: { open(id: string, max: number): Promise<(() => void) | null>; dispose(): void };
}

export class AuthGuard {
  private readonly authenticator: Authenticator;
  private readonly owners: ProjectOwners;
  private readonly limiter: RateLimiter;
  private readonly subscriptions = new Map<string, number>();

  constructor(
    private readonly config: Pick<Config, 'auth' | 'rateLimit' | 'ws'>,
    apiKeys: ApiKeyService,
    prisma: Prisma,
    private readonly shared?: SharedLimits,
    mediaProject?: (id: string) => Promise<string | null>,
  ) {
    this.authenticator = createAuthenticator(config.auth, apiKeys);
    this.owners = new ProjectOwners(prisma, mediaProject);
    this.limiter = new RateLimiter(config.rateLimit, Date.now, shared?.buckets);
  }

  get mode(): Config['auth']['mode'] {
    return this.authenticator.mode;
  }

  /** The caller of a request carrying this Authorization value; throws UNAUTHENTICATED. */
  authenticate(authorization: unknown): Promise<Principal> {
    return this.authenticator.authenticate(authorization);
  }

  access(principal: Principal): Access {
    return new Access(principal, this.owners);
  }

  /** Charges an operation to its caller's rate limit; throws RATE_LIMITED. */
  chargeOperation(principal: Principal, document: DocumentNode, op: OperationDefinitionNode): Promise<void> {
    return this.limiter.charge(principal, operationCost(document, op, this.config.rateLimit.cost));
  }

  charge(principal: Principal, kind: 'read' | 'write' | 'inference'): Promise<void> {
    return this.limiter.charge(principal, this.config.rateLimit.cost[kind]);
  }

  /** Counts a subscription against its caller's cap; the returned function releases it. */
  async openSubscription(principal: Principal): Promise<() => void> {
    if (principal.kind === 'anonymous') return () => undefined;
    const max = this.config.ws.maxSubscriptionsPerKey;
    const full = () => exhausted(`At most ${max} subscriptions at once per key`, { hint: 'Complete a subscription or raise WS_MAX_SUBSCRIPTIONS_PER_KEY.' });
    if (this.shared) {
      const release = await this.shared.subscriptions.open(principal.id, max);
      if (!release) throw full();
      return release;
    }
    const held = this.subscriptions.get(principal.id) ?? 0;
    if (held >= max) throw full();
    this.subscriptions.set(principal.id, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.subscriptions.get(principal.id) ?? 1) - 1;
      if (n > 0) this.subscriptions.set(principal.id, n);
      else this.subscriptions.delete(principal.id);
    };
  }

  dispose(): void {
    this.limiter.dispose();
    this.shared?.subscriptions.dispose();
  }
}
