// The database unreachable at start, against the real server process: one clear line on stderr
// (no stack trace, no password), a non-zero exit, and nothing listening.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { runServerToExit } from '../support/server-process.js';
import { mountTmpfs } from '../support/tmpfs.js';

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'maskql-nodb-'));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

/** A port nothing listens on: bound once by us, then released. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

function expectOneClearLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.split('\n').filter((l) => l.trim());
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^maskql cannot start: /);
  expect(lines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at /);
}

it('PostgreSQL on a closed port: one line on stderr without the password, exit 1', async () => {
  const port = await closedPort();
  const r = await runServerToExit({ DATA_DIR: dataDir, MODELS_DIR: inject('modelsDir'), DATABASE_URL: `postgresql://maskql:hunter2@127.0.0.1:${port}/maskql` });
  expect(r.code).toBe(1);
  expectOneClearLine(r.stderr, new RegExp(`Cannot reach PostgreSQL at postgresql://maskql:\\*\\*\\*@127\\.0\\.0\\.1:${port}/maskql: .*ECONNREFUSED`));
  expect(r.stdout + r.stderr).not.toContain('hunter2');
  expect(r.stdout).not.toMatch(/maskql ready/);
});

it('an unwritable embedded database directory: one line on stderr, exit 1', async (ctx) => {
  const dbDir = path.join(dataDir, 'pglite', 'db');
  const mount = await mountTmpfs(dbDir, '1m', true);
  if ('skip' in mount) return ctx.skip();
  try {
    const r = await runServerToExit({ DATA_DIR: path.dirname(dbDir), MODELS_DIR: inject('modelsDir') });
    expect(r.code).toBe(1);
    expectOneClearLine(r.stderr, /embedded database directory .*db is not writable \(EROFS\).*DATA_DIR.*DATABASE_URL/);
  } finally {
    mount.unmount();
  }
});

it('a DATA_DIR whose database directory cannot be created: one line on stderr, exit 1', async () => {
  // A file where the directory should be: not a permission problem, so it holds for root too.
  const blocked = path.join(dataDir, 'blocked');
  await cp(inject('modelsDir') + '/demo/model.json', blocked);
  const r = await runServerToExit({ DATA_DIR: blocked, MODELS_DIR: inject('modelsDir') });
  expect(r.code).toBe(1);
  expectOneClearLine(r.stderr, /embedded database directory .*blocked\/db cannot be created \((ENOTDIR|EEXIST)\)/);
});
