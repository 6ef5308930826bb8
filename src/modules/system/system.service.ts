// Health of the process: database, models and where they run. Served at /healthz and as a query.
import type { Database } from '../../db/database.js';
import type { Engine } from '../../engine/index.js';
import type { Health } from './system.type.js';

export class SystemService {
  private readonly started = Date.now();

  constructor(
    private readonly db: Database,
    private readonly engine: Engine,
    private readonly version: string,
  ) {}

  async health(): Promise<Health> {
    const dbOk = await Promise.race([
      this.db.ping().catch(() => false),
      new Promise<boolean>((r) => setTimeout(() => r(false), 2000).unref()),
    ]);
    const models = this.engine.models().map((m) => ({ name: m.name, state: m.state, device: m.device ?? null, error: m.error ?? null }));
    return {
      status: dbOk && models.every((m) => m.state !== 'failed') ? 'ok' : 'degraded',
      uptimeSec: (Date.now() - this.started) / 1000,
      version: this.version,
      database: { kind: this.db.kind, ok: dbOk },
      models,
    };
  }
}
