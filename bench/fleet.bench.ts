// The fleet's figures (issue 13 item 8), on real processes of the built server sharing the
// machine's PostgreSQL and Redis (test/support/fleet.ts starts them):
//   i.   an interactive click (segmentImage, embedding cached) through api -> worker against the
//        same click on an `all` process: the added milliseconds, median of paired rounds;
//   ii.  batch segmentation throughput (two startBatchSegmentation jobs at once) with one worker
//        and with two: images per second and the ratio, paired round by round;
//   iii. 1,000 graphql-ws subscribers, half on each of two api processes, on one propagation:
//        frames lost (must be 0), duplicates, and delivery latency p50/p99 — from the moment the
//        frame crossed Redis (a tap in this process on the session's channel: the same clock as
//        the sockets') to its receipt on a socket.
//
//   npm run build && node dist/bench/fleet.bench.js [--quick] [--only=transport,click,fanout,batch]
//                                                   [--database-url=..] [--redis-url=..]
//
// It prints the figures and writes them into bench/results/latest.md under "## Fleet" (that
// section only; the rest of the file is left as it is). Figures, not assertions: see README.md.
// (A little over 300 lines: four figures, one function each, and the flags they share.)
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { PACKAGE_ROOT } from '../src/paths.js';
import { FleetCallServer, FleetCaller } from '../src/fleet/fleet-calls.js';
import { WorkerRegistry } from '../src/fleet/worker-registry.js';
import { RedisConnections } from '../src/redis/redis-connections.js';
import { startFleet, type Fleet, type FleetProcess } from '../test/support/fleet.js';
import { drawRgb, encodeDiscsVideo, pngOf, TWO_DISCS } from './lib/media.js';
import { figure, fmt, fmtFigure, pairedDiff, pairedRatio, percentile, rotated, sleep, type Figure } from './lib/stats.js';
import { markdownSection, writeSection, type BatchResult, type ClickResult, type FanoutResult } from './fleet.report.js';

const args = new Map(process.argv.slice(2).map((a) => {
  const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
  if (!m) throw new Error(`unknown argument ${a}`);
  return [m[1]!, m[2] ?? 'true'] as const;
}));
const quick = args.has('quick');
const num = (k: string, def: number) => (args.has(k) ? Number(args.get(k)) : def);
const opts = {
  databaseUrl: args.get('database-url') ?? process.env.TEST_DATABASE_URL,
  redisUrl: args.get('redis-url') ?? process.env.TEST_REDIS_URL,
  clickRounds: num('click-rounds', quick ? 3 : 10),
  clicksPerRound: num('clicks-per-round', quick ? 10 : 20),
  batchRounds: num('batch-rounds', quick ? 1 : 2),
  batchImages: num('batch-images', quick ? 4 : 8),
  subscribers: num('subscribers', 1000),
  only: new Set((args.get('only') ?? 'transport,click,fanout,batch').split(',')),
};
const log = (...a: unknown[]) => console.log('[fleet bench]', ...a);

function client(url: string, headers: Record<string, string> = {}) {
  return async <T = any>(query: string, variables?: Record<string, unknown>): Promise<T> => {
    const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
    if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
    return body.data as T;
  };
}

async function upload(url: string, projectId: string, name: string, bytes: Buffer): Promise<string> {
  const res = await fetch(`${url}/upload?projectId=${projectId}&filename=${name}`, { method: 'POST', body: bytes });
  const body = (await res.json()) as any;
  if (res.status !== 201) throw new Error(`upload failed: ${JSON.stringify(body)}`);
  return body.data.media.id;
}

const CLICK = 'mutation($input: SegmentImageInput!) { segmentImage(input: $input) { cacheHit objects { mask { area } } } }';


