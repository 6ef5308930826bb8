// Session lifecycle and limits: remove an object, reset, close, reopen, idle TTL, the cap on
// open sessions, and each error code of the tracking API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddMediaDocument,
  AddPromptDocument,
  CancelJobDocument,
  ClearPromptsDocument,
  CloseSessionDocument,
  CreateProjectDocument,
  FrameMasksDocument,
  JobDocument,
  PropagateDocument,
  RemoveObjectDocument,
  ReopenSessionDocument,
  ResetSessionDocument,
  SessionDocument,
  SessionsDocument,
  StartSessionDocument,
} from '../../client/generated/graphql.js';
import { DISCS } from '../support/discs-video.js';
import { drawPicture, toPng } from '../support/draw.js';
import { httpClient } from '../support/gql.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { fixture, uploadFile, waitFor } from '../support/tracking.js';

const NO_ID = '00000000-0000-4000-8000-000000000000';

describe('sessions', () => {
  let srv: TestServer;
  let gql: ReturnType<typeof httpClient>;
  let projectId: string;
  let videoId: string;

  beforeAll(async () => {
    srv = await startTestServer({ env: { SESSION_MAX_OPEN: '3' } });
    gql = httpClient(srv.url);
    projectId = (await gql.request(CreateProjectDocument, { input: { name: 's' } })).createProject.project.id;
    videoId = (await uploadFile(srv.url, projectId, fixture('discs.mp4'))).body.data.media.id;
  });
  afterAll(() => srv?.stop());

  const start = async () => (await gql.request(StartSessionDocument, { input: { mediaId: videoId, model: 'demo-sam' } })).startSession.session;
  const click = (sessionId: string, frameIndex: number, k: number, objectId?: number) => {
    const [x, y] = DISCS[k].path(frameIndex);
    return gql.request(AddPromptDocument, { input: { sessionId, frameIndex, objectId, coordinates: 'PIXELS', points: [{ x, y }] } });
  };
  const close = (sessionId: string) => gql.request(CloseSessionDocument, { input: { sessionId } });

  it('a prompt answers with the masks of all objects on that frame; refining keeps the object', async () => {
    const s = await start();
    const a = await click(s.id, 10, 0);
    expect(a.addPrompt.objectId).toBe(1);
    const b = await click(s.id, 10, 1);
    expect(b.addPrompt.objectId).toBe(2);
    expect(b.addPrompt.frame.objects.map((o) => o.objectId)).toEqual([1, 2]);
    const refined = await click(s.id, 12, 0, 1);
    expect(refined.addPrompt.objectId).toBe(1);
    const again = await gql.request(AddPromptDocument, {
      input: { sessionId: s.id, frameIndex: 12, objectId: 1, clearExisting: true, coordinates: 'PIXELS', points: [{ x: DISCS[0].path(12)[0], y: DISCS[0].path(12)[1] }] },
    });
    expect(again.addPrompt.session.objects.find((o) => o.objectId === 1)!.promptedFrames).toEqual([10, 12]);
    await close(s.id);
  });

  it('remove an object, clear prompts, reset, close (reporting memory freed) and reopen', async () => {
    const s = await start();
    await click(s.id, 5, 0);
    await click(s.id, 5, 1);
    const removed = await gql.request(RemoveObjectDocument, { input: { sessionId: s.id, objectId: 2 } });
    expect(removed.removeObject.session.objects.map((o) => o.objectId)).toEqual([1]);
    const stored = (await gql.request(FrameMasksDocument, { sessionId: s.id })).frameMasks;
    expect(stored.flatMap((f) => f.objects.map((o) => o.objectId))).toEqual([1]);

    await click(s.id, 8, 0, 1);
    const cleared = await gql.request(ClearPromptsDocument, { input: { sessionId: s.id, frameIndex: 8 } });
    expect(cleared.clearPrompts.session.objects[0].promptedFrames).toEqual([5]);

    const job = (await gql.request(PropagateDocument, { input: { sessionId: s.id, maxFrames: 10 } })).propagate.job;
    await waitFor(async () => (await gql.request(JobDocument, { id: job.id })).job.status === 'COMPLETED');
    const held = (await gql.request(SessionDocument, { id: s.id })).session;
    expect(held.framesProcessed).toBe(10);
    expect(held.memoryBytes).toBeGreaterThan(0);

    const closed = await close(s.id);
    expect(closed.closeSession.session).toMatchObject({ status: 'CLOSED', closeReason: 'closed', live: false });
    expect(closed.closeSession.freedBytes).toBeGreaterThan(0);
    // Closed: prompting is refused, stored masks stay readable, reopen replays the prompts.
    expect((await gql.fail(AddPromptDocument, { input: { sessionId: s.id, frameIndex: 1, points: [{ x: 0.5, y: 0.5 }] } })).code).toBe('CONFLICT');
    expect((await gql.request(FrameMasksDocument, { sessionId: s.id })).frameMasks).toHaveLength(10);
    const reopened = await gql.request(ReopenSessionDocument, { input: { sessionId: s.id } });
    expect(reopened.reopenSession.session).toMatchObject({ status: 'OPEN', live: true });
    expect(reopened.reopenSession.session.objects).toEqual([{ objectId: 1, label: null, promptedFrames: [5] }]);

    const reset = await gql.request(ResetSessionDocument, { input: { sessionId: s.id } });
    expect(reset.resetSession.session.objects).toEqual([]);
    expect(reset.resetSession.session.framesProcessed).toBe(0);
    expect((await click(s.id, 3, 0)).addPrompt.objectId).toBe(1);
    await close(s.id);
  });

  it('an idle session is closed after its TTL', async () => {
    // A server of its own: a short TTL would close the other tests' sessions on a loaded machine.
    const ttl = await startTestServer({ env: { SESSION_IDLE_TTL_SEC: '1' } });
    try {
      const g = httpClient(ttl.url);
      const p = (await g.request(CreateProjectDocument, { input: { name: 'ttl' } })).createProject.project.id;
      const v = (await uploadFile(ttl.url, p, fixture('discs.mp4'))).body.data.media.id;
      const s = (await g.request(StartSessionDocument, { input: { mediaId: v, model: 'demo-sam' } })).startSession.session;
      const [x, y] = DISCS[0].path(0);
      await g.request(AddPromptDocument, { input: { sessionId: s.id, frameIndex: 0, coordinates: 'PIXELS', points: [{ x, y }] } });
      const closed = await waitFor(async () => {
        const now = (await g.request(SessionDocument, { id: s.id })).session;
        return now.status === 'CLOSED' && now;
      }, 15_000, 100);
      expect(closed.closeReason).toBe('idle');
      expect(closed.live).toBe(false);
    } finally {
      await ttl.stop();
    }
  });

  it('the number of open sessions is capped (RESOURCE_EXHAUSTED)', async () => {
    const open = [await start(), await start(), await start()];
    const err = await gql.fail(StartSessionDocument, { input: { mediaId: videoId, model: 'demo-sam' } });
    expect(err.code).toBe('RESOURCE_EXHAUSTED');
    expect(err.extensions.retryable).toBe(true);
    await close(open[0].id);
    const next = await start();
    for (const s of [...open.slice(1), next]) await close(s.id);
    const list = await gql.request(SessionsDocument, { status: 'OPEN' });
    expect(list.sessions.totalCount).toBe(0);
  });

  it('errors carry codes', async () => {
    const s = await start();
    try {
      expect((await gql.fail(SessionDocument, { id: NO_ID })).code).toBe('NOT_FOUND');
      expect((await gql.fail(StartSessionDocument, { input: { mediaId: NO_ID } })).code).toBe('NOT_FOUND');
      expect((await gql.fail(StartSessionDocument, { input: { mediaId: videoId, model: 'nope' } })).code).toBe('NOT_FOUND');
      expect((await gql.fail(AddPromptDocument, { input: { sessionId: NO_ID, frameIndex: 0, points: [{ x: 0.5, y: 0.5 }] } })).code).toBe('NOT_FOUND');
      expect((await gql.fail(AddPromptDocument, { input: { sessionId: s.id, frameIndex: 0, objectId: 9, points: [{ x: 0.5, y: 0.5 }] } })).code).toBe('NOT_FOUND');
      expect((await gql.fail(RemoveObjectDocument, { input: { sessionId: s.id, objectId: 9 } })).code).toBe('NOT_FOUND');
      expect((await gql.fail(JobDocument, { id: NO_ID })).code).toBe('NOT_FOUND');
      expect((await gql.fail(CancelJobDocument, { input: { jobId: NO_ID } })).code).toBe('NOT_FOUND');
      for (const frameIndex of [-1, 60, 1000]) {
        expect((await gql.fail(AddPromptDocument, { input: { sessionId: s.id, frameIndex, points: [{ x: 0.5, y: 0.5 }] } })).code).toBe('BAD_USER_INPUT');
      }
      expect((await gql.fail(FrameMasksDocument, { sessionId: s.id, fromFrame: 50, toFrame: 70 })).code).toBe('BAD_USER_INPUT');
      expect((await gql.fail(AddPromptDocument, { input: { sessionId: s.id, frameIndex: 0, points: [] } })).code).toBe('BAD_USER_INPUT');
      expect((await gql.fail(PropagateDocument, { input: { sessionId: s.id } })).code).toBe('BAD_USER_INPUT');
      await click(s.id, 0, 0);
      expect((await gql.fail(PropagateDocument, { input: { sessionId: s.id, startFrame: 99 } })).code).toBe('BAD_USER_INPUT');
      const job = (await gql.request(PropagateDocument, { input: { sessionId: s.id } })).propagate.job;
      const busy = await gql.fail(PropagateDocument, { input: { sessionId: s.id } });
      if ((await gql.request(JobDocument, { id: job.id })).job.status !== 'COMPLETED') expect(busy.code).toBe('CONFLICT');
      await gql.request(CancelJobDocument, { input: { jobId: job.id } });
      await waitFor(async () => ['COMPLETED', 'CANCELLED'].includes((await gql.request(JobDocument, { id: job.id })).job.status));
    } finally {
      await close(s.id);
    }
  });

  it('a second propagation on a busy session is a CONFLICT', async () => {
    const longId = (await uploadFile(srv.url, projectId, fixture('discs-long.mp4'))).body.data.media.id;
    const s = (await gql.request(StartSessionDocument, { input: { mediaId: longId, model: 'demo-sam' } })).startSession.session;
    await click(s.id, 0, 0);
    const job = (await gql.request(PropagateDocument, { input: { sessionId: s.id } })).propagate.job;
    const err = await gql.fail(PropagateDocument, { input: { sessionId: s.id } });
    expect(err.code).toBe('CONFLICT');
    expect((await gql.fail(AddPromptDocument, { input: { sessionId: s.id, frameIndex: 3, points: [{ x: 0.5, y: 0.5 }] } })).code).toBe('CONFLICT');
    const cancelled = await gql.request(CancelJobDocument, { input: { jobId: job.id } });
    expect(['RUNNING', 'CANCELLED']).toContain(cancelled.cancelJob.job.status);
    await waitFor(async () => (await gql.request(JobDocument, { id: job.id })).job.status === 'CANCELLED');
    await close(s.id);
  });

  it('a corrupt or truncated video is refused with a code and leaves nothing', async () => {
    const { readFile } = await import('node:fs/promises');
    const bytes = await readFile(fixture('discs.mp4'));
    const count = await srv.app.db.prisma.media.count();
    for (const body of [bytes.subarray(0, Math.floor(bytes.length / 3)), Buffer.concat([bytes.subarray(0, 64), Buffer.alloc(5000, 7)])]) {
      const res = await fetch(`${srv.url}/upload?projectId=${projectId}`, { method: 'POST', body });
      expect(res.status).toBe(400);
      expect(((await res.json()) as any).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    }
    expect(await srv.app.db.prisma.media.count()).toBe(count);
    // A session on an image works too (one frame).
    const png = await toPng(drawPicture(64, 48, [{ kind: 'disc', color: [200, 30, 30], x: 32, y: 24, r: 12 }]));
    const img = (await gql.request(AddMediaDocument, { input: { projectId, base64: png.toString('base64') } })).addMedia.media;
    const s = (await gql.request(StartSessionDocument, { input: { mediaId: img.id } })).startSession.session;
    expect(s.totalFrames).toBe(1);
    const r = await gql.request(AddPromptDocument, { input: { sessionId: s.id, frameIndex: 0, points: [{ x: 0.5, y: 0.5 }] } });
    expect(r.addPrompt.frame.objects[0].mask!.area).toBeGreaterThan(300);
    await close(s.id);
  });
});
