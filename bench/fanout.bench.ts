// Figure e: subscription fan-out. 1, 10 and 100 graphql-ws clients (one socket each) subscribe to
// sessionEvents(sessionId) of one tracking session; a propagation of the whole video runs; every
// subscriber must receive every frame. Per subscriber count (the counts alternate round by round):
//   delivered: FRAME events of the job each subscriber received (median and min over subscribers);
//   lost:      expected frames minus received, summed over subscribers (must be 0);
//   latency:   receipt time minus the frame's publication time. The event carries no timestamp,
//              so the publication time is taken in the server (same process, same clock): when
//              SessionService.recordFrame, which stores the frame then publishes it, returns;
//   fps:       the propagation's frames per second (mutation to the last subscriber's terminal
//              event), to show what the fan-out costs the producer.
// Subscribers are known to be listening before the measured job starts: a one-frame probe job
// runs first and every subscriber must have seen its end.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from 'graphql-ws';
import { encodeDiscsVideo, TWO_DISCS } from './lib/media.js';
import { ADD_PROMPT, createProject, gql, PROPAGATE, START_SESSION, upload, wsClient, type BenchServer } from './lib/server.js';
import { budgetedRounds, figure, percentile, rotated, sleep, type Figure } from './lib/stats.js';

export interface FanoutOptions {
  model: string;
  subscribers: number[];
  /** Rounds (each: every subscriber count) at most; at least one... */
  rounds: number;
  /** ...and no new round once this many seconds have gone by (measured from the first round). */
  budgetSec: number;
}

export interface FanoutRow {
  subscribers: number;
  /** Frames of the job each subscriber received, over subscribers and rounds. */
  delivered: Figure;
  expected: number;
  /** Sum over subscribers and rounds of expected - received (duplicates do not count as received). */
  lost: number;
  duplicates: number;
  latencyMs: Figure;
  latencyP50Ms: number;
  latencyP99Ms: number;
  fps: Figure;
}

export interface FanoutResult {
  model: string;
  tracker: string;
  video: string;
  rounds: number;
  rows: FanoutRow[];
}

const EVENTS = `subscription($sessionId: ID!) {
  sessionEvents(sessionId: $sessionId) {
    kind jobId
    frame { frameIndex objects { objectId mask { rle { size counts } bbox area score } } }
    job { status framesDone }
  }
}`;

interface Subscriber {
  client: Client;
  /** jobId -> frameIndex -> receipt times (performance.now()) */
  frames: Map<string, Map<number, number[]>>;
  ended: Map<string, () => void>;
  endedJobs: Set<string>;
  stop: () => void;
}

function subscribe(url: string, sessionId: string): Subscriber {
  const client = wsClient(url);
  const sub: Subscriber = { client, frames: new Map(), ended: new Map(), endedJobs: new Set(), stop: () => {} };
  sub.stop = client.subscribe<any>(
    { query: EVENTS, variables: { sessionId } },
    {
      next: (r) => {
        const at = performance.now();
        const e = r.data?.sessionEvents;
        if (!e) return;
        if (e.kind === 'FRAME') {
          const byFrame = sub.frames.get(e.jobId) ?? new Map<number, number[]>();
          sub.frames.set(e.jobId, byFrame);
          byFrame.set(e.frame.frameIndex, [...(byFrame.get(e.frame.frameIndex) ?? []), at]);
        } else {
          sub.endedJobs.add(e.jobId);
          sub.ended.get(e.jobId)?.();
        }
      },
      error: () => {},
      complete: () => {},
    },
  );
  return sub;
}

const jobEnd = (s: Subscriber, jobId: string) =>
  s.endedJobs.has(jobId) ? Promise.resolve() : new Promise<void>((resolve) => s.ended.set(jobId, resolve));

