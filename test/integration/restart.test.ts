// SIGKILL mid-propagation, then start again on the same data: no job is left RUNNING, the
// session reopens from its stored prompts, and the masks stored before the kill stay readable.
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, inject, it } from 'vitest';
import { AddPromptDocument, CreateProjectDocument, FrameMasksDocument, JobDocument, JobsDocument, PropagateDocument, SessionDocument, StartSessionDocument } from '../../client/generated/graphql.js';
import { DISCS } from '../support/discs-video.js';
import { httpClient, wsClient } from '../support/gql.js';
import { spawnServer } from '../support/server-process.js';
import { fixture, followSession, uploadFile, waitFor } from '../support/tracking.js';

let dataDir: string;
afterAll(() => rm(dataDir, { recursive: true, force: true }));

it('a server killed mid-propagation restarts with no job RUNNING and the session reopens', async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'maskql-kill-'));
  await cp(inject('pgliteTemplate'), path.join(dataDir, 'db'), { recursive: true });
  const env = { DATA_DIR: dataDir, MODELS_DIR: inject('modelsDir') };

  const first = await spawnServer(env);
  const gql = httpClient(first.url);
  const projectId = (await gql.request(CreateProjectDocument, { input: { name: 'k' } })).createProject.project.id;
  const videoId = (await uploadFile(first.url, projectId, fixture('discs-long.mp4'))).body.data.media.id;
  const s = (await gql.request(StartSessionDocument, { input: { mediaId: videoId, model: 'demo-sam' } })).startSession.session;
  for (const d of DISCS) {
    const [x, y] = d.path(0);
    await gql.request(AddPromptDocument, { input: { sessionId: s.id, frameIndex: 0, coordinates: 'PIXELS', points: [{ x, y }] } });
  }
  const job = (await gql.request(PropagateDocument, { input: { sessionId: s.id } })).propagate.job;
  const client = wsClient(first.url);
  await new Promise<void>((resolve) => {
    followSession(client, { sessionId: s.id, jobId: job.id }, (_e, seen) => {
      if (seen.length === 5) resolve();
    }).done.catch(() => undefined);
  });
  expect(await first.kill('SIGKILL')).toBe(null);
  await client.dispose().catch(() => undefined);

  // What a kill during a media write leaves: bytes without a row, and a temp file.
  const shard = path.join(dataDir, 'media', 'ff', 'ee');
  await mkdir(shard, { recursive: true });
  const orphan = path.join(shard, `ffee${'0'.repeat(60)}.png`);
  await writeFile(orphan, 'bytes whose row was never written');
  await writeFile(path.join(shard, '.tmp-interrupted'), 'half');

  const second = await spawnServer(env);
  try {
    const gql2 = httpClient(second.url);
    const after = (await gql2.request(JobDocument, { id: job.id })).job;
    expect(after.status).toBe('FAILED');
    expect(after.error).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', reason: 'INTERRUPTED', retryable: true });
    expect((await gql2.request(JobsDocument, { status: 'RUNNING' })).jobs.totalCount).toBe(0);
    const stored = (await gql2.request(FrameMasksDocument, { sessionId: s.id, limit: 2000 })).frameMasks;
    expect(stored.length).toBeGreaterThanOrEqual(5);
    // A frame's masks and the job's framesDone are written in one statement: equal after a kill.
    expect(after.framesDone).toBe(stored.length);
    const session = (await gql2.request(SessionDocument, { id: s.id })).session;
    expect(session).toMatchObject({ status: 'OPEN', live: false });
    expect(session.objects.map((o) => o.promptedFrames)).toEqual([[0], [0]]);
    // Used again, the session is rebuilt from its prompts and propagates.
    const again = (await gql2.request(PropagateDocument, { input: { sessionId: s.id, maxFrames: 20 } })).propagate.job;
    const done = await waitFor(async () => {
      const j = (await gql2.request(JobDocument, { id: again.id })).job;
      return j.status !== 'QUEUED' && j.status !== 'RUNNING' && j;
    });
    expect(done.status).toBe('COMPLETED');
    expect((await gql2.request(SessionDocument, { id: s.id })).session.live).toBe(true);
    expect(second.output()).toMatch(/recovered jobs of an earlier process/);
    expect(await readdir(shard)).toEqual([]);
    const kept = await srvMediaFiles(dataDir);
    expect(kept.length).toBeGreaterThanOrEqual(2); // the video and its thumbnail
    expect(second.output()).toMatch(/removed stored files no media referred to/);
  } finally {
    await second.kill('SIGTERM');
  }
});

async function srvMediaFiles(dataDir: string): Promise<string[]> {
  const all = await readdir(path.join(dataDir, 'media'), { recursive: true, withFileTypes: true });
  return all.filter((e) => e.isFile()).map((e) => e.name);
}
