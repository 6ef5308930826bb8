// Video tracking as SAM 2's video predictor does it (issue 10), through GraphQL and graphql-ws,
// on both tracking paths: two moving discs, object 1 clicked on frame 0 and object 2 on frame 24,
// then propagations from frames before, between and after them. Every FRAME event lists every
// object and every object is found on every frame (IoU against the drawn discs), what is stored
// is what was published, and a subscription to a job that already ended ends at once.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddPromptDocument,
  ClearPromptsDocument,
  CreateProjectDocument,
  FrameMasksDocument,
  JobDocument,
  PropagateDocument,
  StartSessionDocument,
  type FrameMasksFieldsFragment,
} from '../../client/generated/graphql.js';
import { decodeRle } from '../../src/engine/masks/coco-rle.js';
import { testBins } from '../fixtures/video.js';
import { DISCS, discMask, encodeDiscsVideo } from '../support/discs-video.js';
import { iou } from '../support/draw.js';
import { httpClient, wsClient } from '../support/gql.js';
import { databaseKinds, startTestServer, type TestServer } from '../support/test-server.js';
import { followSession, uploadFile } from '../support/tracking.js';

const FRAMES = 48;
/** Frames where the objects are clicked (object 1 on frame 0, object 2 on frame 24). */
const PROMPTED = [0, 24];
const MIN_IOU = 0.85;
/** Up to 96 frames of two objects each, with lead-ins: generous, so that a loaded machine does not turn a test into a timeout. */
const TIMEOUT_MS = 300_000;

type Gql = ReturnType<typeof httpClient>;
type Frame = Pick<FrameMasksFieldsFragment, 'frameIndex'> & { objects: { objectId: number; mask?: { rle: { size: number[]; counts: string }; area: number } | null }[] };

const range = (from: number, to: number) => {
  const step = to >= from ? 1 : -1;
  return Array.from({ length: Math.abs(to - from) + 1 }, (_, i) => from + i * step);
};

const PASSES = [
  { name: 'FORWARD from 5 (object 2 is prompted ahead, on 24)', input: { direction: 'FORWARD' as const, startFrame: 5 }, order: range(5, FRAMES - 1) },
  { name: 'BACKWARD from 40, maxFrames 6 (both prompted frames lie ahead)', input: { direction: 'BACKWARD' as const, startFrame: 40, maxFrames: 6 }, order: range(40, 35) },
  { name: 'BOTH from 24 (object 1 behind on the way forward)', input: { direction: 'BOTH' as const, startFrame: 24 }, order: [...range(24, FRAMES - 1), ...range(23, 0)] },
  { name: 'BOTH from 12 (between the two prompted frames)', input: { direction: 'BOTH' as const, startFrame: 12 }, order: [...range(12, FRAMES - 1), ...range(11, 0)] },
];

function maskIou(mask: Frame['objects'][number]['mask'], k: number, frame: number): number {
  if (!mask) return 0;
  return iou(decodeRle({ size: [mask.rle.size[0], mask.rle.size[1]], counts: mask.rle.counts }).data, discMask(k, frame));
}

/** Every object listed once, in order, and found on the frame. */
function expectEveryObject(frames: Frame[], label: string): number {
  let worst = 1;
  for (const f of frames) {
    expect(f.objects.map((o) => o.objectId), `${label}: objects of frame ${f.frameIndex}`).toEqual([1, 2]);
    f.objects.forEach((o, k) => {
      const v = maskIou(o.mask, k, f.frameIndex);
      worst = Math.min(worst, v);
      expect(v, `${label}: object ${o.objectId} on frame ${f.frameIndex}`).toBeGreaterThanOrEqual(MIN_IOU);
    });
  }
  return worst;
}

/** The masks as comparable values: RLE counts, or null. */
const masksOf = (f: Frame) => f.objects.map((o) => [o.objectId, o.mask ? o.mask.rle.counts : null]);

