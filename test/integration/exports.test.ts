// Export jobs end to end: a real video with audio, tracked by the real server; every export
// read back with readers written here (not the server's code) and checked against frameMasks.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddPromptDocument,
  CreateProjectDocument,
  FrameMasksDocument,
  JobArtifactsDocument,
  PropagateDocument,
  StartExportDocument,
  StartSessionDocument,
  type StartExportInput,
} from '../../client/generated/graphql.js';
import { testBins } from '../fixtures/video.js';
import { DISCS, DISCS_VIDEO } from '../support/discs-video.js';
import { decodeVideo, iouOf, probeStreams, readIndexedPng, readRle, readZip } from '../support/export-readers.js';
import { httpClient } from '../support/gql.js';
import { databaseKinds, startTestServer, type TestServer } from '../support/test-server.js';
import { fixture, uploadFile, waitFor } from '../support/tracking.js';
import { readFile } from 'node:fs/promises';

type Gql = ReturnType<typeof httpClient>;
const { width: W, height: H, frames: N } = DISCS_VIDEO;

describe.each(databaseKinds())('exports (%s)', (db) => {
  let srv: TestServer;
  let gql: Gql;
  let projectId: string;
  let sessionId: string;
  let objectIds: number[];
  /** Stored masks by frame, then object id: what frameMasks returns. */
  const stored = new Map<number, Map<number, { size: number[]; counts: string; bbox: number[]; area: number; score: number }>>();

  /**
   * The frame comparisons below block this process (which also runs the server) for seconds; the
   * next request can then meet a kept-alive socket the server closes at that moment (ECONNRESET).
   * A client retries such a request; startExport is safe to retry with its clientRequestId.
   */
  async function retried<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if ((err as { cause?: { code?: string } }).cause?.code !== 'ECONNRESET') throw err;
      return fn();
    }
  }

  async function exportDone(input: StartExportInput) {
    const clientRequestId = randomUUID();
    const job = (await retried(() => gql.request(StartExportDocument, { input: { ...input, clientRequestId } }))).startExport.job;
    expect(job.kind).toBe('EXPORT');
    return waitFor(async () => {
      const j = (await retried(() => gql.request(JobArtifactsDocument, { id: job.id }))).job;
      return ['COMPLETED', 'FAILED', 'CANCELLED'].includes(j.status) && j;
    }, 120_000, 100);
  }

  async function artifactFile(input: StartExportInput) {
    const j = await exportDone(input);
    expect(j.error).toBeNull();
    expect(j.status).toBe('COMPLETED');
    expect(j.artifacts).toHaveLength(1);
    const a = j.artifacts[0]!;
    expect(a.url).toMatch(/^\/download\/artifact\//);
    return { job: j, artifact: a, file: path.join(srv.dataDir, 'exports', j.id, a.name) };
  }

  beforeAll(async () => {
    srv = await startTestServer({ db });
    gql = httpClient(srv.url);
    projectId = (await gql.request(CreateProjectDocument, { input: { name: 'exports' } })).createProject.project.id;
    const up = await uploadFile(srv.url, projectId, fixture('discs-audio.mp4'));
    expect(up.status).toBe(201);
    sessionId = (await gql.request(StartSessionDocument, { input: { mediaId: up.body.data.media.id } })).startSession.session.id;
    objectIds = [];
    for (const [k, d] of DISCS.entries()) {
      const [cx, cy] = d.path(0);
      const r = await gql.request(AddPromptDocument, { input: { sessionId, frameIndex: 0, coordinates: 'PIXELS', points: [{ x: cx, y: cy }], label: k === 0 ? 'red disc' : 'blue disc' } });
      objectIds.push(r.addPrompt.objectId);
    }
    const job = (await gql.request(PropagateDocument, { input: { sessionId } })).propagate.job;
    await waitFor(async () => (await gql.request(JobArtifactsDocument, { id: job.id })).job.status === 'COMPLETED', 120_000, 100);
    const frames = (await gql.request(FrameMasksDocument, { sessionId, limit: 2000 })).frameMasks;
    for (const f of frames) {
      const m = new Map<number, { size: number[]; counts: string; bbox: number[]; area: number; score: number }>();
      for (const o of f.objects) if (o.mask) m.set(o.objectId, { ...o.mask.rle, bbox: o.mask.bbox, area: o.mask.area, score: o.mask.score });
      stored.set(f.frameIndex, m);
    }
    expect(stored.size).toBe(N);
  });
  afterAll(() => srv?.stop());

  it('COCO JSON of a session: one image per frame, RLE annotations equal to frameMasks, categories from labels', async () => {
    const { file } = await artifactFile({ format: 'COCO_JSON', sessionId });
    const coco = JSON.parse(await readFile(file, 'utf8'));
    expect(coco.categories.map((c: any) => c.name).sort()).toEqual(['blue disc', 'red disc']);
    expect(coco.images).toHaveLength(N);
    const catName = new Map(coco.categories.map((c: any) => [c.id, c.name]));
    let checked = 0;
    for (const a of coco.annotations) {
      const img = coco.images.find((i: any) => i.id === a.image_id);
      expect(img).toMatchObject({ width: W, height: H });
      const want = stored.get(img.frame_index)!.get(a.object_id)!;
      expect(iouOf(readRle(a.segmentation), readRle(want))).toBe(1);
      expect(a.area).toBe(want.area);
      expect(a.bbox).toEqual(want.bbox);
      expect(a.score).toBeCloseTo(want.score, 5);
      expect(catName.get(a.category_id)).toBe(a.object_id === objectIds[0] ? 'red disc' : 'blue disc');
      checked++;
    }
    expect(checked).toBe([...stored.values()].reduce((n, m) => n + m.size, 0));
  });

  it('YouTube-VIS JSON: one annotation per object, a mask per frame (null where absent)', async () => {
    const { file } = await artifactFile({ format: 'YTVIS_JSON', sessionId });
    const vis = JSON.parse(await readFile(file, 'utf8'));
    expect(vis.videos).toHaveLength(1);
    expect(vis.videos[0]).toMatchObject({ width: W, height: H, length: N });
    expect(vis.annotations.map((a: any) => a.object_id).sort()).toEqual([...objectIds].sort());
    for (const a of vis.annotations) {
      expect(a.segmentations).toHaveLength(N);
      for (let f = 0; f < N; f++) {
        const want = stored.get(f)!.get(a.object_id);
        if (!want) expect(a.segmentations[f]).toBeNull();
        else expect(iouOf(readRle(a.segmentations[f]), readRle(want))).toBe(1);
      }
    }
  });

  it('DAVIS zip: one indexed PNG per frame whose indices are the object ids', async () => {
    const { file } = await artifactFile({ format: 'DAVIS_PNG_ZIP', sessionId });
    const entries = await readZip(file);
    expect(entries.size).toBe(N);
    for (const [name, png] of entries) {
      const f = Number(/(\d+)\.png$/.exec(name)![1]);
      const { width, height, indices, palette } = readIndexedPng(png);
      expect([width, height]).toEqual([W, H]);
      expect(palette[0]).toEqual([0, 0, 0]);
      const masks = stored.get(f)!;
      for (const id of objectIds) {
        const want = masks.has(id) ? readRle(masks.get(id)!) : new Uint8Array(W * H);
        // Where objects overlap the later id wins; discs of this video barely touch.
        expect(iouOf(indices.map((v) => (v === id ? 1 : 0)), want)).toBeGreaterThan(0.97);
      }
      expect(new Set(indices).size).toBeLessThanOrEqual(objectIds.length + 1);
    }
  });

  it('MP4 overlay: H.264, every frame tinted where the stored masks are (IoU >= 0.95), audio kept, same frames and duration', async () => {
    const { job, file } = await artifactFile({ format: 'MASKED_VIDEO', sessionId, video: { container: 'MP4', effect: 'OVERLAY', opacity: 0.6 } });
    const result = JSON.parse(job.result!);
    const colours = new Map<number, number[]>(result.objects.map((o: any) => [o.objectId, [1, 3, 5].map((i) => parseInt(o.color.slice(i, i + 2), 16))]));
    const bins = testBins();
    const streams = probeStreams(bins.ffprobe, file, true);
    const v = streams.find((s) => s.codec_type === 'video')!;
    const a = streams.find((s) => s.codec_type === 'audio');
    expect(v.codec_name).toBe('h264');
    expect(Number(v.nb_read_frames)).toBe(N);
    expect(v.avg_frame_rate).toBe('30/1');
    expect(Number(v.duration)).toBeCloseTo(N / 30, 1);
    expect(a?.codec_name).toBe('aac');
    expect(Number(a!.duration)).toBeCloseTo(N / 30, 1);

    const original = decodeVideo(bins, fixture('discs-audio.mp4'), 'rgb24');
    const exported = decodeVideo(bins, file, 'rgb24');
    expect(exported).toHaveLength(N);
    let worst = 1;
    for (let f = 0; f < N; f++) {
      const o = original[f]!;
      const e = exported[f]!;
      // Each pixel goes to the nearest of: the original colour, or the original tinted by object k.
      const label = new Uint8Array(W * H);
      for (let i = 0; i < W * H; i++) {
        let best = Infinity;
        for (const id of [0, ...objectIds]) {
          const c = colours.get(id);
          let d = 0;
          for (let ch = 0; ch < 3; ch++) {
            const orig = o[i * 3 + ch]!;
            d += (e[i * 3 + ch]! - (c ? orig * 0.4 + c[ch]! * 0.6 : orig)) ** 2;
          }
          if (d < best) {
            best = d;
            label[i] = id;
          }
        }
      }
      for (const id of objectIds) {
        const want = stored.get(f)!.get(id);
        const v = iouOf(label.map((x) => (x === id ? 1 : 0)), want ? readRle(want) : new Uint8Array(W * H));
        worst = Math.min(worst, v);
      }
    }
    expect(worst).toBeGreaterThanOrEqual(0.95);
  });

  it('WebM cut-out: VP9 with an alpha channel that is the masks (IoU >= 0.95), audio re-encoded to Opus', async () => {
    const { file } = await artifactFile({ format: 'MASKED_VIDEO', sessionId, video: { container: 'WEBM', effect: 'CUTOUT' } });
    const bins = testBins();
    const streams = probeStreams(bins.ffprobe, file, true);
    const v = streams.find((s) => s.codec_type === 'video')!;
    expect(v.codec_name).toBe('vp9');
    expect(v.tags?.alpha_mode ?? v.tags?.ALPHA_MODE).toBe('1');
    expect(Number(v.nb_read_frames)).toBe(N);
    expect(streams.find((s) => s.codec_type === 'audio')?.codec_name).toBe('opus');
    const frames = decodeVideo(bins, file, 'rgba', 'libvpx-vp9');
    expect(frames).toHaveLength(N);
    let worst = 1;
    for (let f = 0; f < N; f++) {
      const alpha = new Uint8Array(W * H);
      for (let i = 0; i < W * H; i++) alpha[i] = frames[f]![i * 4 + 3]! > 127 ? 1 : 0;
      const union = new Uint8Array(W * H);
      for (const m of stored.get(f)!.values()) readRle(m).forEach((x, i) => (union[i] |= x));
      worst = Math.min(worst, iouOf(alpha, union));
    }
    expect(worst).toBeGreaterThanOrEqual(0.95);
  });

  it('refuses what cannot work, before any job starts', async () => {
    const bad = async (input: StartExportInput) => retried(() => gql.fail(StartExportDocument, { input }));
    expect((await bad({ format: 'COCO_JSON' })).code).toBe('BAD_USER_INPUT');
    expect((await bad({ format: 'COCO_JSON', sessionId, projectId })).code).toBe('BAD_USER_INPUT');
    expect((await bad({ format: 'DAVIS_PNG_ZIP', projectId })).code).toBe('BAD_USER_INPUT');
    expect((await bad({ format: 'MASKED_VIDEO', sessionId, objectIds: [99] })).code).toBe('BAD_USER_INPUT');
    expect((await bad({ format: 'COCO_JSON', sessionId, video: { container: 'MP4' } })).code).toBe('BAD_USER_INPUT');
    expect((await bad({ format: 'YTVIS_JSON', sessionId: '00000000-0000-4000-8000-000000000000' })).code).toBe('NOT_FOUND');
  });
});
