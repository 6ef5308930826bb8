// Video tracking end to end: real ffmpeg-encoded video, real server and database, graphql-ws
// subscriptions, both tracking paths; masks checked against the drawn discs on every frame.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddPromptDocument,
  CancelJobDocument,
  CreateProjectDocument,
  FrameMasksDocument,
  JobDocument,
  JobsDocument,
  PropagateDocument,
  StartSessionDocument,
} from '../../client/generated/graphql.js';
import { decodeRle } from '../../src/engine/masks/coco-rle.js';
import { DISCS, DISCS_VIDEO, discMask } from '../support/discs-video.js';
import { iou } from '../support/draw.js';
import { httpClient, wsClient } from '../support/gql.js';
import { databaseKinds, startTestServer, type TestServer } from '../support/test-server.js';
import { fixture, followSession, uploadFile, waitFor, type SessionEventData } from '../support/tracking.js';

const MID = 30;

type Gql = ReturnType<typeof httpClient>;

function maskIou(objMask: { rle: { size: number[]; counts: string } } | null | undefined, k: number, frame: number): number {
  if (!objMask) return 0;
  return iou(decodeRle({ size: [objMask.rle.size[0], objMask.rle.size[1]], counts: objMask.rle.counts }).data, discMask(k, frame));
}

async function promptDiscs(gql: Gql, sessionId: string, frame: number): Promise<number[]> {
  const ids: number[] = [];
  for (const d of DISCS) {
    const [cx, cy] = d.path(frame);
    const r = await gql.request(AddPromptDocument, { input: { sessionId, frameIndex: frame, coordinates: 'PIXELS', points: [{ x: cx, y: cy }] } });
    ids.push(r.addPrompt.objectId);
  }
  return ids;
}

function expectedOrder(start: number, total: number): number[] {
  const fwd = Array.from({ length: total - start }, (_, i) => start + i);
  const back = Array.from({ length: start }, (_, i) => start - 1 - i);
  return [...fwd, ...back];
}

function checkFrames(frames: { frameIndex: number; objects: { objectId: number; mask?: any }[] }[], ids: number[], minIou = 0.85): number {
  let worst = 1;
  for (const f of frames) {
    ids.forEach((id, k) => {
      const obj = f.objects.find((o) => o.objectId === id);
      const v = maskIou(obj?.mask, k, f.frameIndex);
      worst = Math.min(worst, v);
      if (v < minIou) throw new Error(`object ${id} on frame ${f.frameIndex}: IoU ${v.toFixed(3)} < ${minIou}`);
    });
  }
  return worst;
}

