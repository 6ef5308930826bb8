// Applies pending migrations to the configured database (DATABASE_URL, or the embedded one in
// DATA_DIR) and exits. The server does the same at every start; this is for deploy pipelines.
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';

const config = loadConfig();
const db = await openDatabase(config.database);
console.log(db.migrated.length ? `applied: ${db.migrated.join(', ')}` : 'database is up to date');
await db.dispose();
