// An inference failure mid-propagation, for real: the `faulty` model's encoder (ONNX Runtime)
// refuses every frame that carries a black corner mark, and the video is marked from frame 20 on.
// The job fails with INFERENCE_FAILED at that frame, the frames before it stay stored, and the
// session stays usable: prompts on clean frames work and a later propagation completes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { AddPromptDocument, CreateProjectDocument, FrameMasksDocument, JobDocument, PropagateDocument, SessionDocument, StartSessionDocument } from '../../client/generated/graphql.js';
import { DISCS } from '../support/discs-video.js';
import { encodeMarkedDiscsVideo, writeFaultyModel } from '../support/faulty-model.js';
import { httpClient, wsClient } from '../support/gql.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { followSession, uploadFile } from '../support/tracking.js';

const MARK_FROM = 20;
let dir: string;
let srv: TestServer;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'maskql-faulty-'));
  await writeFaultyModel(path.join(inject('modelsDir'), 'demo-sam'), path.join(dir, 'models', 'faulty'), 'faulty');
  await encodeMarkedDiscsVideo(path.join(dir, 'marked.mp4'), MARK_FROM);
  srv = await startTestServer({ env: { MODELS_DIR: path.join(dir, 'models'), DEFAULT_MODEL: 'faulty' } });
});
afterAll(async () => {
  await srv?.stop();
  await rm(dir, { recursive: true, force: true });
});

const at = (frame: number) => {
  const [x, y] = DISCS[0].path(frame);
  return { coordinates: 'PIXELS' as const, points: [{ x, y }] };
};

it('fails the job with INFERENCE_FAILED and leaves the session usable', async () => {
  const gql = httpClient(srv.url);
  const projectId = (await gql.request(CreateProjectDocument, { input: { name: 'faults' } })).createProject.project.id;
  const videoId = (await uploadFile(srv.url, projectId, path.join(dir, 'marked.mp4'))).body.data.media.id;
  const sessionId = (await gql.request(StartSessionDocument, { input: { mediaId: videoId } })).startSession.session.id;
  await gql.request(AddPromptDocument, { input: { sessionId, frameIndex: 0, ...at(0) } });

  const job = (await gql.request(PropagateDocument, { input: { sessionId, direction: 'FORWARD' } })).propagate.job;
  const ws = wsClient(srv.url);
  try {
    const events = await followSession(ws, { sessionId, jobId: job.id, replay: true }).done;
    const frames = events.filter((e) => e.kind === 'FRAME').map((e) => e.frame!.frameIndex);
    expect(frames).toEqual(Array.from({ length: MARK_FROM }, (_, i) => i));
    const last = events.at(-1)!;
    expect(last.kind).toBe('FAILED');
    expect(last.job!.error).toMatchObject({ code: 'INFERENCE_FAILED', retryable: true });
    expect(last.job!.error!.message).toMatch(/faulty/);
  } finally {
    await ws.dispose();
  }
  const failed = (await gql.request(JobDocument, { id: job.id })).job;
  expect(failed).toMatchObject({ status: 'FAILED', framesDone: MARK_FROM, error: { code: 'INFERENCE_FAILED' } });
  expect((await gql.request(FrameMasksDocument, { sessionId, limit: 100 })).frameMasks).toHaveLength(MARK_FROM);

  // The session is still open, live and idle, and answers prompts.
  expect((await gql.request(SessionDocument, { id: sessionId })).session).toMatchObject({ status: 'OPEN', live: true, activeJob: null });
  const refined = (await gql.request(AddPromptDocument, { input: { sessionId, objectId: 1, frameIndex: 10, ...at(10) } })).addPrompt;
  expect(refined.frame.objects[0].mask!.area).toBeGreaterThan(1000);
  // A prompt on a marked frame fails the same way, as a GraphQL error with its code...
  const err = await gql.fail(AddPromptDocument, { input: { sessionId, objectId: 1, frameIndex: MARK_FROM + 5, ...at(MARK_FROM + 5) } });
  expect(err).toMatchObject({ code: 'INFERENCE_FAILED', extensions: { retryable: true } });
  // ...and changes nothing: the next propagation over clean frames completes.
  const again = (await gql.request(PropagateDocument, { input: { sessionId, direction: 'BACKWARD', startFrame: 15 } })).propagate.job;
  const ws2 = wsClient(srv.url);
  try {
    const events = await followSession(ws2, { sessionId, jobId: again.id, replay: true }).done;
    expect(events.at(-1)!.kind).toBe('COMPLETED');
    expect(events.filter((e) => e.kind === 'FRAME')).toHaveLength(16);
  } finally {
    await ws2.dispose();
  }
  const session = (await gql.request(SessionDocument, { id: sessionId })).session;
  expect(session.objects).toEqual([expect.objectContaining({ objectId: 1, promptedFrames: [0, 10] })]);
});
