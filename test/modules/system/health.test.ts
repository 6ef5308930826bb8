// The health check's reading of the database: a ping, the local disk (PGlite), and — for
// PostgreSQL, whose disk is not visible — the last write it refused. A stub database stands in
// for the one piece under test; the disk-full fault test drives the real path end to end.
import { describe, expect, it } from 'vitest';
import type { Database } from '../../../src/db/database.js';
import { databaseFailureError } from '../../../src/db/db-errors.js';
import type { Engine } from '../../../src/engine/index.js';
import { DISK_FULL_BELOW_BYTES, SystemService } from '../../../src/modules/system/system.service.js';

const engine = { models: () => [] } as unknown as Engine;

function db(over: Partial<Database>): Database {
  return { kind: 'postgres', prisma: undefined as never, migrated: [], ping: async () => true, freeBytes: async () => undefined, dispose: async () => undefined, ...over };
}

const health = (d: Database) => new SystemService(d, engine, 'test').health();

describe('SystemService.health: the database', () => {
  it('is ok when it answers and its disk has room', async () => {
    expect((await health(db({ kind: 'pglite', freeBytes: async () => 10 * DISK_FULL_BELOW_BYTES }))).database).toEqual({ kind: 'pglite', ok: true, failure: null });
  });

  it('is DISK_FULL when the local disk has less than the margin left, though it answers a ping', async () => {
    const h = await health(db({ kind: 'pglite', freeBytes: async () => DISK_FULL_BELOW_BYTES - 1 }));
    expect(h).toMatchObject({ status: 'degraded', database: { ok: false, failure: 'DISK_FULL' } });
  });

  it('is DATABASE_UNAVAILABLE when the ping fails', async () => {
    const h = await health(db({ ping: async () => Promise.reject(new Error('Connection terminated')) }));
    expect(h).toMatchObject({ status: 'degraded', database: { ok: false, failure: 'DATABASE_UNAVAILABLE' } });
  });

  it('is DISK_FULL under PostgreSQL once a write was refused for lack of space', async () => {
    // A database that was down and is back is ok at once: only a full disk is remembered.
    expect(databaseFailureError(Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' }))?.extensions).toMatchObject({ reason: 'DATABASE_UNAVAILABLE' });
    expect((await health(db({}))).database.failure).toBeNull();
    const refused = Object.assign(new Error('could not extend file "base/16384/16390": No space left on device'), { code: '53100' });
    expect(databaseFailureError(refused)?.extensions).toMatchObject({ code: 'RESOURCE_EXHAUSTED', reason: 'DISK_FULL' });
    expect((await health(db({}))).database).toMatchObject({ ok: false, failure: 'DISK_FULL' });
    // The local disk, when it can be read, is the better witness: room there means no failure.
    expect((await health(db({ kind: 'pglite', freeBytes: async () => 10 * DISK_FULL_BELOW_BYTES }))).database.failure).toBeNull();
  });
});
