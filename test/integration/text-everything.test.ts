// Text prompts (through the demo's grounding companion), many phrases on one image, segment
// everything, the batch job over a project, and a text prompt in a video session.
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddMediaDocument,
  AddTextPromptDocument,
  CreateProjectDocument,
  JobProgressDocument,
  MediaMasksDocument,
  ModelsDocument,
  PropagateDocument,
  SegmentEverythingDocument,
  SegmentImageDocument,
  SegmentPhrasesDocument,
  StartBatchSegmentationDocument,
  StartSessionDocument,
  type JobProgressSubscription,
} from '../../client/generated/graphql.js';
import { decodeRle } from '../../src/engine/masks/coco-rle.js';
import { DISCS, discMask } from '../support/discs-video.js';
import { drawPicture, iou, toPng, type Picture, type Shape } from '../support/draw.js';
import { httpClient, wsClient } from '../support/gql.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { fixture, followSession, uploadFile } from '../support/tracking.js';

const RED: [number, number, number] = [210, 40, 40];
const BLUE: [number, number, number] = [40, 70, 210];
const SHAPES: Shape[] = [
  { kind: 'rect', color: RED, x: 20, y: 20, w: 50, h: 50 },
  { kind: 'rect', color: RED, x: 130, y: 30, w: 45, h: 45 },
  { kind: 'rect', color: RED, x: 240, y: 150, w: 55, h: 55 },
  { kind: 'disc', color: BLUE, x: 70, y: 170, r: 30 },
  { kind: 'disc', color: BLUE, x: 200, y: 110, r: 25 },
];

const maskOf = (rle: { size: number[]; counts: string }) => decodeRle({ size: [rle.size[0], rle.size[1]], counts: rle.counts }).data;

/** Matches masks to ground-truth shapes one to one (greedy by IoU); returns the IoU of each shape's match. */
function matchOneToOne(masks: Uint8Array[], truths: Uint8Array[]): number[] {
  const used = new Set<number>();
  return truths.map((t) => {
    let best = -1;
    let bestIou = 0;
    masks.forEach((m, i) => {
      if (used.has(i)) return;
      const v = iou(m, t);
      if (v > bestIou) [best, bestIou] = [i, v];
    });
    if (best >= 0) used.add(best);
    return bestIou;
  });
}

