// A full disk under the embedded database: its directory is a real tmpfs filled to the last byte.
// A write then answers RESOURCE_EXHAUSTED (retryable, reason DISK_FULL), not INTERNAL_SERVER_ERROR,
// and once space is freed the server writes again.
import { cp, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CreateProjectDocument } from '../../client/generated/graphql.js';
import { httpClient } from '../support/gql.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { mountTmpfs, type Mount } from '../support/tmpfs.js';

describe('a full disk under the embedded database', () => {
  let srv: TestServer | undefined;
  let mount: Mount | { skip: string };
  let dataDir: string;
  let filler: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'maskql-dbfull-'));
    mount = await mountTmpfs(path.join(dataDir, 'db'), '96m');
    if ('skip' in mount) return;
    await cp(inject('pgliteTemplate'), path.join(dataDir, 'db'), { recursive: true });
    srv = await startTestServer({ dataDir });
    filler = path.join(dataDir, 'db', 'filler');
  });
  afterAll(async () => {
    await srv?.stop();
    if (mount && 'unmount' in mount) mount.unmount();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers RESOURCE_EXHAUSTED with reason DISK_FULL, and writes again once space is freed', async (ctx) => {
    if ('skip' in mount) return ctx.skip();
    const gql = httpClient(srv!.url);
    expect((await gql.raw(CreateProjectDocument, { input: { name: 'before' } })).errors).toBeUndefined();
    // Fill the filesystem to the last block.
    const fh = await open(filler, 'w');
    const chunk = Buffer.alloc(1 << 20, 1);
    try {
      for (;;) await fh.write(chunk);
    } catch (err) {
      expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
    }
    for (let small = 4096; small >= 1; small >>= 1) await fh.write(Buffer.alloc(small)).catch(() => undefined);
    await fh.close();

    let r;
    for (let i = 0; i < 400; i++) {
      r = await gql.raw(CreateProjectDocument, { input: { name: `during-${i}-${'x'.repeat(150)}` } });
      if (r.errors) break;
    }
    expect(r!.errors?.[0]?.extensions, JSON.stringify(r!.errors)).toMatchObject({ code: 'RESOURCE_EXHAUSTED', retryable: true, reason: 'DISK_FULL' });
    // /healthz tells a probe the database cannot take writes (a ping alone still answers).
    const during = await fetch(`${srv!.url}/healthz`);
    expect(during.status).toBe(503);
    expect(await during.json()).toMatchObject({ status: 'degraded', database: { ok: false, failure: 'DISK_FULL' } });

    await rm(filler);
    const after = await gql.raw(CreateProjectDocument, { input: { name: 'after' } });
    expect(after.errors, JSON.stringify(after.errors)).toBeUndefined();
    const healed = await fetch(`${srv!.url}/healthz`);
    expect(healed.status).toBe(200);
    expect(await healed.json()).toMatchObject({ status: 'ok', database: { ok: true, failure: null } });
  });
});
