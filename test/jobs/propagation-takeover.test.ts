// A propagation taken over by another process continues from the last stored frame. Two real
// server processes (dist/src/main.js) share one PostgreSQL, one Redis and one data folder; a
// SAM 2 video propagation runs in one of them, which is killed (SIGKILL) mid-way; the other takes
// the job over (BullMQ's stalled check), resumes after the frames already stored, and completes
// it. Subscribers on both processes, listening before the job starts, see every frame published
// exactly once; a late subscriber with replay gets every frame once too; the stored masks follow
// the drawn moving discs (IoU).
import { describe, expect, it } from 'vitest';
import { AddPromptDocument, CreateProjectDocument, FrameMasksDocument, JobDocument, PropagateDocument, StartSessionDocument } from '../../client/generated/graphql.js';
import { decodeRle } from '../../src/engine/index.js';
import { DISCS, discMask } from '../support/discs-video.js';
import { iou } from '../support/draw.js';
import { httpClient, wsClient } from '../support/gql.js';
import { sharedUrls, untilSubscribed } from '../support/redis.js';
import type { ServerProcess } from '../support/server-process.js';
import { sharedFleet } from '../support/shared-fleet.js';
import { fixture, followSession, uploadFile, waitFor, type SessionEventData } from '../support/tracking.js';

const FRAMES = 60;
/** Frames the survivor's subscriber sees before the process running the job is killed. */
const BEFORE_KILL = 15;
const MIN_IOU = 0.85;

if (!sharedUrls) console.log('propagation takeover test skipped: it needs TEST_DATABASE_URL and TEST_REDIS_URL (two processes sharing PostgreSQL and Redis)');

