// Jobs on BullMQ across real server processes (dist/src/main.js) sharing one PostgreSQL and one
// Redis: a batch segmentation runs in process A; process B starts meanwhile (and does not mark
// A's running job INTERRUPTED, as a lone process would); A is killed (SIGKILL) mid-job, and B
// takes the job over (BullMQ's stalled check), completes it, and stores every image's masks
// (checked against the drawn shapes). A subscriber on B follows the job from A's progress to B's end.
import { print } from 'graphql';
import { describe, expect, it } from 'vitest';
import { AddMediaDocument, CreateProjectDocument, JobDocument, JobProgressDocument, MediaMasksDocument, StartBatchSegmentationDocument, type JobProgressSubscription } from '../../client/generated/graphql.js';
import { decodeRle } from '../../src/engine/masks/coco-rle.js';
import { drawPicture, iou, toPng, type Picture } from '../support/draw.js';
import { httpClient, wsClient } from '../support/gql.js';
import { sharedUrls } from '../support/redis.js';
import type { ServerProcess } from '../support/server-process.js';
import { sharedFleet } from '../support/shared-fleet.js';

describe.skipIf(!sharedUrls)('jobs shared through BullMQ by two processes', () => {
  const fleet = sharedFleet('jobs');

  it('a job started through one process survives the SIGKILL of the process running it', { timeout: 240_000 }, async () => {
    const a = await fleet.spawn();
    const gqlA = httpClient(a.url);
    const projectId = (await gqlA.request(CreateProjectDocument, { input: { name: 'shared' } })).createProject.project.id;
    const pics: Picture[] = [];
    const ids: string[] = [];
    for (let i = 0; i < 14; i++) {
      const p = drawPicture(240, 180, [
        { kind: 'disc', color: [40, 60, 200], x: 60 + 3 * i, y: 70, r: 35 },
        { kind: 'rect', color: [200, 40, 40], x: 130, y: 60 + 2 * i, w: 70, h: 60 },
      ]);
      pics.push(p);
      ids.push((await gqlA.request(AddMediaDocument, { input: { projectId, base64: (await toPng(p)).toString('base64') } })).addMedia.media.id);
    }
    const job = (await gqlA.request(StartBatchSegmentationDocument, { input: { projectId, pointsPerSide: 32 } })).startBatchSegmentation.job;
    const started = (s: ServerProcess, attempt: number) => s.output().includes(`"jobId":"${job.id}","kind":"BATCH_SEGMENTATION","attempt":${attempt}`);
    while (!started(a, 1)) await new Promise((r) => setTimeout(r, 10));
    const b = await fleet.spawn();
    const [victim, survivor] = [a, b];
    const gql = httpClient(survivor.url);

    // Follow the job from the survivor, then kill the process that runs it.
    const ws = wsClient(survivor.url);
    const updates: JobProgressSubscription['jobProgress'][] = [];
    const followed = new Promise<void>((resolve, reject) => {
      ws.subscribe<JobProgressSubscription>({ query: print(JobProgressDocument), variables: { jobId: job.id } }, {
        next: (r) => (r.data ? updates.push(r.data.jobProgress) : reject(new Error(JSON.stringify(r.errors)))),
        error: reject,
        complete: resolve,
      });
    });
    while (updates.length === 0) await new Promise((r) => setTimeout(r, 10));
    await victim.kill('SIGKILL');
    const atKill = (await gql.request(JobDocument, { id: job.id })).job;
    expect(atKill.status).toBe('RUNNING'); // B's start left it to BullMQ: not marked interrupted
    expect(atKill.framesDone).toBeLessThan(pics.length);

    try {
      await followed;
    } finally {
      await ws.dispose();
    }
    expect(updates.at(-1)).toMatchObject({ status: 'COMPLETED', framesDone: pics.length, framesTotal: pics.length });
    expect(started(survivor, 2)).toBe(true);
    for (const [k, id] of ids.entries()) {
      const stored = (await gql.request(MediaMasksDocument, { id })).media.masks.map((m) => decodeRle({ size: [m.rle.size[0], m.rle.size[1]], counts: m.rle.counts }).data);
      for (const truth of pics[k].masks) expect(Math.max(...stored.map((m) => iou(m, truth)))).toBeGreaterThanOrEqual(0.9);
    }
  });
});
