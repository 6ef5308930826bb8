// Health of the process: database, models and where they run. Served at /healthz and as a query.
import type { Database } from '../../db/database.js';
import { diskFullWithin, type DatabaseFailure } from '../../db/db-errors.js';
import type { Engine } from '../../engine/index.js';
import type { Health } from './system.type.js';

/** Below this many free bytes the embedded database's disk counts as full (a write would fail). */
export const DISK_FULL_BELOW_BYTES = 1 << 20;
/** How long a failed write under PostgreSQL (whose disk is not visible here) keeps /healthz degraded. */
export const FAILURE_WINDOW_MS = 30_000;

/** Why the database cannot take writes, from a ping, the local disk, or the last failed write. */
async function databaseFailure(db: Database): Promise<DatabaseFailure | null> {
  const answers = await Promise.race([db.ping().catch(() => false), new Promise<boolean>((r) => setTimeout(() => r(false), 2000).unref())]);
  if (!answers) return 'DATABASE_UNAVAILABLE';
  const free = await db.freeBytes().catch(() => undefined);
  if (free !== undefined) return free < DISK_FULL_BELOW_BYTES ? 'DISK_FULL' : null;
  return diskFullWithin(FAILURE_WINDOW_MS) ? 'DISK_FULL' : null;
}

export class SystemService {
  private readonly started = Date.now();

  constructor(
    private readonly db: Database,
    private readonly engine: Engine,
    private readonly version: string,
  ) {}

  async health(): Promise<Health> {
    const failure = await databaseFailure(this.db);
    const dbOk = failure === null;
    const models = this.engine.models().map((m) => ({ name: m.name, state: m.state, device: m.device ?? null, error: m.error ?? null }));
    return {
      status: dbOk && models.every((m) => m.state !== 'failed') ? 'ok' : 'degraded',
      uptimeSec: (Date.now() - this.started) / 1000,
      version: this.version,
      database: { kind: this.db.kind, ok: dbOk, failure },
      models,
    };
  }
}
