// The maskql command line as a real process against a real server: --help, segment (points,
// boxes, phrases) to COCO JSON checked against the drawn shapes, track from clicks to per-frame
// masks checked against the moving disc and to a masked video (real ffmpeg, probed and decoded),
// jobs follow/cancel/list, and its errors.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddPromptDocument, CreateProjectDocument, PropagateDocument, SessionDocument, StartBatchSegmentationDocument, StartSessionDocument } from '../../client/generated/graphql.js';
import { decodeRle } from '../../src/engine/masks/coco-rle.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { DISCS, DISCS_VIDEO, discMask } from '../support/discs-video.js';
import { drawPicture, iou, toPng, type Shape } from '../support/draw.js';
import { httpClient } from '../support/gql.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { fixture, uploadFile } from '../support/tracking.js';
import { decodeVideo, probeStreams } from '../support/export-readers.js';
import { testBins } from '../fixtures/video.js';

const exec = promisify(execFile);
const CLI = path.join(PACKAGE_ROOT, 'dist/src/cli/main.js');
const SHAPES: Shape[] = [
  { kind: 'rect', color: [210, 40, 40], x: 20, y: 30, w: 60, h: 50 },
  { kind: 'disc', color: [40, 70, 210], x: 150, y: 100, r: 30 },
];
const picture = drawPicture(200, 150, SHAPES);
const maskOf = (rle: { size: number[]; counts: string }) => decodeRle({ size: [rle.size[0]!, rle.size[1]!], counts: rle.counts }).data;

