// Issue 11 item 10: a serverPath import sizes and sniffs the file before reading it. A 900 MB file
// that starts like a PNG is refused from its size alone: the server's peak memory does not grow
// by anything like the file (today it read the whole file first). A video is streamed in.
import { copyFile, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddMediaDocument, CreateProjectDocument } from '../../client/generated/graphql.js';
import { httpClient } from '../support/gql.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { fixture } from '../support/tracking.js';

const MiB = 1024 * 1024;

describe('serverPath: size and type before any read', () => {
  let srv: TestServer;
  let root: string;
  let gql: ReturnType<typeof httpClient>;
  let projectId: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'maskql-roots-'));
    // Sparse: 900 MiB long, almost nothing on disk.
    const fh = await open(path.join(root, 'huge.png'), 'w');
    await fh.write(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    await fh.truncate(900 * MiB);
    await fh.close();
    await copyFile(fixture('discs.mp4'), path.join(root, 'discs.mp4'));
    srv = await startTestServer({ env: { MEDIA_ALLOWED_ROOTS: root } });
    gql = httpClient(srv.url);
    projectId = (await gql.request(CreateProjectDocument, { input: { name: 'paths' } })).createProject.project.id;
  });
  afterAll(async () => {
    await srv?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('refuses a 900 MB "image" by its size without reading it into memory', async () => {
    const peakBefore = process.resourceUsage().maxRSS * 1024; // the server runs in this process
    for (let i = 0; i < 2; i++) {
      const err = await gql.fail(AddMediaDocument, { input: { projectId, serverPath: 'huge.png' } });
      expect(err.code).toBe('BAD_USER_INPUT');
      expect(err.extensions.reason).toBe('TOO_LARGE');
      expect(err.message).toMatch(/MEDIA_MAX_BYTES/);
    }
    const grown = process.resourceUsage().maxRSS * 1024 - peakBefore;
    expect(grown, `peak RSS grew by ${Math.round(grown / MiB)} MiB`).toBeLessThan(300 * MiB);
  });

  it('imports a video from a server path (streamed into the store)', async () => {
    const r = await gql.request(AddMediaDocument, { input: { projectId, serverPath: 'discs.mp4' } });
    expect(r.addMedia.media).toMatchObject({ kind: 'VIDEO', frameCount: 60, width: 320, height: 240 });
  });
});
