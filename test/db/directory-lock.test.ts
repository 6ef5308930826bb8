// The embedded database lock is one the OS releases on death: a lock file left by a SIGKILLed
// server never blocks a restart (even one that names this very PID, as a restarted container
// often has), and two live servers on one directory are still refused.
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, inject } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { spawnServer } from '../support/server-process.js';

describe('embedded database lock', () => {
  const dirs: string[] = [];
  const freshDataDir = async () => {
    const d = await mkdtemp(path.join(tmpdir(), 'maskql-lock-'));
    dirs.push(d);
    await cp(inject('pgliteTemplate'), path.join(d, 'db'), { recursive: true });
    return d;
  };
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  it('a stale lock file that names this very process does not block the start', async () => {
    const dataDir = await freshDataDir();
    const dir = path.join(dataDir, 'db');
    await writeFile(path.join(dataDir, 'db.lock'), String(process.pid));
    const db = await openDatabase({ kind: 'pglite', dir });
    try {
      expect(await db.ping()).toBe(true);
      // Still held: a second open in the same live process is refused.
      await expect(openDatabase({ kind: 'pglite', dir })).rejects.toThrow(/in use by process/);
    } finally {
      await db.dispose();
    }
    expect(existsSync(path.join(dataDir, 'db.lock'))).toBe(false);
  });

  it('a live server holds the directory; after its SIGKILL the lock it left is no obstacle', async () => {
    const dataDir = await freshDataDir();
    const dir = path.join(dataDir, 'db');
    const srv = await spawnServer({ DATA_DIR: dataDir, MODELS_DIR: inject('modelsDir') });
    try {
      await expect(openDatabase({ kind: 'pglite', dir })).rejects.toThrow(new RegExp(`in use by process ${srv.child.pid}`));
    } finally {
      await srv.kill('SIGKILL');
    }
    // The crash left its lock file behind, naming a dead process...
    expect((await readFile(path.join(dataDir, 'db.lock'), 'utf8')).trim()).toBe(String(srv.child.pid));
    // ...and it no longer counts.
    const db = await openDatabase({ kind: 'pglite', dir });
    expect(await db.ping()).toBe(true);
    await db.dispose();
  });
});
