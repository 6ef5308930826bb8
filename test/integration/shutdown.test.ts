// SIGTERM on the real process (dist/src/main.js): an idle server stops at once with exit code 0
// and releases its data folder; a busy one first finishes what is in flight, within the grace.
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { drawPicture, toPng } from '../support/draw.js';
import { spawnServer } from '../support/server-process.js';

describe('SIGTERM', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'maskql-stop-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  // Not NODE_ENV=test (vitest's), under which Apollo would not install its own signal handlers.
  const env = () => ({ NODE_ENV: 'development', DATA_DIR: dataDir, MODELS_DIR: inject('modelsDir'), SHUTDOWN_GRACE_MS: '20000' });
  const lockFile = () => path.join(dataDir, 'db.lock');

  it('stops an idle server with exit code 0, well inside the grace period, and removes its lock', async () => {
    const srv = await spawnServer(env());
    expect(existsSync(lockFile())).toBe(true);
    const code = await srv.kill('SIGTERM');
    expect(code, srv.output()).toBe(0);
    expect(srv.output()).toMatch(/"msg":"stopped"/);
    // Not the grace timer's way out ("shutdown grace period passed").
    expect(srv.output()).not.toMatch(/grace period passed/);
    expect(existsSync(lockFile())).toBe(false);
  });

  it('lets an in-flight request finish, then exits 0', async () => {
    const srv = await spawnServer(env());
    // A request still being answered when SIGTERM arrives: a segmentation of a large inline image,
    // signalled once its body has been sent (so the server has taken the connection).
    const png = (await toPng(drawPicture(1600, 1600, [{ kind: 'disc', color: [200, 0, 0], x: 800, y: 800, r: 300 }]))).toString('base64');
    const body = JSON.stringify({ query: 'mutation($i: String!) { segmentImage(input: { imageBase64: $i, objects: [{ points: [{ x: 0.5, y: 0.5 }] }] }) { width } }', variables: { i: png } });
    let sent!: () => void;
    const bodySent = new Promise<void>((r) => (sent = r));
    const pending = new Promise<any>((resolve, reject) => {
      const req = request(`${srv.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d)).on('end', () => resolve(JSON.parse(text)));
      });
      req.on('error', reject).on('finish', sent).end(body);
    });
    await bodySent;
    await new Promise((r) => setTimeout(r, 50));
    const exited = srv.kill('SIGTERM');
    const answer = await pending;
    expect(answer.data?.segmentImage?.width, JSON.stringify(answer)).toBe(1600);
    expect(await exited, srv.output()).toBe(0);
    expect(existsSync(lockFile())).toBe(false);
  });
});