describe('maskql (the CLI)', () => {
  let srv: TestServer;
  let dir: string;
  let image: string;
  /** Runs the CLI; resolves with its output whatever the exit code. */
  const cli = async (args: string[], env: Record<string, string> = {}) => {
    try {
      const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], { env: { ...process.env, MASKQL_URL: srv.url, ...env }, maxBuffer: 64 * 1024 * 1024 });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  beforeAll(async () => {
    srv = await startTestServer({ env: { AUTH_MODE: 'apikey' } });
    dir = await mkdtemp(path.join(tmpdir(), 'maskql-cli-'));
    image = path.join(dir, 'shapes.png');
    await writeFile(image, await toPng(picture));
  });
  afterAll(async () => {
    await srv?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('explains itself: maskql --help and each command --help', async () => {
    const top = await cli(['--help']);
    expect(top.code).toBe(0);
    for (const c of ['segment', 'track', 'jobs', 'keys']) expect(top.stdout).toContain(c);
    for (const c of ['segment', 'track', 'jobs', 'keys']) {
      const res = await cli([c, '--help']);
      expect(res.code, c).toBe(0);
      expect(res.stdout, c).toMatch(new RegExp(`maskql ${c}`));
    }
    const unknown = await cli(['paint']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "paint"/);
  });

  it('refuses without a key, and says why', async () => {
    const res = await cli(['segment', image, '--point', '0.2,0.3']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/UNAUTHENTICATED/);
    const bad = await cli(['segment', image, '--point', '0.2']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/expected 2 comma-separated numbers/);
    const opacity = await cli(['track', image, '--click', '0:0.2,0.3', '--masked-video', path.join(dir, 'x.mp4'), '--opacity', '2']);
    expect(opacity.code).toBe(2);
    expect(opacity.stderr).toMatch(/--opacity: a number in 0\.\.1/);
    const alone = await cli(['track', image, '--click', '0:0.2,0.3', '--effect', 'cutout']);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/--effect and --opacity go with --masked-video/);
  });

  it('segments an image from a point, a box and a phrase into COCO JSON', async () => {
    const key = (await srv.app.services.apiKeys.create({ name: 'cli', scopes: ['write'] })).secret;
    const out = path.join(dir, 'shapes.coco.json');
    const res = await cli(['segment', image, '--point', '50,55', '--box', '115,65,70,70', '--phrase', 'blue', '--pixels', '--out', out], { MASKQL_KEY: key });
    expect(res.stderr).toMatch(/100%/); // the upload's progress bar
    expect(res.code, res.stderr).toBe(0);
    const coco = JSON.parse(await readFile(out, 'utf8'));
    expect(coco.images).toEqual([expect.objectContaining({ id: 1, file_name: 'shapes.png', width: 200, height: 150 })]);
    expect(coco.categories.map((c: { name: string }) => c.name).sort()).toEqual(['blue', 'object']);
    const [point, boxed, ...phrase] = coco.annotations;
    expect(iou(maskOf(point.segmentation), picture.masks[0]!)).toBeGreaterThan(0.9);
    expect(iou(maskOf(boxed.segmentation), picture.masks[1]!)).toBeGreaterThan(0.9);
    expect(phrase).toHaveLength(1);
    expect(iou(maskOf(phrase[0].segmentation), picture.masks[1]!)).toBeGreaterThan(0.9);
    for (const a of coco.annotations) expect(a).toMatchObject({ image_id: 1, iscrowd: 0, score: expect.any(Number), area: expect.any(Number), bbox: expect.any(Array) });
  });

  it('tracks a video from a click to per-frame masks and a masked video, with progress bars', async () => {
    const key = (await srv.app.services.apiKeys.create({ name: 'cli', scopes: ['write'] })).secret;
    const [cx, cy] = DISCS[0]!.path(0);
    const out = path.join(dir, 'discs.json');
    const masked = path.join(dir, 'discs.masked.mp4');
    const res = await cli(['track', fixture('discs.mp4'), '--click', `0:${cx / DISCS_VIDEO.width},${cy / DISCS_VIDEO.height}`, '--out', out, '--masked-video', masked, '--opacity', '0.9', '--key', key]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/upload .*100%/);
    expect(res.stderr).toMatch(/propagate .*100%/);
    expect(res.stderr).toMatch(/export .*100%/);
    expect(res.stderr).toMatch(/download .*100%/);
    const result = JSON.parse(await readFile(out, 'utf8'));
    expect(result.video).toMatchObject({ frameCount: DISCS_VIDEO.frames, width: DISCS_VIDEO.width });
    expect(result.frames).toHaveLength(DISCS_VIDEO.frames);
    for (const f of [0, 30, DISCS_VIDEO.frames - 1]) {
      const o = result.frames[f].objects[0];
      expect(o.objectId).toBe(1);
      expect(iou(maskOf(o.segmentation), discMask(0, f))).toBeGreaterThan(0.8);
    }
    // The session is closed at the end.
    const { session } = await httpClient(srv.url, { authorization: `Bearer ${key}` }).request(SessionDocument, { id: result.sessionId });
    expect(session.status).toBe('CLOSED');

    // The masked video: a valid H.264 file with every frame, tinted where the clicked disc is and
    // nowhere else (the other disc, not clicked, keeps its colour).
    const bins = testBins();
    const v = probeStreams(bins.ffprobe, masked, true).find((s) => s.codec_type === 'video')!;
    expect(v).toMatchObject({ codec_name: 'h264', width: DISCS_VIDEO.width, height: DISCS_VIDEO.height });
    expect(Number(v.nb_read_frames)).toBe(DISCS_VIDEO.frames);
    const original = decodeVideo(bins, fixture('discs.mp4'), 'rgb24');
    const exported = decodeVideo(bins, masked, 'rgb24');
    expect(exported).toHaveLength(DISCS_VIDEO.frames);
    for (const f of [0, 30, DISCS_VIDEO.frames - 1]) {
      const changed = new Uint8Array(DISCS_VIDEO.width * DISCS_VIDEO.height);
      for (let i = 0; i < changed.length; i++) {
        const d = Math.max(...[0, 1, 2].map((c) => Math.abs(exported[f]![i * 3 + c]! - original[f]![i * 3 + c]!)));
        changed[i] = d > 40 ? 1 : 0;
      }
      expect(iou(changed, discMask(0, f)), `frame ${f}`).toBeGreaterThan(0.8);
      const other = discMask(1, f);
      const otherChanged = other.reduce((n, x, i) => n + (x & changed[i]!), 0) / other.reduce((n, x) => n + x, 0);
      expect(otherChanged, `frame ${f}`).toBeLessThan(0.05);
    }
  }, 300_000); // tracking runs the model on every frame, then the export encodes them: long on a loaded machine

  it('follows, lists and cancels jobs', async () => {
    const key = (await srv.app.services.apiKeys.create({ name: 'cli', scopes: ['write'] })).secret;
    const api = httpClient(srv.url, { authorization: `Bearer ${key}` });
    const { createProject } = await api.request(CreateProjectDocument, { input: { name: 'jobs' } });
    const projectId = createProject.project.id;
    await uploadFile(srv.url, projectId, image, { authorization: `Bearer ${key}` });
    const video = await uploadFile(srv.url, projectId, fixture('discs-long.mp4'), { authorization: `Bearer ${key}` });

    const batch = (await api.request(StartBatchSegmentationDocument, { input: { projectId } })).startBatchSegmentation.job;
    const followed = await cli(['jobs', 'follow', batch.id, '--key', key]);
    expect(followed.code, followed.stderr).toBe(0);
    expect(followed.stdout).toMatch(new RegExp(`${batch.id} +BATCH_SEGMENTATION +COMPLETED +100 %`));
    expect(followed.stderr).toMatch(/job .*100%/);

    const { startSession } = await api.request(StartSessionDocument, { input: { mediaId: video.body.data.media.id } });
    await api.request(AddPromptDocument, { input: { sessionId: startSession.session.id, frameIndex: 0, points: [{ x: 0.15, y: 0.3 }] } });
    const long = (await api.request(PropagateDocument, { input: { sessionId: startSession.session.id } })).propagate.job;
    const cancelled = await cli(['jobs', 'cancel', long.id, '--key', key]);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    const after = await cli(['jobs', 'follow', long.id, '--key', key]);
    expect(after.code).toBe(1); // it did not complete
    expect(after.stdout).toMatch(/CANCELLED/);

    const listed = await cli(['jobs', 'list', '--key', key]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(batch.id);
    expect(listed.stdout).toContain(long.id);
    const json = JSON.parse((await cli(['jobs', 'list', '--status', 'CANCELLED', '--json', '--key', key])).stdout);
    expect(json.map((j: { id: string }) => j.id)).toContain(long.id);
    expect(json.every((j: { status: string }) => j.status === 'CANCELLED')).toBe(true);
  }, 240_000); // tracking runs the model on every frame: long on a loaded machine
});