async function clickFigure(fleet: Fleet, all: FleetProcess): Promise<ClickResult> {
  const api = fleet.apis[0]!;
  const gqlApi = client(api.url);
  const projectId = (await gqlApi('mutation { createProject(input: { name: "bench-click" }) { project { id } } }')).createProject.project.id;
  const png = await pngOf(drawRgb(640, 480, [{ kind: 'disc', cx: 200, cy: 200, r: 90, color: [40, 60, 200] }, { kind: 'rect', x: 380, y: 150, w: 180, h: 160, color: [200, 40, 40] }]), 640, 480);
  const mediaId = await upload(api.url, projectId, 'click.png', png);
  const variants = { all: client(all.url), apiWorker: gqlApi };
  const clickMs = async (gql: ReturnType<typeof client>) => {
    const t0 = performance.now();
    const r = await gql(CLICK, { input: { mediaId, objects: [{ points: [{ x: 0.3, y: 0.4 }] }] } });
    if (!r.segmentImage.cacheHit) throw new Error('click bench: the embedding was not cached');
    return performance.now() - t0;
  };
  // Warm-up: each side encodes the image once (its own cache) and opens its connections.
  for (const gql of Object.values(variants)) {
    await gql(CLICK, { input: { mediaId, objects: [{ points: [{ x: 0.3, y: 0.4 }] }] } });
    for (let i = 0; i < 3; i++) await clickMs(gql);
  }
  const medians = { all: [] as number[], apiWorker: [] as number[] };
  for (let r = 0; r < opts.clickRounds; r++) {
    for (const k of rotated(['all', 'apiWorker'] as const, r)) {
      const ms: number[] = [];
      for (let i = 0; i < opts.clicksPerRound; i++) ms.push(await clickMs(variants[k]));
      medians[k].push(percentile(ms, 50));
    }
  }
  return { allMs: figure(medians.all, 'ms'), apiWorkerMs: figure(medians.apiWorker, 'ms'), addedMs: pairedDiff(medians.apiWorker, medians.all), ratio: pairedRatio(medians.apiWorker, medians.all), rounds: opts.clickRounds, clicksPerRound: opts.clicksPerRound };
}

/** The transport alone: FleetCaller -> BullMQ -> FleetCallServer and back, in this process, a handler that returns at once. */
async function transportFigure(): Promise<{ roundTripMs: Figure; calls: number }> {
  const prefix = `maskql-bench-transport:${process.pid}:${Date.now().toString(36)}:`;
  const quiet = { warn() {}, error() {} };
  const redis = new RedisConnections(opts.redisUrl!, prefix, quiet);
  const registry = new WorkerRegistry(redis.open('registry'), prefix, { heartbeatMs: 500, ttlMs: 3000 });
  // A payload the size of a click's answer (one mask's RLE and a few numbers).
  const payload = { objects: [{ mask: { rle: { size: [480, 640], counts: 'x'.repeat(400) }, bbox: [1, 2, 3, 4], area: 1234, score: 0.9 } }] };
  const server = new FleetCallServer(redis, 'bench-worker', 8, async () => payload, (e) => ({ message: String(e), extensions: { code: 'INTERNAL_SERVER_ERROR' } }));
  server.start();
  await registry.join('bench-worker');
  const caller = new FleetCaller(redis, registry, quiet, { heartbeatMs: 500, ttlMs: 3000 });
  try {
    for (let i = 0; i < 20; i++) await caller.call('k', 'noop', [{ mediaId: 'm', objects: [{ points: [{ x: 0.5, y: 0.5 }] }] }]);
    const ms: number[] = [];
    for (let i = 0; i < (quick ? 100 : 300); i++) {
      const t0 = performance.now();
      await caller.call('k', 'noop', [{ mediaId: 'm', objects: [{ points: [{ x: 0.5, y: 0.5 }] }] }]);
      ms.push(performance.now() - t0);
    }
    return { roundTripMs: figure(ms, 'ms'), calls: ms.length };
  } finally {
    await registry.leave('bench-worker');
    registry.dispose();
    await caller.dispose();
    await server.dispose();
    const c = redis.open('cleanup');
    const keys = await c.keys(`${prefix}*`);
    if (keys.length) await c.del(...keys);
    await redis.dispose();
  }
}


async function batchFigure(fleet: Fleet): Promise<BatchResult> {
  const api = fleet.apis[0]!;
  const gql = client(api.url);
  const jobs = 2;
  const projects: string[] = [];
  for (let j = 0; j < jobs; j++) {
    const projectId = (await gql(`mutation { createProject(input: { name: "bench-batch-${j}" }) { project { id } } }`)).createProject.project.id;
    for (let i = 0; i < opts.batchImages; i++) {
      const png = await pngOf(drawRgb(320, 240, [{ kind: 'disc', cx: 80 + 5 * i, cy: 100, r: 45, color: [40, 60, 200] }, { kind: 'rect', x: 170, y: 60 + 3 * j, w: 100, h: 90, color: [200, 40, 40] }]), 320, 240);
      await upload(api.url, projectId, `b${j}-${i}.png`, png);
    }
    projects.push(projectId);
  }
  const runJobs = async () => {
    const t0 = performance.now();
    const ids = await Promise.all(projects.map(async (projectId) => (await gql('mutation($input: StartBatchSegmentationInput!) { startBatchSegmentation(input: $input) { job { id } } }', { input: { projectId, pointsPerSide: 16 } })).startBatchSegmentation.job.id as string));
    for (const id of ids) {
      for (;;) {
        const job = (await gql('query($id: ID!) { job(id: $id) { status } }', { id })).job;
        if (job.status === 'COMPLETED') break;
        if (['FAILED', 'CANCELLED'].includes(job.status)) throw new Error(`batch job ${id} ${job.status}`);
        await sleep(50);
      }
    }
    return (jobs * opts.batchImages) / ((performance.now() - t0) / 1000);
  };
  await runJobs(); // warm-up: models loaded on both workers (whoever takes the jobs)
  const rates = { one: [] as number[], two: [] as number[] };
  let second: FleetProcess | undefined = fleet.workers[1];
  for (let r = 0; r < opts.batchRounds; r++) {
    for (const k of rotated(['two', 'one'] as const, r)) {
      if (k === 'one' && second) {
        await second.kill('SIGTERM');
        second = undefined;
      }
      if (k === 'two' && !second) {
        second = await fleet.spawn('worker');
        await runJobs(); // its model loaded
      }
      const started = () => fleet.workers.concat(second && !fleet.workers.includes(second) ? [second] : []).map((w) => (w.output().match(/"msg":"job started"/g) ?? []).length);
      const before = started();
      rates[k].push(await runJobs());
      log(`   round ${r} ${k}: ${fmt(rates[k].at(-1)!)} images/s; jobs started per worker ${started().map((n, i) => n - (before[i] ?? 0)).join(', ')}`);
    }
  }
  return { oneWorker: figure(rates.one, 'images/s'), twoWorkers: figure(rates.two, 'images/s'), speedup: pairedRatio(rates.two, rates.one), jobs, imagesPerJob: opts.batchImages, rounds: opts.batchRounds };
}


