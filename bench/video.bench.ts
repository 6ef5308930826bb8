// Figure d: propagation over the tracking test video (60 frames, 320x240, two moving discs), both
// discs clicked on frame 0, FORWARD from frame 0, per model (so per tracking path):
//   graphql: the propagate mutation over HTTP, followed by a graphql-ws client subscribed to
//            sessionEvents(sessionId, jobId, replay: true), timed to the COMPLETED event;
//   raw:     the session's own tracker (liveSessions.ensureLive(row).tracker.propagate) iterated
//            directly: no job, no database, no PubSub, no GraphQL.
// Both variants of every model alternate round by round, each starting with the embedding cache
// cleared (so every frame is encoded again); the frame store is decoded once, in the warm-up.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from 'graphql-ws';
import { encodeDiscsVideo, TWO_DISCS } from './lib/media.js';
import { ADD_PROMPT, createProject, followJob, gql, PROPAGATE, START_SESSION, upload, wsClient, type BenchServer } from './lib/server.js';
import { budgetedRounds, figure, pairedRatio, rotated, type Figure } from './lib/stats.js';

export interface VideoOptions {
  models: string[];
  /** Rounds always run... */
  rounds: number;
  /** ...and more, up to maxRounds, while the rounds have taken less than budgetSec. */
  maxRounds: number;
  budgetSec: number;
  /** GraphQL propagations per model before the measured rounds. */
  warmup: number;
}

export interface VideoModelResult {
  model: string;
  tracker: string;
  figures: {
    graphqlFps: Figure;
    rawFps: Figure;
    /** graphql fps / raw fps, per round. */
    ratio: Figure;
    graphqlMsPerFrame: Figure;
    rawMsPerFrame: Figure;
    /** (graphql - raw) ms per frame, per round. */
    addedMsPerFrame: Figure;
    /** Inside the raw loop: time in ONNX Runtime session.run, all graphs, per frame. */
    rawOrtMsPerFrame: Figure;
    /** Inside the raw loop: everything else (frame read, preprocess, prompt and memory tensors, masks, RLE), per frame. */
    rawOtherMsPerFrame: Figure;
    /** Inside the GraphQL runs: SessionService.recordFrame (the frame's database transaction, then its PubSub event), per frame. */
    graphqlRecordFrameMsPerFrame: Figure;
    /** CPU time of this process (user + system, all threads) per frame: less sensitive than wall time to other processes on a shared machine. */
    graphqlCpuMsPerFrame: Figure;
    rawCpuMsPerFrame: Figure;
    /** (graphql - raw) CPU ms per frame, per round. */
    addedCpuMsPerFrame: Figure;
  };
  /** ONNX Runtime ms per frame in the raw loop, per graph (median over rounds). */
  rawOrtByGraph: Record<string, Figure>;
}

export interface VideoResult {
  video: string;
  objects: number;
  frames: number;
  rounds: number;
  models: VideoModelResult[];
  skipped: { model: string; reason: string }[];
}

const WARMUP_FRAMES = 12;

interface Prepared {
  model: string;
  sessionId: string;
  tracker: string;
}