describe.each(databaseKinds())('video tracking (%s)', (db) => {
  let srv: TestServer;
  let gql: Gql;
  let projectId: string;
  let videoId: string;

  beforeAll(async () => {
    srv = await startTestServer({ db, env: { SESSION_MAX_OPEN: '20' } });
    gql = httpClient(srv.url);
    projectId = (await gql.request(CreateProjectDocument, { input: { name: 'video' } })).createProject.project.id;
    const up = await uploadFile(srv.url, projectId, fixture('discs.mp4'));
    expect(up.status).toBe(201);
    videoId = up.body.data.media.id;
  });
  afterAll(() => srv?.stop());

  it('probes an uploaded video: kind, frames, fps, size, duration', async () => {
    const up = await uploadFile(srv.url, projectId, fixture('discs.mp4'));
    expect(up.body.data.media).toMatchObject({ kind: 'VIDEO', format: 'mp4', width: 320, height: 240, frameCount: 60, fps: 30 });
    expect(up.body.data.media.durationSec).toBeCloseTo(2, 1);
    expect(up.body.data.deduplicated).toBe(true);
  });

  for (const [model, tracker] of [
    ['demo', 'SAM2_VIDEO'],
    ['demo-sam', 'PREVIOUS_MASK'],
  ] as const) {
    it(`${model}: tracks two discs BOTH ways from a middle frame, every frame once, in order (${tracker})`, async () => {
      const s = (await gql.request(StartSessionDocument, { input: { mediaId: videoId, model } })).startSession.session;
      expect(s.tracker).toBe(tracker);
      expect(s.totalFrames).toBe(60);
      const ids = await promptDiscs(gql, s.id, MID);
      expect(ids).toEqual([1, 2]);
      const job = (await gql.request(PropagateDocument, { input: { sessionId: s.id, direction: 'BOTH' } })).propagate.job;
      expect(job.status).toMatch(/QUEUED|RUNNING/);
      expect(job.framesTotal).toBe(60);
      const client = wsClient(srv.url);
      try {
        const events = await followSession(client, { sessionId: s.id, jobId: job.id, replay: true }).done;
        const frames = events.filter((e) => e.kind === 'FRAME').map((e) => e.frame!);
        expect(frames.map((f) => f.frameIndex)).toEqual(expectedOrder(MID, 60));
        expect(events.at(-1)!.kind).toBe('COMPLETED');
        expect(events.at(-1)!.job!.framesDone).toBe(60);
        const worst = checkFrames(frames, ids);
        console.log(`${model} (${tracker}): worst per-frame IoU ${worst.toFixed(3)}`);
      } finally {
        await client.dispose();
      }
      const stored = (await gql.request(FrameMasksDocument, { sessionId: s.id, limit: 100 })).frameMasks;
      expect(stored).toHaveLength(60);
      checkFrames(stored, ids);
      const done = (await gql.request(JobDocument, { id: job.id })).job;
      expect(done).toMatchObject({ status: 'COMPLETED', progress: 1, framesDone: 60, framesTotal: 60 });
      expect(done.rate).toBeGreaterThan(0);
    }, 240_000); // 60 frames of two objects: a loaded machine must not turn this into a timeout
  }

  it('cancel mid-way: the job ends CANCELLED, no frame follows, the frames done are stored', async () => {
    const s = (await gql.request(StartSessionDocument, { input: { mediaId: videoId } })).startSession.session;
    const ids = await promptDiscs(gql, s.id, 0);
    const job = (await gql.request(PropagateDocument, { input: { sessionId: s.id, direction: 'FORWARD' } })).propagate.job;
    const client = wsClient(srv.url);
    const watcher = wsClient(srv.url);
    try {
      let cancelling: Promise<unknown> | undefined;
      // A second subscriber on the whole session sees anything that would follow the end.
      const all = followSession(watcher, { sessionId: s.id });
      const events = await followSession(client, { sessionId: s.id, jobId: job.id, replay: true }, (e, seen) => {
        if (e.kind === 'FRAME' && seen.length === 5) cancelling = gql.request(CancelJobDocument, { input: { jobId: job.id } });
      }).done;
      await cancelling;
      const last = events.at(-1)!;
      expect(last.kind).toBe('CANCELLED');
      expect(last.job!.status).toBe('CANCELLED');
      const framesDone = last.job!.framesDone;
      expect(framesDone).toBeGreaterThanOrEqual(5);
      expect(framesDone).toBeLessThan(60);
      await new Promise((r) => setTimeout(r, 300));
      const afterEnd = all.events.slice(all.events.findIndex((e) => e.kind === 'CANCELLED') + 1);
      expect(afterEnd.filter((e) => e.kind === 'FRAME')).toHaveLength(0);
      all.stop();
      const stored = (await gql.request(FrameMasksDocument, { sessionId: s.id, limit: 100 })).frameMasks;
      expect(stored.map((f) => f.frameIndex)).toEqual(Array.from({ length: framesDone }, (_, i) => i));
      checkFrames(stored, ids);
      expect((await gql.request(JobsDocument, { sessionId: s.id, status: 'CANCELLED' })).jobs.totalCount).toBe(1);
    } finally {
      await client.dispose();
      await watcher.dispose();
    }
  });

  it('a client that disconnects does not stop the job; a late subscriber misses nothing', async () => {
    const s = (await gql.request(StartSessionDocument, { input: { mediaId: videoId } })).startSession.session;
    const ids = await promptDiscs(gql, s.id, MID);
    const job = (await gql.request(PropagateDocument, { input: { sessionId: s.id, direction: 'BOTH' } })).propagate.job;
    const leaver = wsClient(srv.url);
    await new Promise<void>((resolve) => {
      followSession(leaver, { sessionId: s.id, jobId: job.id }, (_e, seen) => {
        if (seen.length === 3) resolve();
      }).done.catch(() => undefined);
    });
    await leaver.dispose(); // gone mid-way

    // A late subscriber reads what was stored, then subscribes with replay: the server sends the
    // stored frames first and then live ones (it listens before it reads), so nothing falls in
    // between — graphql-ws has no subscribe acknowledgement a client could wait for instead.
    const late = wsClient(srv.url);
    try {
      const stored = (await gql.request(FrameMasksDocument, { sessionId: s.id, limit: 100 })).frameMasks;
      const replayed = (await followSession(late, { sessionId: s.id, jobId: job.id, replay: true }).done).filter((e: SessionEventData) => e.kind === 'FRAME');
      expect(replayed.map((e) => e.frame!.frameIndex)).toEqual(expectedOrder(MID, 60));
      const seen = new Set([...stored.map((f) => f.frameIndex), ...replayed.map((e) => e.frame!.frameIndex)]);
      expect(seen.size).toBe(60);
      checkFrames(replayed.map((e) => e.frame!), ids);
    } finally {
      await late.dispose();
    }
    const done = await waitFor(async () => {
      const j = (await gql.request(JobDocument, { id: job.id })).job;
      return j.status === 'COMPLETED' && j;
    });
    expect(done.framesDone).toBe(60);
    expect((await gql.request(FrameMasksDocument, { sessionId: s.id, fromFrame: 0, toFrame: 59, limit: 100 })).frameMasks).toHaveLength(60);
  }, 240_000);
});
