// A session's frame store stays within FRAME_STORE_MB on a video longer than that: the disc is
// tracked both ways through the store's window (seeks forward and backward), every mask still
// matching the drawn disc, and the frame files never take more bytes than the bound.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AddPromptDocument, CreateProjectDocument, PropagateDocument, StartSessionDocument } from '../../client/generated/graphql.js';
import { decodeRle } from '../../src/engine/masks/coco-rle.js';
import { testBins } from '../fixtures/video.js';
import { DISCS, DISCS_VIDEO, discMask, encodeDiscsVideo } from '../support/discs-video.js';
import { iou } from '../support/draw.js';
import { httpClient, wsClient } from '../support/gql.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { followSession, uploadFile } from '../support/tracking.js';

const FRAMES = 150;
const MID = 75;
const BOUND_MB = 4;
const FRAME_BYTES = DISCS_VIDEO.width * DISCS_VIDEO.height * 3;

let srv: TestServer;
let tmp: string;
let video: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'maskql-fs-'));
  video = path.join(tmp, 'discs-long.mp4');
  await encodeDiscsVideo(video, testBins(), FRAMES);
  srv = await startTestServer({ env: { FRAME_STORE_MB: String(BOUND_MB) } });
}, 120_000);

afterAll(async () => {
  await srv?.stop();
  await rm(tmp, { recursive: true, force: true });
});

/** Bytes of the frame files under dir: apparent size and allocated blocks, whichever is larger. */
async function diskBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const st = await stat(path.join(dir, name)).catch(() => undefined);
    if (st) total += Math.max(st.size, st.blocks * 512);
  }
  return total;
}

it(`tracks a ${FRAMES}-frame video both ways with its frame store under ${BOUND_MB} MiB (${Math.round((FRAMES * FRAME_BYTES) / 2 ** 20)} MiB decoded)`, async () => {
  const gql = httpClient(srv.url);
  const projectId = (await gql.request(CreateProjectDocument, { input: { name: 'long' } })).createProject.project.id;
  const up = await uploadFile(srv.url, projectId, video);
  expect(up.body.data.media.frameCount).toBe(FRAMES);
  const s = (await gql.request(StartSessionDocument, { input: { mediaId: up.body.data.media.id, model: 'demo' } })).startSession.session;
  const [cx, cy] = DISCS[0]!.path(MID);
  const id = (await gql.request(AddPromptDocument, { input: { sessionId: s.id, frameIndex: MID, coordinates: 'PIXELS', points: [{ x: cx, y: cy }] } })).addPrompt.objectId;

  const storeDir = path.join(srv.dataDir, 'frames', s.id);
  let peak = await diskBytes(storeDir);
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await diskBytes(storeDir));
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const job = (await gql.request(PropagateDocument, { input: { sessionId: s.id, direction: 'BOTH' } })).propagate.job;
  const client = wsClient(srv.url);
  try {
    const events = await followSession(client, { sessionId: s.id, jobId: job.id, replay: true }, () => {
      void diskBytes(storeDir).then((b) => (peak = Math.max(peak, b)));
    }).done;
    expect(events.at(-1)!.kind).toBe('COMPLETED');
    const frames = events.filter((e) => e.kind === 'FRAME').map((e) => e.frame!);
    expect(frames).toHaveLength(FRAMES);
    for (const f of frames) {
      const m = f.objects.find((o) => o.objectId === id)?.mask;
      expect(m, `frame ${f.frameIndex}`).toBeTruthy();
      const v = iou(decodeRle({ size: [m!.rle.size[0]!, m!.rle.size[1]!], counts: m!.rle.counts }).data, discMask(0, f.frameIndex));
      expect(v, `IoU on frame ${f.frameIndex}`).toBeGreaterThan(0.85);
    }
  } finally {
    sampling = false;
    await sampler;
    await client.dispose();
  }
  expect(peak).toBeGreaterThan(0); // the store was used (and sampled)
  expect(peak).toBeLessThanOrEqual(BOUND_MB * 2 ** 20);
}, 300_000);
