// The load clients: closed loops (send, wait for the answer, send the next) until the deadline.
// Query clients mix list queries with segmentations of stored pictures (cached embeddings) and of
// fresh ones (an encoder run each); session clients open a tracking session, prompt, propagate,
// follow it over graphql-ws (sessionEvents with replay, and jobProgress) and close it.
import type { Client } from 'graphql-ws';
import type { LoadClient } from './client.js';
import { freshPicture, type Fixtures } from './fixtures.js';
import type { Recorder } from './recorder.js';

const PROJECTS = `query { projects(first: 20) { totalCount edges { node { id name } } } }`;
const MEDIA_LIST = `query($projectId: ID!) { mediaList(projectId: $projectId, first: 20) { totalCount edges { node { id kind width height } } } }`;
const SEGMENT = `mutation($input: SegmentImageInput!) { segmentImage(input: $input) { cacheHit objects { mask { area score } } } }`;
const START = `mutation($input: StartSessionInput!) { startSession(input: $input) { session { id } } }`;
const PROMPT = `mutation($input: AddPromptInput!) { addPrompt(input: $input) { objectId } }`;
const PROPAGATE = `mutation($input: PropagateInput!) { propagate(input: $input) { job { id } } }`;
const CLOSE = `mutation($input: SessionIdInput!) { closeSession(input: $input) { freedBytes } }`;
const EVENTS = `subscription($sessionId: ID!, $jobId: ID) { sessionEvents(sessionId: $sessionId, jobId: $jobId, replay: true) { kind frame { frameIndex } job { status error { code } } } }`;
const PROGRESS = `subscription($jobId: ID!) { jobProgress(jobId: $jobId) { status progress error { code } } }`;

/** Frames each propagation tracks. */
const PROPAGATE_FRAMES = 20;

export interface WorkerEnv {
  client: LoadClient;
  fixtures: Fixtures;
  recorder: Recorder;
  deadline: number;
  rand: () => number;
}

const click = (rand: () => number) => ({ points: [{ x: 0.1 + 0.8 * rand(), y: 0.1 + 0.8 * rand() }] });

export async function queryWorker({ client, fixtures, recorder, deadline, rand }: WorkerEnv): Promise<void> {
  const timed = async (op: string, query: string, variables?: Record<string, unknown>) => {
    const r = await client.gql(query, variables);
    recorder.record(op, r.ms, r.code);
  };
  while (Date.now() < deadline) {
    const p = rand();
    if (p < 0.25) await timed('projects', PROJECTS);
    else if (p < 0.5) await timed('mediaList', MEDIA_LIST, { projectId: fixtures.projectId });
    else if (p < 0.85) {
      const mediaId = fixtures.imageIds[Math.floor(rand() * fixtures.imageIds.length)];
      await timed('segmentImage cached', SEGMENT, { input: { mediaId, objects: [click(rand)] } });
    } else {
      await timed('segmentImage uncached', SEGMENT, { input: { imageBase64: await freshPicture(rand), objects: [click(rand)] } });
    }
  }
}

export async function sessionWorker(env: WorkerEnv): Promise<void> {
  const ws = env.client.ws();
  try {
    while (Date.now() < env.deadline) await sessionRound(env, ws);
  } finally {
    await ws.dispose();
  }
}

async function sessionRound({ client, fixtures, recorder }: WorkerEnv, ws: Client): Promise<void> {
  const step = async (op: string, query: string, variables: Record<string, unknown>) => {
    const r = await client.gql(query, variables);
    recorder.record(op, r.ms, r.code);
    return r.code ? undefined : r.data;
  };
  const started = await step('startSession', START, { input: { mediaId: fixtures.videoId } });
  if (!started) return;
  const sessionId: string = started.startSession.session.id;
  try {
    const { x, y } = fixtures.videoClick;
    if (!(await step('addPrompt', PROMPT, { input: { sessionId, frameIndex: 0, coordinates: 'PIXELS', points: [{ x, y }] } }))) return;
    const t0 = performance.now();
    const job = await step('propagate', PROPAGATE, { input: { sessionId, direction: 'FORWARD', maxFrames: PROPAGATE_FRAMES } });
    if (!job) return;
    const jobId: string = job.propagate.job.id;
    const [end] = await Promise.all([
      follow(ws, EVENTS, { sessionId, jobId }, (e) => {
        if (e.sessionEvents.kind === 'FRAME' && e.sessionEvents.frame.frameIndex === 0) recorder.record('sessionEvents first frame', performance.now() - t0, null);
        return e.sessionEvents.kind === 'FRAME' ? undefined : e.sessionEvents.job;
      }),
      follow(ws, PROGRESS, { jobId }, (e) => (['COMPLETED', 'FAILED', 'CANCELLED'].includes(e.jobProgress.status) ? e.jobProgress : undefined)),
    ]);
    recorder.record('propagation (20 frames)', performance.now() - t0, end.code ?? (end.job?.status === 'COMPLETED' ? null : (end.job?.error?.code ?? end.job?.status)));
  } finally {
    await step('closeSession', CLOSE, { input: { sessionId } });
  }
}

/** Follows a subscription until `until` returns the terminal value or the stream ends or fails. */
function follow(ws: Client, query: string, variables: Record<string, unknown>, until: (data: any) => any): Promise<{ job?: any; code?: string }> {
  return new Promise((resolve) => {
    let last: any;
    const stop = ws.subscribe<any>(
      { query, variables },
      {
        next: (r) => {
          if (r.errors?.length) return resolve({ code: String(r.errors[0]!.extensions?.code ?? 'NO_CODE') });
          const t = until(r.data);
          if (t) {
            last = t;
            resolve({ job: t });
            stop();
          }
        },
        error: (err) => resolve({ code: Array.isArray(err) ? String(err[0]?.extensions?.code ?? 'NO_CODE') : 'WS_CLOSED' }),
        complete: () => resolve(last ? { job: last } : { code: 'ENDED_EARLY' }),
      },
    );
  });
}