describe('text prompts and segment everything', () => {
  let srv: TestServer;
  let gql: ReturnType<typeof httpClient>;
  let pic: Picture;
  let mediaId: string;
  let projectId: string;

  beforeAll(async () => {
    srv = await startTestServer();
    gql = httpClient(srv.url);
    pic = drawPicture(320, 240, SHAPES);
    projectId = (await gql.request(CreateProjectDocument, { input: { name: 'text' } })).createProject.project.id;
    mediaId = (await gql.request(AddMediaDocument, { input: { projectId, base64: (await toPng(pic)).toString('base64') } })).addMedia.media.id;
  });
  afterAll(() => srv?.stop());

  it('the models query says which model takes text and through which grounding model', async () => {
    const models = (await gql.request(ModelsDocument)).models;
    expect(models.find((m) => m.name === 'demo')).toMatchObject({ grounding: 'demo-grounding', capabilities: { text: true } });
    expect(models.find((m) => m.name === 'demo-grounding')).toMatchObject({ family: 'GROUNDING' });
    expect(models.find((m) => m.name === 'demo-sam')!.capabilities!.text).toBe(false);
  });

  it('"red" finds the three squares, "blue" the two discs, an unknown word nothing', async () => {
    const red = (await gql.request(SegmentImageDocument, { input: { mediaId, objects: [{ text: 'red' }] } })).segmentImage;
    expect(red.objects).toHaveLength(3);
    expect(red.objects.every((o) => o.phrase === 'red' && o.detectionScore! > 0.5 && o.index === 0)).toBe(true);
    expect(Math.min(...matchOneToOne(red.objects.map((o) => maskOf(o.mask.rle)), pic.masks.slice(0, 3)))).toBeGreaterThanOrEqual(0.9);
    const blue = (await gql.request(SegmentImageDocument, { input: { mediaId, objects: [{ text: 'blue' }] } })).segmentImage;
    expect(blue.objects).toHaveLength(2);
    expect(Math.min(...matchOneToOne(blue.objects.map((o) => maskOf(o.mask.rle)), pic.masks.slice(3)))).toBeGreaterThanOrEqual(0.9);
    const none = await gql.request(SegmentImageDocument, { input: { mediaId, objects: [{ text: 'zebra' }] } });
    expect(none.segmentImage.objects).toEqual([]);
  });

  it('a phrase beside a negative point drops the instance under the point', async () => {
    const r = await gql.request(SegmentImageDocument, {
      input: { mediaId, coordinates: 'PIXELS', objects: [{ text: 'red', points: [{ x: 152, y: 52, label: 'NEGATIVE' }] }] },
    });
    expect(r.segmentImage.objects).toHaveLength(2);
    const ious = matchOneToOne(r.segmentImage.objects.map((o) => maskOf(o.mask.rle)), [pic.masks[0], pic.masks[2]]);
    expect(Math.min(...ious)).toBeGreaterThanOrEqual(0.9);
  });

  it('many phrases in one call encode the image once and give the same masks as one call each', async () => {
    const img = (await gql.request(AddMediaDocument, { input: { projectId, base64: (await toPng(drawPicture(320, 240, SHAPES, [230, 230, 230]))).toString('base64') } })).addMedia.media.id;
    const runs = srv.app.engine.encoderRuns;
    const many = (await gql.request(SegmentPhrasesDocument, { input: { mediaId: img, phrases: ['red', 'blue', 'zebra'] } })).segmentPhrases;
    expect(srv.app.engine.encoderRuns).toBe(runs + 1);
    expect(many.cacheHit).toBe(false);
    expect(many.phrases.map((p) => [p.phrase, p.objects.length])).toEqual([['red', 3], ['blue', 2], ['zebra', 0]]);
    for (const p of many.phrases) {
      const one = (await gql.request(SegmentPhrasesDocument, { input: { mediaId: img, phrases: [p.phrase] } })).segmentPhrases;
      expect(one.cacheHit).toBe(true);
      const key = (objs: typeof p.objects) => objs.map((o) => o.mask.rle.counts).sort();
      expect(key(one.phrases[0].objects)).toEqual(key(p.objects));
    }
    expect(srv.app.engine.encoderRuns).toBe(runs + 1);
  });

  it('segment everything finds all five shapes once each', async () => {
    const r = (await gql.request(SegmentEverythingDocument, { input: { mediaId } })).segmentEverything;
    const masks = r.masks.map((m) => maskOf(m.rle));
    expect(r.candidates).toBeGreaterThan(masks.length);
    expect(Math.min(...matchOneToOne(masks, pic.masks))).toBeGreaterThanOrEqual(0.9);
    // No duplicates after suppression: no two kept masks are the same region.
    for (let i = 0; i < masks.length; i++) for (let j = i + 1; j < masks.length; j++) expect(iou(masks[i], masks[j])).toBeLessThan(0.7);
  });

  it('a batch job over a project stores masks for every image and reports progress', async () => {
    const p = (await gql.request(CreateProjectDocument, { input: { name: 'batch' } })).createProject.project.id;
    const pics = [pic, drawPicture(200, 160, [{ kind: 'disc', color: BLUE, x: 60, y: 60, r: 30 }, { kind: 'rect', color: RED, x: 120, y: 80, w: 50, h: 50 }])];
    const ids: string[] = [];
    for (const q of pics) ids.push((await gql.request(AddMediaDocument, { input: { projectId: p, base64: (await toPng(q)).toString('base64') } })).addMedia.media.id);
    const job = (await gql.request(StartBatchSegmentationDocument, { input: { projectId: p, pointsPerSide: 12 } })).startBatchSegmentation.job;
    const client = wsClient(srv.url);
    const updates: JobProgressSubscription['jobProgress'][] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        client.subscribe<JobProgressSubscription>({ query: print(JobProgressDocument), variables: { jobId: job.id } }, {
          next: (r) => (r.data ? updates.push(r.data.jobProgress) : reject(new Error(JSON.stringify(r.errors)))),
          error: reject,
          complete: resolve,
        });
      });
    } finally {
      await client.dispose();
    }
    const last = updates.at(-1)!;
    expect(last).toMatchObject({ status: 'COMPLETED', framesDone: 2, framesTotal: 2, progress: 1 });
    const done = updates.map((u) => u.framesDone);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    for (const [k, id] of ids.entries()) {
      const stored = (await gql.request(MediaMasksDocument, { id })).media.masks.map((m) => maskOf(m.rle));
      expect(Math.min(...matchOneToOne(stored, pics[k].masks))).toBeGreaterThanOrEqual(0.9);
    }
  });

  it('a text prompt in a video session creates one object per disc and tracks them', async () => {
    const videoId = (await uploadFile(srv.url, projectId, fixture('discs.mp4'))).body.data.media.id;
    const s = (await gql.request(StartSessionDocument, { input: { mediaId: videoId } })).startSession.session;
    const r = await gql.request(AddTextPromptDocument, { input: { sessionId: s.id, frameIndex: 30, text: 'disc' } });
    expect(r.addTextPrompt.objectIds).toHaveLength(2);
    expect(r.addTextPrompt.session.objects.map((o) => o.label)).toEqual(['disc', 'disc']);
    // Which object is which disc: by overlap on the prompted frame.
    const order = r.addTextPrompt.objectIds.map((id) => {
      const m = maskOf(r.addTextPrompt.frame.objects.find((o) => o.objectId === id)!.mask!.rle);
      return iou(m, discMask(0, 30)) > iou(m, discMask(1, 30)) ? 0 : 1;
    });
    expect(new Set(order).size).toBe(2);
    const job = (await gql.request(PropagateDocument, { input: { sessionId: s.id, direction: 'BOTH' } })).propagate.job;
    const client = wsClient(srv.url);
    try {
      const events = await followSession(client, { sessionId: s.id, jobId: job.id, replay: true }).done;
      const frames = events.filter((e) => e.kind === 'FRAME').map((e) => e.frame!);
      expect(frames).toHaveLength(60);
      for (const f of frames) {
        r.addTextPrompt.objectIds.forEach((id, k) => {
          const o = f.objects.find((x) => x.objectId === id);
          expect(o?.mask ? iou(maskOf(o.mask.rle), discMask(order[k], f.frameIndex)) : 0).toBeGreaterThanOrEqual(0.85);
        });
      }
    } finally {
      await client.dispose();
    }
    expect(DISCS).toHaveLength(2);
  });

  it('errors: text on a model without grounding, empty or overlong phrases, an over-large grid', async () => {
    const fail = (input: object) => gql.fail(SegmentImageDocument, { input: { mediaId, ...input } as never });
    expect((await fail({ model: 'demo-sam', objects: [{ text: 'red' }] })).code).toBe('BAD_USER_INPUT');
    expect((await fail({ objects: [{ text: '   ' }] })).code).toBe('BAD_USER_INPUT');
    expect((await fail({ objects: [{ text: 'x'.repeat(201) }] })).code).toBe('BAD_USER_INPUT');
    expect((await fail({ objects: [{ text: 'red red red red red red red red red red red red red red red red red' }] })).code).toBe('BAD_USER_INPUT');
    expect((await gql.fail(SegmentPhrasesDocument, { input: { mediaId, phrases: [] } })).code).toBe('BAD_USER_INPUT');
    expect((await gql.fail(SegmentEverythingDocument, { input: { mediaId, pointsPerSide: 65 } })).code).toBe('BAD_USER_INPUT');
    expect((await gql.fail(SegmentEverythingDocument, { input: { mediaId, pointsPerSide: 0 } })).code).toBe('BAD_USER_INPUT');
    expect((await gql.fail(StartBatchSegmentationDocument, { input: { projectId: '00000000-0000-4000-8000-000000000000' } })).code).toBe('NOT_FOUND');
    expect((await gql.fail(SegmentImageDocument, { input: { mediaId, model: 'demo-grounding', objects: [{ points: [{ x: 0.5, y: 0.5 }] }] } })).code).toBe('BAD_USER_INPUT');
  });
});
