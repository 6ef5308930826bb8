// API keys: create (the secret is returned once), list, revoke, and verify a presented secret.
import { LRUCache } from 'lru-cache';
import type { Prisma } from '../../db/database.js';
import type { PubSub } from '../../events/pubsub.js';
import { badInput, notFound } from '../../errors/app-errors.js';
import type { Principal } from '../auth/principal.js';
import { parseScopes, type Scope } from '../auth/scopes.js';
import type { Connection } from '../common/connection.type.js';
import { isUuid } from '../common/ids.js';
import { cursorWhere, pageOrder, pageTake, toConnection, type Page } from '../common/pagination.js';
import { displayPrefix, hashSecret, looksLikeApiKey, newSecret } from './api-key.secret.js';
import type { ApiKey } from './api-key.type.js';

type Row = Awaited<ReturnType<Prisma['apiKey']['findUniqueOrThrow']>>;

export interface NewApiKey {
  name: string;
  scopes: readonly string[];
  projectIds?: readonly string[];
  expiresAt?: Date | null;
}

/** How long a verified key is trusted without asking the database again (revocation here is immediate). */
const VERIFY_TTL_MS = 10_000;
/** How long a revocation must stay in a shared ledger: well past any cached verification. */
export const LEDGER_KEEP_MS = 6 * VERIFY_TTL_MS;
const TOUCH_EVERY_MS = 60_000;

/** Revocations shared by every process (Redis), asked before a cached verification is trusted. */
export interface RevocationLedger {
  record(keyId: string): Promise<void>;
  revoked(keyId: string): Promise<boolean>;
}

export class ApiKeyService {
  private readonly verified = new LRUCache<string, { principal: Principal | null; keyId: string | null; expiresAt: number | null }>({ max: 10_000, ttl: VERIFY_TTL_MS });
  private readonly touched = new Map<string, number>();

  /**
   * `pubsub`: where revocations are announced (the server closes the sockets of a revoked key).
   * `ledger`: where they are recorded before revoke() answers, so no other process trusts its cache after.
   */
  constructor(
    private readonly prisma: Prisma,
    private readonly pubsub?: PubSub,
    private readonly ledger?: RevocationLedger,
  ) {}

  /** Drops what this process trusts about a key (revoked, maybe by another process). */
  forget(principalId: string): void {
    const stale = [...this.verified.entries()].filter(([, hit]) => hit.keyId !== null && `api-key:${hit.keyId}` === principalId);
    for (const [hash] of stale) this.verified.delete(hash);
  }

  async create(input: NewApiKey): Promise<{ apiKey: ApiKey; secret: string }> {
    const scopes = parseScopes(input.scopes);
    const name = input.name.trim();
    if (!name) throw badInput('name must not be blank', { field: 'name' });
    const projectIds = [...new Set((input.projectIds ?? []).map((id) => id.toLowerCase()))];
    const bad = projectIds.find((id) => !isUuid(id));
    if (bad !== undefined) throw badInput(`Project ${JSON.stringify(bad)} not found`, { field: 'projectIds' });
    if (projectIds.length) {
      const found = await this.prisma.project.findMany({ where: { id: { in: projectIds } }, select: { id: true } });
      const missing = projectIds.find((id) => !found.some((p) => p.id === id));
      if (missing) throw badInput(`Project ${JSON.stringify(missing)} not found`, { field: 'projectIds' });
    }
    if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) throw badInput('expiresAt is in the past', { field: 'expiresAt' });
    const secret = newSecret();
    const row = await this.prisma.apiKey.create({
      data: { name, scopes, projectIds, prefix: displayPrefix(secret), hash: hashSecret(secret), expiresAt: input.expiresAt ?? null },
    });
    return { apiKey: toApiKey(row), secret };
  }

  async list(page: Page): Promise<Connection<ApiKey>> {
    const [rows, total] = await Promise.all([
      this.prisma.apiKey.findMany({ where: cursorWhere(page), orderBy: pageOrder(page), take: pageTake(page) }),
      this.prisma.apiKey.count(),
    ]);
    const conn = toConnection(rows, page, total);
    return { ...conn, edges: conn.edges.map((e) => ({ cursor: e.cursor, node: toApiKey(e.node) })) };
  }

  async get(id: string): Promise<ApiKey> {
    const row = isUuid(id) ? await this.prisma.apiKey.findUnique({ where: { id } }) : null;
    if (!row) throw notFound('API key', id);
    return toApiKey(row);
  }

  /** Revokes a key (idempotent); it stops working at once here, and in every process that follows `auth:revoked`. */
  async revoke(id: string): Promise<ApiKey> {
    const row = isUuid(id) ? await this.prisma.apiKey.findUnique({ where: { id } }) : null;
    if (!row) throw notFound('API key', id);
    const revoked = row.revokedAt ? row : await this.prisma.apiKey.update({ where: { id }, data: { revokedAt: new Date() } });
    this.verified.delete(row.hash);
    // Redis down: nothing lost, for then every process reads the row again (revokedElsewhere).
    await this.ledger?.record(row.id).catch(() => undefined);
    this.pubsub?.publish('auth:revoked', { principalId: `api-key:${row.id}` });
    return toApiKey(revoked);
  }

  /** Principals revoked from now on, as announced on the PubSub. */
  revocations(): AsyncIterable<{ principalId: string }> {
    if (!this.pubsub) throw new Error('ApiKeyService has no PubSub to follow revocations on');
    return this.pubsub.subscribe('auth:revoked');
  }

  /** The principal of a presented secret, or null when it is unknown, revoked or expired. */
  async verify(secret: string): Promise<Principal | null> {
    if (!looksLikeApiKey(secret)) return null;
    const hash = hashSecret(secret);
    let hit = this.verified.get(hash);
    if (hit?.principal && this.ledger && (await this.revokedElsewhere(hit.keyId!))) {
      this.verified.delete(hash);
      hit = undefined;
    }
    if (!hit) {
      const row = await this.prisma.apiKey.findUnique({ where: { hash } });
      const usable = row && !row.revokedAt;
      hit = {
        keyId: row?.id ?? null,
        expiresAt: row?.expiresAt?.getTime() ?? null,
        principal: usable ? { id: `api-key:${row.id}`, kind: 'api-key', scopes: row.scopes as Scope[], projects: row.projectIds.length ? row.projectIds : null, expiresAt: row.expiresAt?.getTime() ?? null } : null,
      };
      this.verified.set(hash, hit);
    }
    if (!hit.principal || (hit.expiresAt !== null && hit.expiresAt <= Date.now())) return null;
    this.touch(hit.keyId!);
    return hit.principal;
  }

  // Asked on a cache hit only: a fresh read of the row already knows. When Redis cannot answer,
  // the cache is not trusted (the database is read again).
  private async revokedElsewhere(keyId: string): Promise<boolean> {
    return this.ledger!.revoked(keyId).catch(() => true);
  }

  // lastUsedAt, written at most once a minute per key and never in the request's way.
  private touch(id: string): void {
    const now = Date.now();
    if (now - (this.touched.get(id) ?? 0) < TOUCH_EVERY_MS) return;
    this.touched.set(id, now);
    void this.prisma.apiKey.update({ where: { id }, data: { lastUsedAt: new Date(now) } }).catch(() => undefined);
  }
}

function toApiKey(row: Row): ApiKey {
  return { ...row, scopes: row.scopes as ApiKey['scopes'] };
}
