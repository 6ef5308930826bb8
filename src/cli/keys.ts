// maskql keys: API keys straight in the configured database (the first admin key of an
// AUTH_MODE=apikey server comes from here). The embedded database is held by one process: stop
// the server first, or use the admin mutations (createApiKey, apiKeys, revokeApiKey) instead.
// With REDIS_URL, a revocation is announced on `auth:revoked` like the mutation's, so every
// server process drops the key and closes its sockets at once.
import { loadConfig, type Config } from '../config.js';
import { openDatabase } from '../db/database.js';
import { createRedisPubSub } from '../events/redis-pubsub.js';
import { RedisConnections } from '../redis/redis-connections.js';
import { ApiKeyService, LEDGER_KEEP_MS, type RevocationLedger } from '../modules/api-key/api-key.service.js';
import { RedisRevocations } from '../redis/redis-revocations.js';
import type { ApiKey } from '../modules/api-key/api-key.type.js';
import { CliError } from './client.js';
import { parse } from './options.js';

export const KEYS_HELP = `maskql keys create --name NAME --scopes read[,write][,admin] [--projects ID,ID] [--expires ISO-DATE]
maskql keys list
maskql keys revoke KEY_ID

Works on the database of the server's configuration (DATABASE_URL, or the embedded one in
DATA_DIR), not over the network. The secret is printed once, at creation. With REDIS_URL (and
REDIS_PREFIX) set as the servers', revoke announces the revocation to every server process: the
key is refused at once and its open graphql-ws sockets close (4403).`;

const list = (s?: string) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);
const describe = (k: ApiKey) =>
  `${k.id}  ${k.prefix}…  ${k.name}  scopes=${k.scopes.join(',')}  projects=${k.projectIds.join(',') || 'all'}${k.expiresAt ? `  expires=${k.expiresAt.toISOString()}` : ''}${k.revokedAt ? '  REVOKED' : ''}`;

export async function keys(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { name: { type: 'string' }, scopes: { type: 'string' }, projects: { type: 'string' }, expires: { type: 'string' } });
  const [command, id] = positionals;
  if (values.help) return (console.log(KEYS_HELP), 0);
  if (!command || !['create', 'list', 'revoke'].includes(command)) {
    console.error(KEYS_HELP);
    return 2;
  }
  const config = loadConfig();
  const db = await openDatabase(config.database);
  let redis: Awaited<ReturnType<typeof announcer>>;
  try {
    // Only a revocation has something to announce: the other commands never touch Redis.
    redis = command === 'revoke' ? await announcer(config) : undefined;
    const service = new ApiKeyService(db.prisma, redis?.pubsub, redis?.ledger);
    if (command === 'create') {
      const expires = values.expires ? new Date(values.expires) : null;
      if (expires && Number.isNaN(expires.getTime())) throw new CliError(`--expires: not a date: ${values.expires}`, 'USAGE');
      const { apiKey, secret } = await service.create({ name: values.name ?? '', scopes: list(values.scopes), projectIds: list(values.projects), expiresAt: expires });
      console.log(describe(apiKey));
      console.log(`secret (shown once; send as "Authorization: Bearer <secret>"):\n${secret}`);
    } else if (command === 'list') {
      let after: string | null = null;
      do {
        const page = await service.list({ first: 100, after });
        for (const e of page.edges) console.log(describe(e.node));
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      } while (after);
    } else {
      if (!id) throw new CliError('revoke: which key? (its id, from maskql keys list)', 'USAGE');
      console.log(describe(await service.revoke(id)));
    }
    return 0;
  } finally {
    // quit() is queued behind the PUBLISH (and the ledger's SET) on each connection: both go out first.
    await redis?.connections.dispose();
    await db.dispose();
  }
}

/** The servers' PubSub over Redis, when REDIS_URL is set (a clear error when it cannot be reached). */
async function announcer(config: Config): Promise<{ connections: RedisConnections; pubsub: ReturnType<typeof createRedisPubSub>; ledger: RevocationLedger } | undefined> {
  if (!config.redis) return undefined;
  const connections = new RedisConnections(config.redis.url, config.redis.prefix, { warn: () => undefined });
  try {
    await connections.check();
  } catch (err) {
    await connections.dispose();
    throw new CliError(`${(err as Error).message}: the key is not revoked`, 'UNREACHABLE');
  }
  return { connections, pubsub: createRedisPubSub(connections), ledger: new RedisRevocations(connections.open('revocations'), connections.prefix, LEDGER_KEEP_MS) };
}
