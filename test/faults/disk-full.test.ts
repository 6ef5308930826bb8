// A full disk on media write: the media directory is a real 2 MiB tmpfs, so writing a 4 MiB image
// fails with ENOSPC inside the content store. The client gets RESOURCE_EXHAUSTED (GraphQL) or a
// 507 JSON error with the same code (upload route); no file, temp file or row is left, and the
// freed space lets a small upload through afterwards.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddMediaDocument, CreateProjectDocument, MediaListDocument } from '../../client/generated/graphql.js';
import { drawPicture, toPng } from '../support/draw.js';
import { httpClient } from '../support/gql.js';
import { databaseKinds, startTestServer, type TestServer } from '../support/test-server.js';
import { filesUnder, mountTmpfs, type Mount } from '../support/tmpfs.js';

describe.each(databaseKinds())('a full disk on media write (%s)', (db) => {
  let srv: TestServer;
  let mount: Mount | { skip: string };
  let mediaDir: string;

  beforeAll(async () => {
    srv = await startTestServer({ db });
    mediaDir = path.join(srv.dataDir, 'media');
    mount = await mountTmpfs(mediaDir, '2m');
  });
  afterAll(async () => {
    if (mount && 'unmount' in mount) mount.unmount();
    await srv?.stop();
  });

  it('answers RESOURCE_EXHAUSTED and leaves no partial file and no row', async (ctx) => {
    if ('skip' in mount) return ctx.skip();
    const gql = httpClient(srv.url);
    const projectId = (await gql.request(CreateProjectDocument, { input: { name: 'full' } })).createProject.project.id;
    // 1200 x 1200 of noise: a valid PNG of about 4.3 MB that does not compress.
    const noise = await sharp(randomBytes(1200 * 1200 * 3), { raw: { width: 1200, height: 1200, channels: 3 } }).png().toBuffer();
    expect(noise.length).toBeGreaterThan(3 * 1024 * 1024);

    const err = await gql.fail(AddMediaDocument, { input: { projectId, base64: noise.toString('base64') } });
    expect(err.code).toBe('RESOURCE_EXHAUSTED');
    expect(err.extensions).toMatchObject({ reason: 'DISK_FULL', retryable: true });

    const res = await fetch(`${srv.url}/upload?projectId=${projectId}&filename=noise.png`, { method: 'POST', body: noise });
    expect(res.status).toBe(507);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(((await res.json()) as { errors: { extensions: unknown }[] }).errors[0].extensions).toMatchObject({ code: 'RESOURCE_EXHAUSTED', reason: 'DISK_FULL', retryable: true });

    expect(await filesUnder(mediaDir)).toEqual([]);
    expect((await gql.request(MediaListDocument, { projectId })).mediaList.totalCount).toBe(0);

    // The temp files were removed: the space is free again and a small image fits.
    const small = await toPng(drawPicture(64, 48, [{ kind: 'disc', color: [200, 0, 0], x: 32, y: 24, r: 12 }]));
    const ok = await gql.request(AddMediaDocument, { input: { projectId, base64: small.toString('base64') } });
    expect(ok.addMedia.media.width).toBe(64);
    expect((await filesUnder(mediaDir)).length).toBe(2); // the image and its thumbnail
    expect((await gql.request(MediaListDocument, { projectId })).mediaList.totalCount).toBe(1);
  });
});
