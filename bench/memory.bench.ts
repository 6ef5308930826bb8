// Figure g: memory while tracking a long video through the GraphQL API: one disc prompted on
// frame 0 of a 640x480 h264 video, FORWARD, followed over graphql-ws. process.memoryUsage() is
// sampled every 100 ms (peak RSS and heap) and read exactly when the client has received frame
// 500, 1000, 1500 and 2000. It runs in a child process of its own (memory.child.ts), so that
// nothing measured before it inflates the RSS it reports.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { longDiscVideo } from './lib/media.js';
import { ADD_PROMPT, CANCEL_JOB, createProject, followJob, gql, PROPAGATE, START_SESSION, startBenchServer, upload, wsClient } from './lib/server.js';

export interface MemoryOptions {
  video: string;
  frames: number;
  /** Cancel the job when propagation takes longer than this (the figures say how far it got). */
  budgetSec: number;
  model: string;
}

export interface MemoryCheckpoint {
  frames: number;
  seconds: number;
  rssMiB: number;
  heapUsedMiB: number;
  /** Memory of ArrayBuffers (tensors, frame buffers) outside the JS heap. */
  arrayBuffersMiB: number;
}

export interface MemoryPhase {
  phase: string;
  rssMiB: number;
  heapUsedMiB: number;
  arrayBuffersMiB: number;
}

export interface MemoryResult {
  model: string;
  tracker: string;
  video: string;
  framesRequested: number;
  framesDone: number;
  status: string;
  complete: boolean;
  seconds: number;
  fps: number;
  baseline: { rssMiB: number; heapUsedMiB: number };
  /** Memory before propagating, step by step. */
  phases: MemoryPhase[];
  peakRssMiB: number;
  peakHeapUsedMiB: number;
  checkpoints: MemoryCheckpoint[];
  /** When RSS first reached 95 % of its peak (the 100 ms samples). */
  rss95PctOfPeakAt: { frames: number; seconds: number } | null;
  /** RSS growth per 1000 frames between the first and the last checkpoint. */
  rssGrowthPer1000MiB: number | null;
  heapGrowthPer1000MiB: number | null;
  /** The session's frame file when the job ended (ffmpeg decodes ahead of the tracker, so it may hold more frames than were tracked). */
  frameStore: { files: number; apparentMiB: number; allocatedMiB: number; perFrameKiB: number; framesStored: number };
  databaseMiB: number;
  sessionMemoryBytesMiB: number | null;
  embeddingCacheMiB: number;
  samples: number;
  /** The 100 ms samples, thinned to at most ~200 points: [seconds, frames, rssMiB, heapUsedMiB]. */
  trace: [number, number, number, number][];
}

const MiB = 1024 * 1024;

async function du(dir: string): Promise<{ files: number; apparent: number; allocated: number }> {
  let files = 0;
  let apparent = 0;
  let allocated = 0;
  const walk = async (d: string) => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        const s = await stat(p);
        files++;
        apparent += s.size;
        allocated += s.blocks * 512;
      }
    }
  };
  await walk(dir);
  return { files, apparent, allocated };
}

/** Memory after a full garbage collection (the child runs with --expose-gc): what is held, not what awaits collection. */
const usage = (phase: string): MemoryPhase => {
  global.gc?.();
  const m = process.memoryUsage();
  return { phase, rssMiB: m.rss / MiB, heapUsedMiB: m.heapUsed / MiB, arrayBuffersMiB: m.arrayBuffers / MiB };
};

