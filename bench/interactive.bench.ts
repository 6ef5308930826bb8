// Figure c: interactive latency. 8 clients click at once, each in a closed loop (send the
// segmentImage mutation over HTTP, wait for the answer, click again), on an image whose embedding
// is already cached, so every click is a decoder run plus masks. Two phases, alternating round by
// round:
//   alone:      nothing else runs on the server;
//   under load: a propagation job runs on a tracking session of the same server (same model, same
//               device queue): the bench model's previous-mask tracker, an encoder and a decoder
//               run per frame, restarted whenever it ends, so it is busy for the whole phase.
// Reported: p50/p99 of the click latencies (all clients pooled), and p99 under load / p50 alone.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from 'graphql-ws';
import { drawRgb, encodeDiscsVideo, PICTURE, PICTURE_SHAPES, pngOf, TWO_DISCS } from './lib/media.js';
import { ADD_PROMPT, CANCEL_JOB, createProject, gql, PROPAGATE, START_SESSION, upload, wsClient, type BenchServer } from './lib/server.js';
import { budgetedRounds, figure, percentile, rotated, type Figure } from './lib/stats.js';
import { mulberry32 } from '../scripts/models/prng.js';

export interface InteractiveOptions {
  model: string;
  /** The model that propagates in the background (a video-capable or any image model). */
  loadModel: string;
  clients: number;
  /** Clicks per client per phase. */
  clicks: number;
  /** Rounds (each: both phases) at most; at least two (when rounds allows)... */
  rounds: number;
  /** ...and no new round once this many seconds have gone by (measured from the first round). */
  budgetSec: number;
}

export interface InteractivePhase {
  latencyMs: Figure;
  p50Ms: number;
  p99Ms: number;
  samples: number;
  /** Answers that were not cache hits (should be 0: the embedding stays cached). */
  cacheMisses: number;
  /** Clicks per second, all clients. */
  throughput: number;
}

export interface InteractiveResult {
  model: string;
  loadModel: string;
  loadTracker: string;
  clients: number;
  clicksPerClient: number;
  rounds: number;
  alone: InteractivePhase;
  underLoad: InteractivePhase;
  /** p99 under load / p50 alone (target: at most 3). */
  p99LoadOverP50Alone: number;
  /** p50 under load / p50 alone. */
  p50LoadOverP50Alone: number;
  /** Frames the background propagation produced while the load phases ran, per second. */
  loadFps: Figure;
}

const CLICK = `mutation($input: SegmentImageInput!) {
  segmentImage(input: $input) { cacheHit objects { index mask { rle { size counts } bbox area score } } }
}`;

const SESSION_FRAMES = `subscription($sessionId: ID!) { sessionEvents(sessionId: $sessionId) { kind jobId frame { frameIndex } } }`;

