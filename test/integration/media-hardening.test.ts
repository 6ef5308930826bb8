// Issue 11, the media half: dedup never crosses projects, delete racing a re-upload of the same
// bytes never leaves a media without its file, each image side is capped, POST /upload keeps the
// GraphQL rules and shape, and a reversed frame range says so. Real server, database and store.
import { access } from 'node:fs/promises';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddMediaDocument, CreateProjectDocument, DeleteMediaDocument, FrameMasksDocument, MediaDocument, StartSessionDocument } from '../../client/generated/graphql.js';
import { drawPicture, toPng } from '../support/draw.js';
import { httpClient } from '../support/gql.js';
import { pngChunk } from '../support/png.js';
import { databaseKinds, startTestServer, type TestServer } from '../support/test-server.js';
import { fixture, uploadFile } from '../support/tracking.js';

const png = (seed: number, w = 48, h = 32) => toPng(drawPicture(w, h, [{ kind: 'rect', color: [seed % 256, 90, 200], x: 4, y: 4, w: w / 2, h: h / 2 }]));

/** A valid 8-bit grey PNG of width x height, all black (compresses to almost nothing). */
function tallPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const raw = Buffer.alloc((width + 1) * height); // filter byte 0 + pixels, per row
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

describe.each(databaseKinds())('media hardening (%s)', (db) => {
  let srv: TestServer;
  let gql: ReturnType<typeof httpClient>;
  const newProject = async (name: string) => (await gql.request(CreateProjectDocument, { input: { name } })).createProject.project.id;

  beforeAll(async () => {
    srv = await startTestServer({ db });
    gql = httpClient(srv.url);
  });
  afterAll(() => srv?.stop());

  it('deduplicated is true only when the same project already held the bytes', async () => {
    const [a, b] = [await newProject('tenant-a'), await newProject('tenant-b')];
    const bytes = (await png(7)).toString('base64');
    expect((await gql.request(AddMediaDocument, { input: { projectId: a, base64: bytes } })).addMedia.deduplicated).toBe(false);
    // Another tenant uploading the same bytes learns nothing about project a.
    expect((await gql.request(AddMediaDocument, { input: { projectId: b, base64: bytes } })).addMedia.deduplicated).toBe(false);
    const up = await fetch(`${srv.url}/upload?projectId=${await newProject('tenant-c')}`, { method: 'POST', body: await png(7) });
    expect(((await up.json()) as { data: { deduplicated: boolean } }).data.deduplicated).toBe(false);
    // The same project again: now it is a duplicate.
    expect((await gql.request(AddMediaDocument, { input: { projectId: b, base64: bytes } })).addMedia.deduplicated).toBe(true);
  });

  it('deleting a media while its bytes are uploaded again never leaves a media without its file', async () => {
    const projectId = await newProject('race');
    const lanes = 4;
    const rounds = 50;
    const add = (bytes: Buffer) => gql.request(AddMediaDocument, { input: { projectId, base64: bytes.toString('base64') } }).then((r) => r.addMedia.media.id);
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    await Promise.all(
      Array.from({ length: lanes }, async (_, lane) => {
        const bytes = await png(100 + lane);
        let current = await add(bytes);
        for (let i = 0; i < rounds; i++) {
          // Delete and re-upload 0..29 ms apart, in either order.
          const gap = (i * 7 + lane * 3) % 30;
          const del = () => gql.request(DeleteMediaDocument, { input: { id: current } });
          const [, next] = await Promise.all([i % 2 ? sleep(gap).then(del) : del(), i % 2 ? add(bytes) : sleep(gap).then(() => add(bytes))]);
          current = next;
        }
      }),
    );
    const rows = await srv.app.db.prisma.media.findMany({ where: { projectId }, select: { id: true, storagePath: true, thumbnailPath: true } });
    expect(rows).toHaveLength(lanes);
    for (const r of rows) {
      for (const p of [r.storagePath, r.thumbnailPath!]) {
        expect(await access(srv.app.services.media.filePath({ storagePath: p })).then(() => true, () => false), `media ${r.id} lost ${p}`).toBe(true);
      }
      // And it is served: its thumbnail answers.
      expect((await fetch(`${srv.url}/media/${r.id}/thumbnail`)).status).toBe(200);
    }
  }, 300_000); // 200 delete/upload pairs: slow on a loaded machine; no clock is asserted

  it('refuses an image with one side over MEDIA_MAX_SIDE from its header, under the pixel cap', async () => {
    const projectId = await newProject('tall');
    const strip = tallPng(1, 59_999_999);
    const err = await gql.fail(AddMediaDocument, { input: { projectId, base64: strip.toString('base64') } });
    expect(err.code).toBe('BAD_USER_INPUT');
    expect(err.extensions.reason).toBe('TOO_MANY_PIXELS');
    expect(err.message).toMatch(/1x59999999.*16384 pixels on each side \(MEDIA_MAX_SIDE\)/);
    const seg = await gql.raw('mutation($i: SegmentImageInput!) { segmentImage(input: $i) { __typename } }', {
      i: { imageBase64: strip.toString('base64'), objects: [{ points: [{ x: 0.5, y: 0.5 }] }] },
    });
    expect(seg.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TOO_MANY_PIXELS' });
  });

  it('POST /upload: 400 without projectId, the GraphQL filename and label limits, the GraphQL Media shape', async () => {
    const projectId = await newProject('upload');
    const body = await png(3);
    const post = async (query: string) => {
      const res = await fetch(`${srv.url}/upload?${query}`, { method: 'POST', body });
      return { status: res.status, json: (await res.json()) as any };
    };
    const missing = await post('filename=a.png');
    expect(missing.status).toBe(400);
    expect(missing.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(missing.json.errors[0].message).toMatch(/projectId/);

    for (const q of [`filename=${'f'.repeat(256)}`, `label=${'l'.repeat(201)}`, 'filename=', 'label=']) {
      const r = await post(`projectId=${projectId}&${q}`);
      expect(r.status, q.slice(0, 12)).toBe(400);
      expect(r.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    }
    const gqlErr = await gql.fail(AddMediaDocument, { input: { projectId, base64: body.toString('base64'), filename: 'f'.repeat(256) } });
    expect(gqlErr.code).toBe('BAD_USER_INPUT');

    const ok = await post(`projectId=${projectId}&filename=${'f'.repeat(255)}&label=${'l'.repeat(200)}`);
    expect(ok.status).toBe(201);
    const viaGql = (await gql.request(MediaDocument, { id: ok.json.data.media.id })).media;
    const { project: _p, __typename: _t, ...expected } = viaGql as typeof viaGql & { __typename?: string };
    expect(ok.json.data.media).toEqual(expected);
    expect(ok.json.data.media.thumbnailUrl).toBe(`/media/${viaGql.id}/thumbnail`);
    expect(Object.keys(ok.json.data.media)).not.toContain('storagePath');
    expect(Object.keys(ok.json.data.media)).not.toContain('thumbnailPath');
  });

  it('frameMasks with fromFrame after toFrame says the range is reversed', async () => {
    const projectId = await newProject('frames');
    const video = (await uploadFile(srv.url, projectId, fixture('discs.mp4'))).body.data.media.id;
    const s = (await gql.request(StartSessionDocument, { input: { mediaId: video, model: 'demo-sam' } })).startSession.session;
    const err = await gql.fail(FrameMasksDocument, { sessionId: s.id, fromFrame: 10, toFrame: 2 });
    expect(err.code).toBe('BAD_USER_INPUT');
    expect(err.message).toMatch(/reversed/);
    expect(err.message).not.toMatch(/outside/);
    const out = await gql.fail(FrameMasksDocument, { sessionId: s.id, fromFrame: 0, toFrame: 5000 });
    expect(out.message).toMatch(/outside/);
  });
});