export async function runFanoutBench(server: BenchServer, opts: FanoutOptions): Promise<FanoutResult> {
  const { app, url } = server;
  const v = TWO_DISCS;
  const dir = await mkdtemp(path.join(tmpdir(), 'maskql-bench-fanout-'));
  // Publication times of frames, by job and frame (PropagationService.recordFrame stores, then publishes).
  const published = new Map<string, number>();
  const sessions = app.services.propagation;
  const recordFrame = sessions.recordFrame;
  sessions.recordFrame = async function (this: typeof sessions, ...args: Parameters<typeof recordFrame>) {
    await recordFrame.apply(this, args);
    published.set(`${args[1]}:${args[2].frameIndex}`, performance.now());
  };
  try {
    const file = path.join(dir, 'discs.mp4');
    await encodeDiscsVideo(v, file);
    const projectId = await createProject(url, 'bench-fanout');
    const media = await upload(url, projectId, 'discs.mp4', await readFile(file));
    const s = (await gql(url, START_SESSION, { input: { mediaId: media.id, model: opts.model } })).startSession.session;
    for (const d of v.discs) {
      const [cx, cy] = d.path(0);
      await gql(url, ADD_PROMPT, { input: { sessionId: s.id, frameIndex: 0, points: [{ x: cx / v.width, y: cy / v.height }] } });
    }
    const propagate = async (maxFrames?: number): Promise<string> =>
      (await gql(url, PROPAGATE, { input: { sessionId: s.id, direction: 'FORWARD', startFrame: 0, maxFrames } })).propagate.job.id;

    const acc = new Map(opts.subscribers.map((n) => [n, { delivered: [] as number[], lost: 0, duplicates: 0, latency: [] as number[], fps: [] as number[] }]));
    const once = async (n: number, record: boolean) => {
      const subs = Array.from({ length: n }, () => subscribe(url, s.id));
      try {
        // Probes: one-frame jobs until every subscriber has seen the end of the same one (so all
        // are listening: a subscription is registered asynchronously after it is sent).
        for (let k = 0; ; k++) {
          const probe = await propagate(1);
          await Promise.race([Promise.all(subs.map((x) => jobEnd(x, probe))), sleep(1000)]);
          if (subs.every((x) => x.endedJobs.has(probe))) break;
          if (k === 30) throw new Error(`fan-out: ${subs.filter((x) => !x.endedJobs.has(probe)).length} of ${n} subscribers never saw a probe job end`);
        }
        const t0 = performance.now();
        const job = await propagate();
        const all = Promise.all(subs.map((x) => jobEnd(x, job)));
        if ((await Promise.race([all.then(() => true), sleep(180_000).then(() => false)])) === false) {
          throw new Error(`fan-out: the job did not end for ${subs.filter((x) => !x.endedJobs.has(job)).length} of ${n} subscribers within 180 s`);
        }
        const seconds = (performance.now() - t0) / 1000;
        if (!record) return;
        const a = acc.get(n)!;
        a.fps.push(v.frames / seconds);
        for (const x of subs) {
          const got = x.frames.get(job) ?? new Map<number, number[]>();
          a.delivered.push(got.size);
          a.lost += Math.max(0, v.frames - got.size);
          for (const [frame, times] of got) {
            a.duplicates += times.length - 1;
            const pub = published.get(`${job}:${frame}`);
            if (pub !== undefined) a.latency.push(times[0]! - pub);
          }
        }
      } finally {
        for (const x of subs) x.stop();
        await Promise.all(subs.map((x) => x.client.dispose()));
      }
    };
    // Warm-up: decodes the video into the frame store and loads the model.
    await once(1, false);
    const rounds = await budgetedRounds({ max: opts.rounds, budgetSec: opts.budgetSec }, async (r) => {
      for (const n of rotated(opts.subscribers, r)) await once(n, true);
    });
    return {
      model: opts.model,
      tracker: s.tracker,
      video: `${v.frames} frames ${v.width}x${v.height} h264, two moving discs, both clicked on frame 0, FORWARD`,
      rounds,
      rows: opts.subscribers.map((n) => {
        const a = acc.get(n)!;
        return {
          subscribers: n,
          delivered: figure(a.delivered, 'frames'),
          expected: v.frames,
          lost: a.lost,
          duplicates: a.duplicates,
          latencyMs: figure(a.latency, 'ms'),
          latencyP50Ms: percentile(a.latency, 50),
          latencyP99Ms: percentile(a.latency, 99),
          fps: figure(a.fps, 'fps'),
        };
      }),
    };
  } finally {
    sessions.recordFrame = recordFrame;
    await rm(dir, { recursive: true, force: true });
  }
}