describe.skipIf(!sharedUrls)('a propagation taken over by another process', () => {
  const fleet = sharedFleet('takeover');

  it('continues from the last stored frame: no frame lost, none stored or published twice, COMPLETED', { timeout: 480_000 }, async () => {
    const a = await fleet.spawn();
    const b = await fleet.spawn();
    const gqlA = httpClient(a.url);
    const projectId = (await gqlA.request(CreateProjectDocument, { input: { name: 'takeover' } })).createProject.project.id;
    const videoId = (await uploadFile(a.url, projectId, fixture('discs-long.mp4'))).body.data.media.id;
    const session = (await gqlA.request(StartSessionDocument, { input: { mediaId: videoId, model: 'demo' } })).startSession.session;
    expect(session.tracker).toBe('SAM2_VIDEO');
    for (const d of DISCS) {
      const [x, y] = d.path(0);
      await gqlA.request(AddPromptDocument, { input: { sessionId: session.id, frameIndex: 0, coordinates: 'PIXELS', points: [{ x, y }] } });
    }

    // One subscriber on each process, listening before the job exists (no jobId: nothing is
    // de-duplicated for them, so a frame published twice would arrive twice).
    const clients = [wsClient(a.url), wsClient(b.url)];
    const follows = clients.map((c) => followSession(c, { sessionId: session.id }));
    // The victim's subscriber ends with its socket: that end is expected, not a failure.
    for (const f of follows) f.done.catch(() => undefined);
    await Promise.race([
      untilSubscribed(`${fleet.prefix}events:session:events:${session.id}`, 2),
      new Promise((_, reject) => setTimeout(() => reject(new Error('the two subscriptions did not reach Redis')), 30_000)),
    ]);

    const job = (await gqlA.request(PropagateDocument, { input: { sessionId: session.id, maxFrames: FRAMES } })).propagate.job;
    expect(job.framesTotal).toBe(FRAMES);
    const started = (s: ServerProcess, attempt: number) => s.output().includes(`"jobId":"${job.id}","kind":"PROPAGATION","attempt":${attempt}`);
    const victim = await waitFor(async () => (started(a, 1) ? a : started(b, 1) ? b : undefined), 60_000);
    const survivor = victim === a ? b : a;
    const survivorFollow = follows[victim === a ? 1 : 0];
    const frameEvents = (events: SessionEventData[]) => events.filter((e) => e.kind === 'FRAME' && e.jobId === job.id);

    await waitFor(async () => frameEvents(survivorFollow.events).length >= BEFORE_KILL, 120_000);
    expect(await victim.kill('SIGKILL')).toBe(null);
    const gql = httpClient(survivor.url);
    const atKill = (await gql.request(JobDocument, { id: job.id })).job;
    expect(atKill.status).toBe('RUNNING');
    expect(atKill.framesDone).toBeLessThan(FRAMES);

    // The survivor takes the job over and finishes it; its subscriber sees the end.
    await waitFor(async () => survivorFollow.events.some((e) => e.kind !== 'FRAME' && e.jobId === job.id), 200_000, 100);
    for (const f of follows) f.stop();
    const end = survivorFollow.events.find((e) => e.kind !== 'FRAME' && e.jobId === job.id)!;
    expect(end.kind).toBe('COMPLETED');
    expect(end.job).toMatchObject({ status: 'COMPLETED', framesDone: FRAMES, framesTotal: FRAMES });
    expect(started(survivor, 2)).toBe(true);
    const resumed = survivor.output().split('\n').find((l) => l.includes('propagation resumed after the frames already stored'));
    expect(resumed, 'the survivor resumed instead of starting over').toBeDefined();
    const framesStored = JSON.parse(resumed!).framesStored as number;
    expect(framesStored).toBeGreaterThanOrEqual(BEFORE_KILL);

    // Every frame published exactly once, across both processes: the victim's before the kill,
    // the survivor's after.
    const counts = new Map<number, number>();
    for (const e of frameEvents(survivorFollow.events)) counts.set(e.frame!.frameIndex, (counts.get(e.frame!.frameIndex) ?? 0) + 1);
    expect([...counts.keys()].sort((x, y) => x - y)).toEqual(Array.from({ length: FRAMES }, (_, i) => i));
    expect([...counts.values()].every((n) => n === 1), `frames published more than once: ${[...counts].filter(([, n]) => n > 1).map(([f]) => f)}`).toBe(true);
    // In plan order: the frames before the resume point, then the rest.
    expect(frameEvents(survivorFollow.events).map((e) => e.frame!.frameIndex)).toEqual(Array.from({ length: FRAMES }, (_, i) => i));

    // A late subscriber with replay: every stored frame once, then the end.
    const late = wsClient(survivor.url);
    clients.push(late);
    const replayed = await followSession(late, { sessionId: session.id, jobId: job.id, replay: true }).done;
    expect(replayed.filter((e) => e.kind === 'FRAME').map((e) => e.frame!.frameIndex)).toEqual(Array.from({ length: FRAMES }, (_, i) => i));
    expect(replayed.at(-1)!.kind).toBe('COMPLETED');

    // Stored once per frame and object, following the drawn discs.
    const stored = (await gql.request(FrameMasksDocument, { sessionId: session.id, limit: 2000 })).frameMasks;
    expect(stored.map((f) => f.frameIndex)).toEqual(Array.from({ length: FRAMES }, (_, i) => i));
    let worst = 1;
    for (const f of stored) {
      expect(f.objects.map((o) => o.objectId)).toEqual([1, 2]);
      for (const [k, o] of f.objects.entries()) {
        const v = o.mask ? iou(decodeRle({ size: [o.mask.rle.size[0], o.mask.rle.size[1]], counts: o.mask.rle.counts }).data, discMask(k, f.frameIndex)) : 0;
        worst = Math.min(worst, v);
        expect(v, `object ${o.objectId} on frame ${f.frameIndex} (resumed at ${framesStored})`).toBeGreaterThanOrEqual(MIN_IOU);
      }
    }
    console.log(`takeover: ${framesStored} frames stored before the kill, the rest by the survivor; worst per-frame IoU ${worst.toFixed(3)}`);
    expect((await gql.request(JobDocument, { id: job.id })).job).toMatchObject({ status: 'COMPLETED', framesDone: FRAMES });
    for (const c of clients) await c.dispose().catch(() => undefined);
  });
});
