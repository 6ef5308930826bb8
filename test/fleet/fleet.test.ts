// The fleet: two api and two worker processes of the built server (dist/src/main.js) on loopback,
// sharing the machine's PostgreSQL and Redis. Clicks on one image go to one worker through either
// api (its embedding cache answers the second); errors raised on a worker arrive coded as on one
// process; a subscriber on api 1 receives every frame of a propagation started through api 2,
// once and in order; a rate limit and a revocation cross the api processes; the SIGKILL of the
// worker holding an image, in the middle of a call on it, costs that call some time, not an error;
// the SIGKILL of a session's worker between two prompts costs the next prompt a rebuild from the
// stored prompts on the survivor, with the same masks; the SIGKILL of the worker running a
// propagation hands the job to the other, which finishes it. A session lives on the worker holding its
// lease (the one that last worked on it), and the caps on sessions count every worker.
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  AddMediaDocument,
  AddPromptDocument,
  CreateProjectDocument,
  FrameMasksDocument,
  PropagateDocument,
  SegmentEverythingDocument,
  SegmentImageDocument,
  StartSessionDocument,
} from '../../client/generated/graphql.js';
import { decodeRle } from '../../src/engine/masks/coco-rle.js';
import { runAs } from '../support/auth.js';
import { DISCS, discMask } from '../support/discs-video.js';
import { drawPicture, iou, toPng, type Picture } from '../support/draw.js';
import { startFleet, type Fleet, type FleetProcess } from '../support/fleet.js';
import { Redis } from 'ioredis';
import { rankWorkers } from '../../src/fleet/rendezvous.js';
import { httpClient, wsClient } from '../support/gql.js';
import { sharedUrls, untilSubscribed } from '../support/redis.js';
import { fixture, followSession, uploadFile, waitFor } from '../support/tracking.js';

if (!sharedUrls) console.log('fleet tests skipped: they need TEST_DATABASE_URL and TEST_REDIS_URL (set by .ci/run)');

const rleIou = (m: { rle: { size: number[]; counts: string } }, truth: Uint8Array) => iou(decodeRle({ size: [m.rle.size[0]!, m.rle.size[1]!], counts: m.rle.counts }).data, truth);
const FRAMES = 24;
const SERVED = (call: string) => `maskql_fleet_calls_served_total{call="${call}",outcome="ok"}`;

