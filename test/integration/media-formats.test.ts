// Issue 11 items 18 and 19: AVIF/HEIF are images even though they start with an `ftyp` box; an AVI
// video is named as a video and refused with the accepted containers; a corrupt video's error
// carries no raw ffmpeg output (memory addresses, internal file names). Real server, real ffmpeg.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddMediaDocument, CreateProjectDocument } from '../../client/generated/graphql.js';
import { testBins } from '../fixtures/video.js';
import { drawPicture } from '../support/draw.js';
import { httpClient } from '../support/gql.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { fixture } from '../support/tracking.js';

const run = promisify(execFile);

describe('media formats', () => {
  let srv: TestServer;
  let gql: ReturnType<typeof httpClient>;
  let projectId: string;
  let tmp: string;
  const upload = async (bytes: Buffer) => {
    const res = await fetch(`${srv.url}/upload?projectId=${projectId}`, { method: 'POST', body: bytes });
    return { status: res.status, body: (await res.json()) as any };
  };
  const viaGraphql = (bytes: Buffer) => gql.raw(AddMediaDocument, { input: { projectId, base64: bytes.toString('base64') } });

  beforeAll(async () => {
    srv = await startTestServer();
    gql = httpClient(srv.url);
    projectId = (await gql.request(CreateProjectDocument, { input: { name: 'formats' } })).createProject.project.id;
    tmp = await mkdtemp(path.join(tmpdir(), 'maskql-formats-'));
  });
  afterAll(async () => {
    await srv?.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  it('an AVIF image (ftyp avif) is stored as an image', async () => {
    const pic = drawPicture(64, 48, [{ kind: 'disc', color: [200, 30, 30], x: 32, y: 24, r: 14 }]);
    const avif = await sharp(pic.rgb, { raw: { width: 64, height: 48, channels: 3 } }).avif().toBuffer();
    expect(avif.toString('latin1', 4, 12)).toBe('ftypavif');
    const up = await upload(avif);
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    expect(up.body.data.media).toMatchObject({ kind: 'IMAGE', format: 'avif', width: 64, height: 48 });
    const g = await viaGraphql(avif);
    expect(g.errors).toBeUndefined();
    expect(g.data!.addMedia.media).toMatchObject({ kind: 'IMAGE', format: 'avif' });
  });

  it('a HEIC brand is an image format refused by name, not an MP4', async () => {
    // An ftyp box with the heic brand and nothing else: sniffed as an image, never handed to ffmpeg.
    const box = Buffer.alloc(24);
    box.writeUInt32BE(24, 0);
    box.write('ftypheic', 4, 'latin1');
    box.write('mif1heic', 16, 'latin1');
    const up = await upload(box);
    expect(up.status).toBe(400);
    expect(up.body.errors[0].message).not.toMatch(/MP4|ffprobe|ffmpeg/);
    expect(up.body.errors[0].message).toMatch(/heic/i);
  });

  it('an AVI video is named a video and refused with the accepted containers', async () => {
    const avi = path.join(tmp, 'clip.avi');
    await run(testBins().ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10', '-t', '1', '-c:v', 'mjpeg', '-y', avi]);
    const bytes = await readFile(avi);
    for (const r of [await upload(bytes), { status: 400, body: await viaGraphql(bytes) }]) {
      expect(r.status).toBe(400);
      const e = r.body.errors[0];
      expect(e.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'UNSUPPORTED_MEDIA' });
      expect(e.message).toMatch(/AVI videos are not supported/);
      expect(e.message).toMatch(/MP4, MOV, WebM or Matroska/);
      expect(e.message).not.toMatch(/not an image/);
    }
  });

  it('a corrupt video is refused without raw ffmpeg output', async () => {
    const good = await readFile(fixture('discs.mp4'));
    // Keep the header, damage the rest: ffprobe/ffmpeg fail with their usual "[mov,mp4 @ 0x…]" lines.
    const cut = Buffer.concat([good.subarray(0, 48), Buffer.alloc(4000, 0x5a)]);
    const broken = Buffer.from(good);
    broken.fill(0x33, Math.floor(good.length * 0.2));
    for (const bytes of [cut, broken]) {
      const r = await upload(bytes);
      expect(r.status).toBe(400);
      const msg: string = r.body.errors[0].message;
      expect(r.body.errors[0].extensions.reason).toMatch(/CORRUPT_MEDIA|UNSUPPORTED_MEDIA/);
      expect(msg, msg).not.toMatch(/0x[0-9a-f]{4,}/i);
      expect(msg, msg).not.toMatch(/@/);
      expect(msg, msg).not.toMatch(/[0-9a-f]{32}/i);
      expect(msg, msg).not.toMatch(/\.tmp-|\.mp4\b|(^|[\s:])\/\w/);
    }
  });
});