export async function runVideoBench(server: BenchServer, opts: VideoOptions): Promise<VideoResult> {
  const { app, url } = server;
  const v = TWO_DISCS;
  const started = performance.now();
  const dir = await mkdtemp(path.join(tmpdir(), 'maskql-bench-video-'));
  const client = wsClient(url);
  const restore: (() => void)[] = [];
  try {
    const file = path.join(dir, 'discs.mp4');
    await encodeDiscsVideo(v, file);
    const projectId = await createProject(url, 'bench-video');
    const media = await upload(url, projectId, 'discs.mp4', await readFile(file));
    if (media.frameCount !== v.frames) throw new Error(`the video has ${media.frameCount} frames, expected ${v.frames}`);

    const prepared: Prepared[] = [];
    const skipped: VideoResult['skipped'] = [];
    for (const model of opts.models) {
      try {
        const s = (await gql(url, START_SESSION, { input: { mediaId: media.id, model } })).startSession.session;
        for (const d of v.discs) {
          const [cx, cy] = d.path(0);
          const r = (await gql(url, ADD_PROMPT, { input: { sessionId: s.id, frameIndex: 0, points: [{ x: cx / v.width, y: cy / v.height }] } })).addPrompt;
          const obj = r.frame.objects.find((o: any) => o.objectId === r.objectId);
          if (!(obj?.mask?.area > 0)) throw new Error(`the click on disc ${r.objectId} gave an empty mask`);
        }
        prepared.push({ model, sessionId: s.id, tracker: s.tracker });
      } catch (err) {
        skipped.push({ model, reason: (err as Error).message });
      }
    }

    const samples = new Map<string, { gql: number[]; raw: number[]; ort: number[]; record: number[]; gqlCpu: number[]; rawCpu: number[]; graphs: Map<string, number[]> }>(
      prepared.map((p) => [p.model, { gql: [], raw: [], ort: [], record: [], gqlCpu: [], rawCpu: [], graphs: new Map() }]),
    );
    // Times PropagationService.recordFrame (store, then publish) during the GraphQL runs.
    let recordMs = 0;
    const sessions = app.services.propagation;
    const recordFrame = sessions.recordFrame;
    sessions.recordFrame = async function (this: typeof sessions, ...args: Parameters<typeof recordFrame>) {
      const t = performance.now();
      try {
        return await recordFrame.apply(this, args);
      } finally {
        recordMs += performance.now() - t;
      }
    };
    restore.push(() => (sessions.recordFrame = recordFrame));
    // Times every session.run of the measured models (only while a raw loop runs).
    let sink: Map<string, number> | null = null;
    for (const p of prepared) {
      const model = await app.engine.model(p.model);
      for (const [graph, session] of Object.entries(model.sessions)) {
        const run = session.run;
        const timedRun = async function (this: typeof session, ...args: unknown[]) {
          const t = performance.now();
          try {
            return await (run as (...a: unknown[]) => Promise<unknown>).apply(this, args);
          } finally {
            if (sink) sink.set(graph, (sink.get(graph) ?? 0) + performance.now() - t);
          }
        };
        (session as { run: unknown }).run = timedRun;
        restore.push(() => ((session as { run: unknown }).run = run));
      }
    }
    const runGql = async (p: Prepared, maxFrames?: number): Promise<number> => {
      app.engine.cache.clear();
      recordMs = 0;
      const frames = maxFrames ?? v.frames;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const job = (await gql(url, PROPAGATE, { input: { sessionId: p.sessionId, direction: 'FORWARD', startFrame: 0, maxFrames } })).propagate.job;
      const end = await followJob(client, p.sessionId, job.id);
      const cpu = process.cpuUsage(cpu0);
      if (end.status !== 'COMPLETED' || end.frames !== frames) throw new Error(`${p.model}: propagation ended ${end.status} after ${end.frames} frames ${end.error ?? ''}`);
      if (maxFrames === undefined) {
        const s = samples.get(p.model)!;
        s.record.push(recordMs / frames);
        s.gqlCpu.push((cpu.user + cpu.system) / 1000 / frames);
      }
      return frames / ((end.endedAt - t0) / 1000);
    };
    const runRaw = async (p: Prepared): Promise<number> => {
      app.engine.cache.clear();
      const live = await app.services.liveSessions.ensureLive(await app.services.sessions.row(p.sessionId));
      let n = 0;
      const ort = new Map<string, number>();
      sink = ort;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      try {
        for await (const f of live.tracker.propagate({ start: 0, direction: 'forward' })) {
          if (f.objects.length) n++;
        }
      } finally {
        sink = null;
      }
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      if (n !== v.frames) throw new Error(`${p.model}: the raw loop tracked objects on ${n} of ${v.frames} frames`);
      const s = samples.get(p.model)!;
      let total = 0;
      for (const [graph, t] of ort) {
        total += t;
        s.graphs.set(graph, [...(s.graphs.get(graph) ?? []), t / v.frames]);
      }
      s.ort.push(total / v.frames);
      s.rawCpu.push((cpu.user + cpu.system) / 1000 / v.frames);
      return v.frames / (ms / 1000);
    };

    // Warm-up (not recorded): a first short propagation decodes the whole video into the
    // session's frame store (ffmpeg), loads the model's graphs and warms the JIT.
    for (let w = 0; w < opts.warmup; w++) for (const p of prepared) await runGql(p, WARMUP_FRAMES);
    const variants = ['gql', 'raw'] as const;
    const rounds = await budgetedRounds({ max: opts.maxRounds, min: opts.rounds, budgetSec: opts.budgetSec }, async (r) => {
      for (const p of rotated(prepared, r)) {
        for (const variant of rotated(variants, r + prepared.indexOf(p))) {
          samples.get(p.model)![variant].push(variant === 'gql' ? await runGql(p) : await runRaw(p));
        }
      }
    });

    const msPerFrame = (fps: number[]) => fps.map((f) => 1000 / f);
    return {
      video: `${v.frames} frames ${v.width}x${v.height} h264, two moving discs`,
      objects: v.discs.length,
      frames: v.frames,
      rounds,
      skipped,
      models: prepared.map((p) => {
        const { gql: g, raw, ort, record, gqlCpu, rawCpu, graphs } = samples.get(p.model)!;
        const gm = msPerFrame(g);
        const rm = msPerFrame(raw);
        return {
          model: p.model,
          tracker: p.tracker,
          figures: {
            graphqlFps: figure(g, 'fps'),
            rawFps: figure(raw, 'fps'),
            ratio: pairedRatio(g, raw),
            graphqlMsPerFrame: figure(gm, 'ms'),
            rawMsPerFrame: figure(rm, 'ms'),
            addedMsPerFrame: figure(gm.map((x, i) => x - rm[i]!), 'ms'),
            rawOrtMsPerFrame: figure(ort, 'ms'),
            rawOtherMsPerFrame: figure(rm.map((x, i) => x - ort[i]!), 'ms'),
            graphqlRecordFrameMsPerFrame: figure(record, 'ms'),
            graphqlCpuMsPerFrame: figure(gqlCpu, 'ms'),
            rawCpuMsPerFrame: figure(rawCpu, 'ms'),
            addedCpuMsPerFrame: figure(gqlCpu.map((x, i) => x - rawCpu[i]!), 'ms'),
          },
          rawOrtByGraph: Object.fromEntries([...graphs].map(([k, xs]) => [k, figure(xs, 'ms')])),
        };
      }),
    };
  } finally {
    for (const r of restore) r();
    await closeClient(client);
    await rm(dir, { recursive: true, force: true });
  }
}

async function closeClient(client: Client): Promise<void> {
  await client.dispose();
}