describe.skipIf(!sharedUrls)('a fleet of two api and two worker processes', () => {
  let fleet: Fleet;
  let admin: Record<string, string>;
  // /metrics is for admins and spends their bucket: its own key.
  let scraper: Record<string, string>;
  let gql1: ReturnType<typeof httpClient>;
  let gql2: ReturnType<typeof httpClient>;
  let projectId: string;
  let videoSession: string;
  const pictures: Picture[] = [];
  const mediaIds: string[] = [];
  // Which worker served how many calls of a kind (read from each worker's /metrics).
  const served = async (call: string) => Promise.all(fleet.workers.filter((w) => w.alive()).map(async (w) => [w, await fleet.metric(w, SERVED(call), scraper)] as const));

  beforeAll(async () => {
    fleet = await startFleet({
      apis: 2,
      workers: 2,
      urls: sharedUrls!,
      modelsDir: inject('modelsDir'),
      template: inject('postgresTemplate'),
      env: { AUTH_MODE: 'apikey', RATE_LIMIT_PER_SEC: '0.1', RATE_LIMIT_BURST: '300', RATE_COST_INFERENCE: '1', WS_AUTH_RECHECK_MS: '3600000', SESSION_MAX_OPEN_PER_KEY: '3' },
    });
    admin = { authorization: `Bearer ${await fleet.key(['admin'])}` };
    scraper = { authorization: `Bearer ${await fleet.key(['admin'])}` };
    gql1 = httpClient(fleet.apis[0]!.url, scraper);
    gql2 = httpClient(fleet.apis[1]!.url, scraper);
    projectId = (await gql1.request(CreateProjectDocument, { input: { name: 'fleet' } })).createProject.project.id;
    for (let i = 0; i < 2; i++) {
      const p = drawPicture(480, 360, [
        { kind: 'disc', color: [40, 60, 200], x: 120 + 20 * i, y: 140, r: 70 },
        { kind: 'rect', color: [200, 40, 40], x: 260, y: 120 + 10 * i, w: 150, h: 120 },
      ]);
      pictures.push(p);
      mediaIds.push((await gql1.request(AddMediaDocument, { input: { projectId, base64: (await toPng(p)).toString('base64') } })).addMedia.media.id);
    }
  }, 180_000);
  afterAll(async () => {
    await fleet?.dispose();
  }, 60_000);

  it('the api processes load no model and run no job; each worker is in the live set', async () => {
    const health = await Promise.all(fleet.workers.map(async (w) => (await fetch(`${w.url}/healthz`)).json() as Promise<{ role: string; workerId: string }>));
    expect(health.map((h) => h.role)).toEqual(['worker', 'worker']);
    expect(new Set(health.map((h) => h.workerId)).size).toBe(2);
    // A worker has no GraphQL port.
    expect((await fetch(`${fleet.workers[0]!.url}/graphql`, { method: 'POST' })).status).toBe(404);
  });

  it('clicks on one image through either api land on one worker, whose cache answers the second', async () => {
    const [disc, rect] = [pictures[0]!.masks[0]!, pictures[0]!.masks[1]!];
    const first = (await gql1.request(SegmentImageDocument, { input: { mediaId: mediaIds[0]!, coordinates: 'PIXELS', objects: [{ points: [{ x: 120, y: 140 }] }] } })).segmentImage;
    const second = (await gql2.request(SegmentImageDocument, { input: { mediaId: mediaIds[0]!, coordinates: 'PIXELS', objects: [{ points: [{ x: 330, y: 180 }] }] } })).segmentImage;
    expect(first.cacheHit).toBe(false);
    expect(second.cacheHit).toBe(true); // the same worker: its embedding cache held the image
    expect(rleIou(first.objects[0]!.mask, disc)).toBeGreaterThan(0.9);
    expect(rleIou(second.objects[0]!.mask, rect)).toBeGreaterThan(0.9);
    const counts = (await served('segmentation.segmentImage')).map(([, n]) => n).sort();
    expect(counts).toEqual([0, 2]);
    // The api processes loaded no model: they only routed.
    for (const api of fleet.apis) {
      const health = (await (await fetch(`${api.url}/healthz`)).json()) as { models: { state: string }[] };
      expect(health.models.filter((m) => m.state !== 'unloaded')).toEqual([]);
    }
  });

  it('an error raised on a worker reaches the client with its code, as on one process', async () => {
    const unknownModel = await gql2.fail(SegmentImageDocument, { input: { mediaId: mediaIds[0]!, model: 'nope', objects: [{ points: [{ x: 0.5, y: 0.5 }] }] } });
    expect(unknownModel).toMatchObject({ code: 'NOT_FOUND', extensions: { field: 'input.model' } });
    expect(unknownModel.message).toMatch(/Unknown model "nope"/);
    const outside = await gql1.fail(SegmentImageDocument, { input: { mediaId: mediaIds[0]!, objects: [{ points: [{ x: 1.5, y: 0.5 }] }] } });
    expect(outside.code).toBe('BAD_USER_INPUT');
    expect(outside.extensions.field).toMatch(/^input\.objects\.0\.points\.0/);
    const grid = await gql1.fail(SegmentEverythingDocument, { input: { mediaId: mediaIds[0]!, pointsPerSide: 1000 } });
    expect(grid).toMatchObject({ code: 'BAD_USER_INPUT', extensions: { field: 'input.pointsPerSide' } });
  });

  it('a subscriber on api 1 receives every frame of a propagation started through api 2, once and in order', async () => {
    const upload = await uploadFile(fleet.apis[1]!.url, projectId, fixture('discs.mp4'), scraper);
    expect(upload.status).toBe(201);
    const sessionId = (videoSession = (await gql2.request(StartSessionDocument, { input: { mediaId: upload.body.data.media.id, model: 'demo-sam' } })).startSession.session.id);
    const ids: number[] = [];
    for (const d of DISCS) {
      const [cx, cy] = d.path(0);
      ids.push((await gql2.request(AddPromptDocument, { input: { sessionId, frameIndex: 0, coordinates: 'PIXELS', points: [{ x: cx, y: cy }] } })).addPrompt.objectId);
    }
    const ws = wsClient(fleet.apis[0]!.url, scraper);
    try {
      const follow = followSession(ws, { sessionId });
      await untilSubscribed(`${fleet.prefix}events:session:events:${sessionId}`);
      const job = (await gql2.request(PropagateDocument, { input: { sessionId, direction: 'FORWARD', maxFrames: FRAMES } })).propagate.job;
      const events = await Promise.race([follow.done, waitFor(async () => follow.events.some((e) => e.kind === 'COMPLETED') && follow.events, 90_000)]);
      follow.stop();
      const frames = events.filter((e) => e.kind === 'FRAME' && e.jobId === job.id).map((e) => e.frame!);
      expect(frames.map((f) => f.frameIndex)).toEqual(Array.from({ length: FRAMES }, (_, i) => i));
      for (const f of frames) {
        ids.forEach((id, k) => expect(rleIou(f.objects.find((o) => o.objectId === id)!.mask!, discMask(k, f.frameIndex))).toBeGreaterThan(0.8));
      }
      expect(events.at(-1)).toMatchObject({ kind: 'COMPLETED', jobId: job.id });
      // The session takes prompts again through either api, whichever worker ran the job.
      const again = await gql1.request(AddPromptDocument, { input: { sessionId, frameIndex: FRAMES, objectId: ids[0], coordinates: 'PIXELS', points: [{ x: DISCS[0]!.path(FRAMES)[0], y: DISCS[0]!.path(FRAMES)[1] }] } });
      expect(rleIou(again.addPrompt.frame.objects.find((o) => o.objectId === ids[0])!.mask!, discMask(0, FRAMES))).toBeGreaterThan(0.8);
    } finally {
      await ws.dispose();
    }
  }, 120_000);

  it('a session lives on one worker at a time: the holder of its lease serves its calls and shows its live state through either api', async () => {
    const sessionId = videoSession;
    const redis = new Redis(sharedUrls!.redis);
    try {
      // The job may have run on either worker; whichever did holds the session now (it claimed it).
      const holder = await redis.get(`${fleet.prefix}session-lease:${sessionId}`);
      expect(fleet.workers.map((w) => w.workerId)).toContain(holder);
      const before = await served('sessions.addPrompt');
      const [x, y] = DISCS[1]!.path(FRAMES);
      await gql2.request(AddPromptDocument, { input: { sessionId, frameIndex: FRAMES, coordinates: 'PIXELS', points: [{ x, y }] } });
      const after = await served('sessions.addPrompt');
      expect(after.filter(([w, n]) => n > before.find(([v]) => v === w)![1]).map(([w]) => w.workerId)).toEqual([holder]);
      // One live copy in the fleet: a worker that held it before the job dropped its copy.
      const open = async () => (await Promise.all(fleet.workers.map((w) => fleet.metric(w, 'maskql_sessions_open', scraper)))).reduce((a, b) => a + b, 0);
      await waitFor(async () => (await open()) === 1, 10_000);
      // The api processes hold no session, yet show the holder's live state.
      for (const gql of [gql1, gql2]) {
        const { session } = (await gql.raw('query($id: ID!) { session(id: $id) { live tracker memoryBytes activeJob { id } } }', { id: sessionId })).data as any;
        expect(session).toMatchObject({ live: true, tracker: 'PREVIOUS_MASK', activeJob: null });
        expect(session.memoryBytes).toBeGreaterThan(0);
      }
      // And the models as a worker has them (an api loads none): the worker `models` is routed to
      // has run `demo` once a click on an image of its own has gone through.
      const ids = fleet.workers.filter((w) => w.alive()).map((w) => w.workerId!);
      const answering = rankWorkers('models', ids)[0]!;
      let mine: string | undefined;
      for (let i = 0; !mine; i++) {
        const p = drawPicture(160, 120, [{ kind: 'disc', color: [200, 200, 40], x: 60 + i, y: 60, r: 30 }]);
        const id = (await gql1.request(AddMediaDocument, { input: { projectId, base64: (await toPng(p)).toString('base64') } })).addMedia.media.id;
        if (rankWorkers(`media:${id}`, ids)[0] === answering) mine = id;
      }
      await gql1.request(SegmentImageDocument, { input: { mediaId: mine, model: 'demo', objects: [{ points: [{ x: 0.4, y: 0.5 }] }] } });
      const models = ((await gql1.raw('{ models { name loaded available } }')).data as any).models as { name: string; loaded: boolean; available: boolean }[];
      expect(models.map((m) => m.name)).toEqual(expect.arrayContaining(['demo', 'demo-sam']));
      expect(models.every((m) => m.available)).toBe(true);
      expect(models.find((m) => m.name === 'demo')!.loaded).toBe(true);
    } finally {
      redis.disconnect();
    }
  }, 60_000);

  it('SESSION_MAX_OPEN_PER_KEY counts a key\'s sessions on every worker, and a close through either api frees a slot', async () => {
    const key = { authorization: `Bearer ${await fleet.key(['write'])}` };
    const [k1, k2] = [httpClient(fleet.apis[0]!.url, key), httpClient(fleet.apis[1]!.url, key)];
    // Images whose sessions start on each of the two workers (rendezvous hashing on their media).
    const ids = fleet.workers.map((w) => w.workerId!);
    const byWorker = new Map<string, string[]>(ids.map((w) => [w, []]));
    for (let i = 0; [...byWorker.values()].some((m) => m.length < 2); i++) {
      const p = drawPicture(160, 120, [{ kind: 'disc', color: [30, 200, 60], x: 40 + i, y: 60, r: 30 }]);
      const id = (await k1.request(AddMediaDocument, { input: { projectId, base64: (await toPng(p)).toString('base64') } })).addMedia.media.id;
      byWorker.get(rankWorkers(`media:${id}`, ids)[0]!)!.push(id);
    }
    const [a, b] = ids.map((w) => byWorker.get(w)!);
    const start = (gql: typeof k1, mediaId: string) => gql.request(StartSessionDocument, { input: { mediaId, model: 'demo' } });
    const opened = [await start(k1, a![0]!), await start(k2, b![0]!), await start(k1, a![1]!)].map((r) => r.startSession.session.id);
    // The fourth, on the worker that holds one of them, is refused: the cap counts both workers.
    const refused = await k2.fail(StartSessionDocument, { input: { mediaId: b![1]!, model: 'demo' } });
    expect(refused.code).toBe('RESOURCE_EXHAUSTED');
    expect(refused.message).toMatch(/At most 3 sessions can be open at once per key/);
    await k2.raw('mutation($id: ID!) { closeSession(input: { sessionId: $id }) { session { status } } }', { id: opened[0] });
    expect((await start(k2, b![1]!)).startSession.session.id).toBeTruthy();
  }, 60_000);

  it('a rate limit spent through api 1 holds on api 2', async () => {
    const k = await fleet.key(['read']);
    // A read the api answers itself (no hop to a worker): 300 of them take a few seconds, well
    // inside the 10 s in which RATE_LIMIT_PER_SEC=0.1 would give one token back.
    const read = { query: '{ projects(first: 1) { totalCount } }' };
    const [a, b] = fleet.apis.map((p) => p.url) as [string, string];
    for (let i = 0; i < 300; i++) expect((await runAs('http', i < 150 ? a : b, k, read)).result).toBe('ok');
    expect(await runAs('http', b, k, read)).toMatchObject({ result: 'RATE_LIMITED', status: 429 });
    expect(await runAs('http', a, k, read)).toMatchObject({ result: 'RATE_LIMITED', status: 429 });
  });

  it('a key revoked through api 1 closes its socket on api 2 (4403)', async () => {
    const created = (await gql1.raw('mutation { createApiKey(input: { name: "watcher", scopes: [read] }) { secret apiKey { id } } }')).data as { createApiKey: { secret: string; apiKey: { id: string } } };
    const { secret, apiKey } = created.createApiKey;
    const ws = wsClient(fleet.apis[1]!.url, { authorization: `Bearer ${secret}` });
    try {
      const ended = new Promise<unknown>((resolve) => ws.subscribe({ query: 'subscription($s: ID!) { sessionEvents(sessionId: $s) { kind } }', variables: { s: videoSession } }, { next: () => undefined, error: resolve, complete: () => resolve('completed') }));
      await untilSubscribed(`${fleet.prefix}events:session:events:${videoSession}`);
      const revoked = await gql1.raw('mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { revokedAt } } }', { id: apiKey.id });
      expect(revoked.errors).toBeUndefined();
      expect(((await ended) as { code?: number }).code).toBe(4403);
    } finally {
      await ws.dispose();
    }
  });

  it('SIGKILL of the worker holding an image mid-call: the call and the next click are served by the other worker', async () => {
    const mediaId = mediaIds[1]!;
    const truth = pictures[1]!.masks[0]!;
    const click = (gql: typeof gql1) => gql.request(SegmentImageDocument, { input: { mediaId, coordinates: 'PIXELS', objects: [{ points: [{ x: 140, y: 140 }] }] } });
    const before = await served('segmentation.segmentImage');
    await click(gql1);
    const after = await served('segmentation.segmentImage');
    const holder = after.find(([w, n]) => n > before.find(([v]) => v === w)![1])![0];
    const survivor = fleet.workers.find((w) => w !== holder)!;

    // A long call on the image (segment everything over a dense grid), killed while it runs.
    const long = gql2.request(SegmentEverythingDocument, { input: { mediaId, pointsPerSide: 48 } });
    const running = `maskql_inference_queue_depth{device="cpu",state="running"}`;
    await waitFor(async () => (await fleet.metric(holder, running, scraper)) > 0, 30_000, 10);
    await holder.kill('SIGKILL');
    const everything = (await long).segmentEverything;
    expect(everything.masks.length).toBeGreaterThan(0);
    expect(Math.max(...everything.masks.map((m) => rleIou(m, truth)))).toBeGreaterThan(0.9);
    expect(await fleet.metric(survivor, SERVED('segmentation.segmentEverything'), scraper)).toBe(1);
    expect(await fleet.metric(fleet.apis[1]!, 'maskql_fleet_calls_rerouted_total', scraper)).toBeGreaterThanOrEqual(1);

    // The next click on the image goes to the survivor, from either api, and finds it cached there.
    const next = (await click(gql1)).segmentImage;
    expect(next.cacheHit).toBe(true);
    expect(rleIou(next.objects[0]!.mask, truth)).toBeGreaterThan(0.9);
    expect(await fleet.metric(survivor, SERVED('segmentation.segmentImage'), scraper)).toBeGreaterThanOrEqual(1);
  }, 90_000);

  it('SIGKILL of a session\'s worker between two prompts: the next addPrompt answers as without the kill', async () => {
    // Two workers again (the test above killed one).
    fleet.workers.push(await fleet.spawn('worker'));
    const upload = await uploadFile(fleet.apis[0]!.url, projectId, fixture('discs.mp4'), scraper);
    const mediaId = upload.body.data.media.id as string;
    const prompt = (gql: typeof gql1, sessionId: string, k: number) => {
      const [x, y] = DISCS[k]!.path(0);
      return gql.request(AddPromptDocument, { input: { sessionId, frameIndex: 0, coordinates: 'PIXELS', points: [{ x, y }] } });
    };
    const start = async () => (await gql1.request(StartSessionDocument, { input: { mediaId, model: 'demo' } })).startSession.session.id;

    // Without a kill: both prompts on one live session.
    const control = await start();
    const ids = [(await prompt(gql1, control, 0)).addPrompt.objectId];
    const expected = (await prompt(gql1, control, 1)).addPrompt;
    ids.push(expected.objectId);

    const sessionId = await start();
    const before = await served('sessions.addPrompt');
    await prompt(gql1, sessionId, 0);
    const after = await served('sessions.addPrompt');
    const owner = after.find(([w, n]) => n > before.find(([v]) => v === w)![1])![0];
    await owner.kill('SIGKILL');

    // The next prompt, through the other api, is served by the survivor, which rebuilds the
    // session from its stored prompts: the same masks as the control's, and no error.
    const got = (await prompt(gql2, sessionId, 1)).addPrompt;
    expect(got.objectId).toBe(expected.objectId);
    for (const [k, id] of ids.entries()) {
      const mine = got.frame.objects.find((o) => o.objectId === id)!.mask!;
      const theirs = expected.frame.objects.find((o) => o.objectId === id)!.mask!;
      expect(mine.rle.counts).toBe(theirs.rle.counts);
      expect(rleIou(mine, discMask(k, 0))).toBeGreaterThan(0.8);
    }
  }, 120_000);

  it('SIGKILL of the worker running a propagation mid-way: the other worker finishes it, every frame once, on the discs', async () => {
    // Two workers again (the test above killed one).
    fleet.workers.push(await fleet.spawn('worker'));
    const upload = await uploadFile(fleet.apis[0]!.url, projectId, fixture('discs-long.mp4'), scraper);
    const sessionId = (await gql1.request(StartSessionDocument, { input: { mediaId: upload.body.data.media.id, model: 'demo' } })).startSession.session.id;
    const ids: number[] = [];
    for (const d of DISCS) {
      const [x, y] = d.path(0);
      ids.push((await gql1.request(AddPromptDocument, { input: { sessionId, frameIndex: 0, coordinates: 'PIXELS', points: [{ x, y }] } })).addPrompt.objectId);
    }
    const ws = wsClient(fleet.apis[1]!.url, scraper);
    const redis = new Redis(sharedUrls!.redis);
    try {
      const follow = followSession(ws, { sessionId });
      await untilSubscribed(`${fleet.prefix}events:session:events:${sessionId}`);
      const total = 200;
      const job = (await gql1.request(PropagateDocument, { input: { sessionId, direction: 'FORWARD', maxFrames: total } })).propagate.job;
      await waitFor(async () => follow.events.filter((e) => e.kind === 'FRAME').length >= 20, 60_000);
      // The worker running the job holds the session's lease (it claimed it to run the job).
      const running = await redis.get(`${fleet.prefix}session-lease:${sessionId}`);
      const victim = fleet.workers.find((w) => w.workerId === running && w.alive())!;
      expect(victim).toBeDefined();
      await victim.kill('SIGKILL');
      const events = await Promise.race([follow.done, waitFor(async () => follow.events.some((e) => e.kind !== 'FRAME') && follow.events, 120_000)]);
      follow.stop();
      expect(events.at(-1)).toMatchObject({ kind: 'COMPLETED', jobId: job.id });
      const frames = events.filter((e) => e.kind === 'FRAME' && e.jobId === job.id).map((e) => e.frame!.frameIndex);
      expect(new Set(frames).size).toBe(frames.length); // none published twice
      // Every frame stored once, on the discs, whichever worker computed it.
      const stored = await gql2.request(FrameMasksDocument, { sessionId, fromFrame: 0, toFrame: total - 1, limit: total });
      expect(stored.frameMasks.map((f) => f.frameIndex)).toEqual(Array.from({ length: total }, (_, i) => i));
      for (const f of stored.frameMasks.filter((_, i) => i % 20 === 0 || i === total - 1)) {
        ids.forEach((id, k) => expect(rleIou(f.objects.find((o) => o.objectId === id)!.mask!, discMask(k, f.frameIndex))).toBeGreaterThan(0.8));
      }
      // The survivor holds the session now.
      expect(await redis.get(`${fleet.prefix}session-lease:${sessionId}`)).not.toBe(running);
    } finally {
      await ws.dispose();
      redis.disconnect();
    }
  }, 240_000);
});

export type { FleetProcess };