const EVENTS = 'subscription($s: ID!) { sessionEvents(sessionId: $s) { kind jobId frame { frameIndex objects { objectId mask { area } } } } }';

async function fanoutFigure(fleet: Fleet, dir: string): Promise<FanoutResult> {
  const [api1, api2] = fleet.apis as [FleetProcess, FleetProcess];
  const gql2 = client(api2.url);
  const v = TWO_DISCS;
  const file = path.join(dir, 'discs.mp4');
  await encodeDiscsVideo(v, file);
  const projectId = (await gql2('mutation { createProject(input: { name: "bench-fanout" }) { project { id } } }')).createProject.project.id;
  const mediaId = await upload(api2.url, projectId, 'discs.mp4', await readFile(file));
  const sessionId = (await gql2('mutation($input: StartSessionInput!) { startSession(input: $input) { session { id } } }', { input: { mediaId } })).startSession.session.id;
  for (const d of v.discs) {
    const [cx, cy] = d.path(0);
    await gql2('mutation($input: AddPromptInput!) { addPrompt(input: $input) { objectId } }', { input: { sessionId, frameIndex: 0, points: [{ x: cx / v.width, y: cy / v.height }] } });
  }
  const propagate = async (maxFrames?: number) => (await gql2('mutation($input: PropagateInput!) { propagate(input: $input) { job { id } } }', { input: { sessionId, direction: 'FORWARD', startFrame: 0, maxFrames } })).propagate.job.id as string;
  // The Redis tap: when each frame crossed Redis, on this process's clock.
  const tap = new Redis(opts.redisUrl!);
  const crossed = new Map<string, number>();
  await tap.subscribe(`${fleet.prefix}events:session:events:${sessionId}`);
  tap.on('message', (_c, text: string) => {
    const e = JSON.parse(text) as { kind: string; jobId: string; frame?: { frameIndex: number } };
    if (e.kind === 'FRAME') crossed.set(`${e.jobId}:${e.frame!.frameIndex}`, performance.now());
  });
  type Sub = { client: Client; frames: Map<string, number[]>; order: Map<string, number[]>; ended: Set<string>; closed: boolean };
  const subs: Sub[] = [];
  for (let i = 0; i < opts.subscribers; i++) {
    const url = (i % 2 ? api2 : api1).url.replace(/^http/, 'ws') + '/graphql';
    const sub: Sub = { client: createClient({ url, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0, onNonLazyError: () => undefined }), frames: new Map(), order: new Map(), ended: new Set(), closed: false };
    sub.client.on('closed', () => (sub.closed = true));
    sub.client.subscribe<any>({ query: EVENTS, variables: { s: sessionId } }, {
      next: (r) => {
        const at = performance.now();
        const e = r.data?.sessionEvents;
        if (!e) return;
        if (e.kind !== 'FRAME') return void sub.ended.add(e.jobId);
        const key = `${e.jobId}:${e.frame.frameIndex}`;
        sub.frames.set(key, [...(sub.frames.get(key) ?? []), at]);
        sub.order.set(e.jobId, [...(sub.order.get(e.jobId) ?? []), e.frame.frameIndex]);
      },
      error: () => undefined,
      complete: () => undefined,
    });
    subs.push(sub);
    if (i % 100 === 99) await sleep(50); // sockets opened in waves
  }
  try {
    // Probe jobs of one frame until every subscriber saw the same one end: all are listening.
    for (let k = 0; ; k++) {
      const probe = await propagate(1);
      const until = performance.now() + 15_000;
      while (performance.now() < until && !subs.every((s) => s.ended.has(probe))) await sleep(100);
      if (subs.every((s) => s.ended.has(probe))) break;
      if (k === 10) throw new Error(`${subs.filter((s) => !s.ended.has(probe)).length} subscribers never saw a probe end`);
    }
    const job = await propagate();
    const until = performance.now() + 300_000;
    while (performance.now() < until && !subs.every((s) => s.ended.has(job))) await sleep(100);
    let lost = 0;
    let socketsClosed = 0;
    let missedByClosed = 0;
    let duplicates = 0;
    let outOfOrder = 0;
    const latency: number[] = [];
    for (const s of subs) {
      const closedEarly = s.closed && !s.ended.has(job);
      if (closedEarly) socketsClosed++;
      const order = s.order.get(job) ?? [];
      for (let i = 1; i < order.length; i++) if (order[i]! <= order[i - 1]!) outOfOrder++;
      for (let f = 0; f < v.frames; f++) {
        const times = s.frames.get(`${job}:${f}`);
        if (!times) {
          if (closedEarly) missedByClosed++;
          else lost++;
          continue;
        }
        duplicates += times.length - 1;
        const at = crossed.get(`${job}:${f}`);
        if (at !== undefined) latency.push(times[0]! - at);
      }
    }
    return { subscribers: opts.subscribers, apis: 2, frames: v.frames, lost, socketsClosed, missedByClosed, duplicates, outOfOrder, latencyP50Ms: percentile(latency, 50), latencyP99Ms: percentile(latency, 99), latencyMaxMs: Math.max(...latency) };
  } finally {
    await Promise.all(subs.map((s) => s.client.dispose()));
    tap.disconnect();
  }
}