export async function runMemoryBench(opts: MemoryOptions): Promise<MemoryResult> {
  const phases: MemoryPhase[] = [usage('process started (modules loaded)')];
  const server = await startBenchServer();
  phases.push(usage('server started (database open and migrated, no model loaded)'));
  const { url, app } = server;
  const client = wsClient(url);
  try {
    const v = longDiscVideo(opts.frames);
    const projectId = await createProject(url, 'bench-memory');
    const media = await upload(url, projectId, path.basename(opts.video), await readFile(opts.video));
    if (media.frameCount !== opts.frames) throw new Error(`the video has ${media.frameCount} frames, expected ${opts.frames}`);
    phases.push(usage('video uploaded'));
    await app.engine.model(opts.model);
    phases.push(usage('model loaded (ONNX sessions created)'));
    const session = (await gql(url, START_SESSION, { input: { mediaId: media.id, model: opts.model } })).startSession.session;
    const [cx, cy] = v.discs[0]!.path(0);
    await gql(url, ADD_PROMPT, { input: { sessionId: session.id, frameIndex: 0, points: [{ x: cx / v.width, y: cy / v.height }] } });
    phases.push(usage('session started, disc prompted on frame 0'));

    const base = process.memoryUsage();
    let frames = 0;
    let peakRss = base.rss;
    let peakHeap = base.heapUsed;
    const trace: [number, number, number, number][] = [];
    const checkpoints: MemoryCheckpoint[] = [];
    const t0 = performance.now();
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
      trace.push([(performance.now() - t0) / 1000, frames, m.rss / MiB, m.heapUsed / MiB]);
    }, 100);

    const job = (await gql(url, PROPAGATE, { input: { sessionId: session.id, direction: 'FORWARD', startFrame: 0 } })).propagate.job;
    const budget = setTimeout(() => void gql(url, CANCEL_JOB, { input: { jobId: job.id } }).catch(() => undefined), opts.budgetSec * 1000);
    const end = await followJob(client, session.id, job.id, (_f, count) => {
      frames = count;
      if (count % 500 === 0) {
        const m = process.memoryUsage();
        peakRss = Math.max(peakRss, m.rss);
        peakHeap = Math.max(peakHeap, m.heapUsed);
        checkpoints.push({ frames: count, seconds: (performance.now() - t0) / 1000, rssMiB: m.rss / MiB, heapUsedMiB: m.heapUsed / MiB, arrayBuffersMiB: m.arrayBuffers / MiB });
      }
    });
    clearTimeout(budget);
    clearInterval(sampler);
    const seconds = (end.endedAt - t0) / 1000;

    const store = await du(path.join(server.dataDir, 'frames'));
    const db = await du(path.join(server.dataDir, 'db'));
    const s = (await gql(url, 'query($id: ID!) { session(id: $id) { memoryBytes framesProcessed } }', { id: session.id })).session;
    const first = checkpoints[0];
    const last = checkpoints[checkpoints.length - 1];
    const span = first && last && last.frames > first.frames ? (last.frames - first.frames) / 1000 : 0;
    const step = Math.max(1, Math.ceil(trace.length / 200));
    const near = trace.find((t) => t[2] >= (0.95 * peakRss) / MiB);
    return {
      model: opts.model,
      tracker: session.tracker,
      video: `${opts.frames} frames ${v.width}x${v.height} h264, one moving disc`,
      framesRequested: opts.frames,
      framesDone: end.frames,
      status: end.status,
      complete: end.status === 'COMPLETED' && end.frames === opts.frames,
      seconds,
      fps: end.frames / seconds,
      baseline: { rssMiB: base.rss / MiB, heapUsedMiB: base.heapUsed / MiB },
      phases,
      peakRssMiB: peakRss / MiB,
      peakHeapUsedMiB: peakHeap / MiB,
      checkpoints,
      rss95PctOfPeakAt: near ? { frames: near[1], seconds: near[0] } : null,
      rssGrowthPer1000MiB: span ? (last!.rssMiB - first!.rssMiB) / span : null,
      heapGrowthPer1000MiB: span ? (last!.heapUsedMiB - first!.heapUsedMiB) / span : null,
      frameStore: {
        files: store.files,
        apparentMiB: store.apparent / MiB,
        allocatedMiB: store.allocated / MiB,
        perFrameKiB: (v.width * v.height * 3) / 1024,
        framesStored: Math.floor(store.apparent / (v.width * v.height * 3)),
      },
      databaseMiB: db.allocated / MiB,
      sessionMemoryBytesMiB: s.memoryBytes != null ? Number(s.memoryBytes) / MiB : null,
      embeddingCacheMiB: app.engine.cache.bytes / MiB,
      samples: trace.length,
      trace: trace.filter((_, i) => i % step === 0),
    };
  } finally {
    await client.dispose();
    await server.stop();
  }
}