export async function runInteractiveBench(server: BenchServer, opts: InteractiveOptions): Promise<InteractiveResult> {
  const { url } = server;
  const { width, height } = PICTURE;
  const png = await pngOf(drawRgb(width, height, PICTURE_SHAPES), width, height);
  const projectId = await createProject(url, 'bench-interactive');
  const media = await upload(url, projectId, 'shapes.png', png);
  const click = async (x: number, y: number) => {
    const t0 = performance.now();
    const r = (await gql(url, CLICK, { input: { mediaId: media.id, model: opts.model, objects: [{ points: [{ x, y }] }] } })).segmentImage;
    return { ms: performance.now() - t0, hit: r.cacheHit as boolean };
  };
  await click(0.5, 0.5); // encodes the image: every later click is cached

  // The background load: a tracking session on the discs video with the load model.
  const dir = await mkdtemp(path.join(tmpdir(), 'maskql-bench-interactive-'));
  const ws = wsClient(url);
  try {
    const file = path.join(dir, 'discs.mp4');
    await encodeDiscsVideo(TWO_DISCS, file);
    const video = await upload(url, projectId, 'discs.mp4', await readFile(file));
    const s = (await gql(url, START_SESSION, { input: { mediaId: video.id, model: opts.loadModel } })).startSession.session;
    const [cx, cy] = TWO_DISCS.discs[0]!.path(0);
    await gql(url, ADD_PROMPT, { input: { sessionId: s.id, frameIndex: 0, points: [{ x: cx / TWO_DISCS.width, y: cy / TWO_DISCS.height }] } });
    const load = backgroundLoad(url, ws, s.id);
    // Warm-up: decodes the video into the frame store, loads the model, and a few clicks.
    await load.start();
    await load.stop();
    for (let i = 0; i < 3; i++) await click(0.3, 0.3);

    const samples = { alone: [] as number[], underLoad: [] as number[] };
    const misses = { alone: 0, underLoad: 0 };
    const seconds = { alone: 0, underLoad: 0 };
    const loadFps: number[] = [];
    const rand = mulberry32(42);
    const phase = async (name: 'alone' | 'underLoad') => {
      if (name === 'underLoad') await load.start();
      const frames0 = load.frames();
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: opts.clients }, async () => {
          for (let k = 0; k < opts.clicks; k++) {
            const r = await click(0.1 + 0.8 * rand(), 0.1 + 0.8 * rand());
            samples[name].push(r.ms);
            if (!r.hit) misses[name]++;
          }
        }),
      );
      const sec = (performance.now() - t0) / 1000;
      seconds[name] += sec;
      if (name === 'underLoad') {
        loadFps.push((load.frames() - frames0) / sec);
        await load.stop();
      }
    };
    const rounds = await budgetedRounds({ max: opts.rounds, min: Math.min(2, opts.rounds), budgetSec: opts.budgetSec }, async (r) => {
      for (const p of rotated(['alone', 'underLoad'] as const, r)) await phase(p);
    });

    const summary = (name: 'alone' | 'underLoad'): InteractivePhase => ({
      latencyMs: figure(samples[name], 'ms'),
      p50Ms: percentile(samples[name], 50),
      p99Ms: percentile(samples[name], 99),
      samples: samples[name].length,
      cacheMisses: misses[name],
      throughput: samples[name].length / seconds[name],
    });
    const alone = summary('alone');
    const underLoad = summary('underLoad');
    return {
      model: opts.model,
      loadModel: opts.loadModel,
      loadTracker: s.tracker,
      clients: opts.clients,
      clicksPerClient: opts.clicks,
      rounds,
      alone,
      underLoad,
      p99LoadOverP50Alone: underLoad.p99Ms / alone.p50Ms,
      p50LoadOverP50Alone: underLoad.p50Ms / alone.p50Ms,
      loadFps: figure(loadFps, 'fps'),
    };
  } finally {
    await ws.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Keeps a propagation job running on a session: start() returns once the first frame of a job
 * has arrived (so the job is really computing), a new job starts whenever one ends, stop()
 * cancels the running one and waits for its end.
 */
function backgroundLoad(url: string, ws: Client, sessionId: string) {
  let frames = 0;
  let running = false;
  let jobId: string | null = null;
  let onFrame: (() => void) | null = null;
  let onEnd: (() => void) | null = null;
  let launching: Promise<void> = Promise.resolve();
  const launch = () =>
    (launching = gql(url, PROPAGATE, { input: { sessionId, direction: 'FORWARD', startFrame: 0 } }).then((d) => {
      jobId = d.propagate.job.id;
    }));
  const unsubscribe = ws.subscribe<any>(
    { query: SESSION_FRAMES, variables: { sessionId } },
    {
      next: (r) => {
        const e = r.data?.sessionEvents;
        if (!e || e.jobId !== jobId) return;
        if (e.kind === 'FRAME') {
          frames++;
          onFrame?.();
          onFrame = null;
        } else {
          jobId = null;
          if (running) void launch();
          else onEnd?.();
        }
      },
      error: () => {},
      complete: () => {},
    },
  );
  return {
    frames: () => frames,
    async start() {
      running = true;
      const first = new Promise<void>((resolve) => (onFrame = resolve));
      await launch();
      await first;
    },
    async stop() {
      running = false;
      await launching;
      if (!jobId) return;
      const ended = new Promise<void>((resolve) => (onEnd = resolve));
      await gql(url, CANCEL_JOB, { input: { jobId } }).catch(() => undefined);
      await ended;
    },
    dispose: unsubscribe,
  };
}
