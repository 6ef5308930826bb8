// API keys from the command line (the first admin key of an AUTH_MODE=apikey server comes from here):
//
//   npm run keys -- create --name <name> --scopes read,write[,admin] [--projects <id,id>] [--expires <ISO date>]
//   npm run keys -- list
//   npm run keys -- revoke <id>
//
// It opens the configured database (DATABASE_URL, or the embedded one in DATA_DIR). The embedded
// database is held by one process: stop the server first, or use the admin mutations instead.
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { ApiKeyService } from '../src/modules/api-key/api-key.service.js';
import type { ApiKey } from '../src/modules/api-key/api-key.type.js';

const USAGE = 'usage: npm run keys -- create --name <name> --scopes read,write,admin [--projects id,id] [--expires ISO] | list | revoke <id>';
const list = (s?: string) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);
const describe = (k: ApiKey) =>
  `${k.id}  ${k.prefix}…  ${k.name}  scopes=${k.scopes.join(',')}  projects=${k.projectIds.join(',') || 'all'}${k.expiresAt ? `  expires=${k.expiresAt.toISOString()}` : ''}${k.revokedAt ? '  REVOKED' : ''}`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { name: { type: 'string' }, scopes: { type: 'string' }, projects: { type: 'string' }, expires: { type: 'string' } },
  });
  const [command, id] = positionals;
  if (!command || !['create', 'list', 'revoke'].includes(command)) {
    console.error(USAGE);
    return 2;
  }
  const db = await openDatabase(loadConfig().database);
  try {
    const keys = new ApiKeyService(db.prisma);
    if (command === 'create') {
      const expires = values.expires ? new Date(values.expires) : null;
      if (expires && Number.isNaN(expires.getTime())) throw new Error(`--expires: not a date: ${values.expires}`);
      const { apiKey, secret } = await keys.create({ name: values.name ?? '', scopes: list(values.scopes), projectIds: list(values.projects), expiresAt: expires });
      console.log(describe(apiKey));
      console.log(`secret (shown once; send as "Authorization: Bearer <secret>"):\n${secret}`);
    } else if (command === 'list') {
      let after: string | null = null;
      do {
        const page = await keys.list(100, after);
        for (const e of page.edges) console.log(describe(e.node));
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      } while (after);
    } else {
      if (!id) throw new Error('revoke: which key? (its id, from list)');
      console.log(describe(await keys.revoke(id)));
    }
    return 0;
  } finally {
    await db.dispose();
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`error: ${err.message}`);
    process.exit(1);
  },
);