describe.each(databaseKinds())('video tracking as SAM 2 does it (%s)', (db) => {
  let srv: TestServer;
  let gql: Gql;
  let videoId: string;
  let tmp: string;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'maskql-discs48-'));
    const file = path.join(tmp, 'discs-48.mp4');
    await encodeDiscsVideo(file, testBins(), FRAMES);
    srv = await startTestServer({ db, env: { SESSION_MAX_OPEN: '20' } });
    gql = httpClient(srv.url);
    const projectId = (await gql.request(CreateProjectDocument, { input: { name: 'sam2-scenario' } })).createProject.project.id;
    const up = await uploadFile(srv.url, projectId, file);
    expect(up.status).toBe(201);
    expect(up.body.data.media.frameCount).toBe(FRAMES);
    videoId = up.body.data.media.id;
  }, TIMEOUT_MS);
  afterAll(async () => {
    await srv?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  /** A session with object 1 clicked on frame 0 and object 2 on frame 24; the prompts' answers list every object. */
  async function promptedSession(model: string, tracker: string): Promise<string> {
    const s = (await gql.request(StartSessionDocument, { input: { mediaId: videoId, model } })).startSession.session;
    expect(s.tracker).toBe(tracker);
    for (const [k, frame] of PROMPTED.entries()) {
      const [x, y] = DISCS[k].path(frame);
      const r = (await gql.request(AddPromptDocument, { input: { sessionId: s.id, frameIndex: frame, coordinates: 'PIXELS', points: [{ x, y }] } })).addPrompt;
      expect(r.objectId).toBe(k + 1);
      expect(r.frame.frameIndex).toBe(frame);
      // Every object of the session, null where it has no result on that frame yet.
      expect(r.frame.objects.map((o) => o.objectId)).toEqual(range(1, k + 1));
      expect(maskIou(r.frame.objects[k].mask, k, frame)).toBeGreaterThanOrEqual(MIN_IOU);
      if (k === 1) expect(r.frame.objects[0].mask).toBeNull();
    }
    return s.id;
  }

  /** Runs a propagation, follows it with replay, and checks events, store and job against each other. */
  async function propagate(sessionId: string, input: (typeof PASSES)[number]['input'], order: number[]): Promise<Frame[]> {
    const job = (await gql.request(PropagateDocument, { input: { sessionId, ...input } })).propagate.job;
    expect(job.framesTotal).toBe(order.length);
    const client = wsClient(srv.url);
    let events;
    try {
      events = await followSession(client, { sessionId, jobId: job.id, replay: true }).done;
    } finally {
      await client.dispose();
    }
    const frames = events.filter((e) => e.kind === 'FRAME').map((e) => e.frame! as Frame);
    expect(frames.map((f) => f.frameIndex)).toEqual(order);
    expect(events.at(-1)!.kind).toBe('COMPLETED');
    expect(events.at(-1)!.job!.framesDone).toBe(order.length);

    // What is stored is exactly what was published.
    const stored = (await gql.request(FrameMasksDocument, { sessionId, fromFrame: Math.min(...order), toFrame: Math.max(...order), limit: 100 })).frameMasks as Frame[];
    const byFrame = new Map(stored.map((f) => [f.frameIndex, f]));
    for (const f of frames) expect(masksOf(byFrame.get(f.frameIndex)!), `stored frame ${f.frameIndex}`).toEqual(masksOf(f));
    expect((await gql.request(JobDocument, { id: job.id })).job).toMatchObject({ status: 'COMPLETED', framesDone: order.length, framesTotal: order.length });

    // A subscription to the ended job: its terminal event, then the stream completes.
    const late = wsClient(srv.url);
    try {
      const bare = await followSession(late, { sessionId, jobId: job.id, replay: false }).done;
      expect(bare.map((e) => e.kind)).toEqual(['COMPLETED']);
      expect(bare[0].job!.framesDone).toBe(order.length);
      const replayed = await followSession(late, { sessionId, jobId: job.id, replay: true }).done;
      expect(replayed.map((e) => e.kind)).toEqual([...order.map(() => 'FRAME'), 'COMPLETED']);
      expect(replayed.filter((e) => e.kind === 'FRAME').map((e) => masksOf(e.frame! as Frame))).toEqual(frames.map(masksOf));
    } finally {
      await late.dispose();
    }
    return frames;
  }

  for (const [model, tracker] of [
    ['demo', 'SAM2_VIDEO'],
    ['demo-sam', 'PREVIOUS_MASK'],
  ] as const) {
    for (const pass of PASSES) {
      it(`${model} (${tracker}): ${pass.name}: every object on every frame`, async () => {
        const sessionId = await promptedSession(model, tracker);
        const frames = await propagate(sessionId, pass.input, pass.order);
        const worst = expectEveryObject(frames, `${model} ${pass.name}`);
        console.log(`${model} (${tracker}) ${pass.name}: worst per-frame IoU ${worst.toFixed(3)}`);
      }, TIMEOUT_MS);
    }

    it(`${model} (${tracker}): a prompt answers every object from the stored results; a recomputed frame replaces its stored masks`, async () => {
      const sessionId = await promptedSession(model, tracker);
      await propagate(sessionId, PASSES[0].input, PASSES[0].order);
      // A click refining object 2 on frame 30: object 1's mask there comes from its tracked result.
      const [x, y] = DISCS[1].path(30);
      const answer = (await gql.request(AddPromptDocument, { input: { sessionId, objectId: 2, frameIndex: 30, coordinates: 'PIXELS', points: [{ x, y }] } })).addPrompt;
      expectEveryObject([answer.frame as Frame], `${model} answer on frame 30`);
      const [stored30] = (await gql.request(FrameMasksDocument, { sessionId, fromFrame: 30, toFrame: 30 })).frameMasks;
      expect(masksOf(stored30 as Frame)).toEqual(masksOf(answer.frame as Frame));

      // Object 2 loses its prompts, frame by frame (its masks on frames 35..40 stay stored), and
      // a new pass over those frames finds it absent: the store follows, null where it was.
      for (const frameIndex of [24, 30]) await gql.request(ClearPromptsDocument, { input: { sessionId, objectId: 2, frameIndex } });
      const before = (await gql.request(FrameMasksDocument, { sessionId, fromFrame: 35, toFrame: 40 })).frameMasks as Frame[];
      for (const f of before) expect(maskIou(f.objects[1].mask, 1, f.frameIndex)).toBeGreaterThanOrEqual(MIN_IOU);
      const frames = await propagate(sessionId, PASSES[1].input, PASSES[1].order);
      for (const f of frames) {
        expect(f.objects.map((o) => o.objectId)).toEqual([1, 2]);
        expect(maskIou(f.objects[0].mask, 0, f.frameIndex), `object 1 on frame ${f.frameIndex}`).toBeGreaterThanOrEqual(MIN_IOU);
        expect(f.objects[1].mask, `object 2 on frame ${f.frameIndex}`).toBeNull();
      }
    }, TIMEOUT_MS);
  }
});