async function main(): Promise<void> {
  if (!opts.databaseUrl || !opts.redisUrl) throw new Error('the fleet bench needs PostgreSQL and Redis: --database-url and --redis-url (or TEST_DATABASE_URL and TEST_REDIS_URL)');
  const t0 = performance.now();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'maskql-bench-fleet-'));
  log('starting 2 api + 2 worker processes and an `all` process');
  const fleet = await startFleet({ apis: 2, workers: 2, urls: { database: opts.databaseUrl, redis: opts.redisUrl }, modelsDir: path.join(PACKAGE_ROOT, 'models'), template: '', name: 'bench-fleet', env: { ENGINE_THREADS: '1', JOB_LOCK_MS: '15000', JOB_STALLED_INTERVAL_MS: '5000', WS_MAX_SUBSCRIPTIONS_PER_KEY: '100000', WS_MAX_SUBSCRIPTIONS: '100000', SESSION_MAX_OPEN: '20' } });
  try {
    const run = (k: string) => opts.only.has(k);
    let transport, click, fanout, batch;
    if (run('transport')) {
      log('i. the transport alone');
      transport = await transportFigure();
      log(`   round trip ${fmtFigure(transport.roundTripMs)}`);
    }
    if (run('click')) {
      const all = await fleet.spawn('all');
      log('i. click: all vs api -> worker');
      click = await clickFigure(fleet, all);
      log(`   all ${fmtFigure(click.allMs)}, api -> worker ${fmtFigure(click.apiWorkerMs)}, added ${fmtFigure(click.addedMs)} (ratio ${fmtFigure(click.ratio)})`);
      await all.kill('SIGTERM'); // it would take jobs too
    }
    if (run('fanout')) {
      log('iii. fan-out: subscribers over two api processes');
      fanout = await fanoutFigure(fleet, dir);
      log(`   ${fanout.subscribers} subscribers: lost ${fanout.lost} (sockets closed early ${fanout.socketsClosed}, missing ${fanout.missedByClosed} frames), duplicates ${fanout.duplicates}, out of order ${fanout.outOfOrder}, p50 ${fmt(fanout.latencyP50Ms)} ms, p99 ${fmt(fanout.latencyP99Ms)} ms`);
    }
    if (run('batch')) {
      log('ii. batch segmentation: 1 vs 2 workers');
      batch = await batchFigure(fleet);
      log(`   1 worker ${fmtFigure(batch.oneWorker)}, 2 workers ${fmtFigure(batch.twoWorkers)}, speed-up ${fmtFigure(batch.speedup)}`);
    }
    if (transport && click && fanout && batch) {
      const file = await writeSection(markdownSection({ quick, transport, click, batch, fanout, at: new Date().toISOString(), seconds: (performance.now() - t0) / 1000 }));
      log(`written to ${path.relative(PACKAGE_ROOT, file)} (section "Fleet")`);
    } else log('not every figure ran (--only): bench/results/latest.md left as it is');
  } finally {
    await fleet.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
