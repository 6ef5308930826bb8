// Figure i: a tracking session's frame store on disk (issue 16), on the 2,000-frame 640x480 video
// of figure g. Two stores, interleaved round by round:
//   old: the store as it was — the whole video decoded once to raw RGB (FrameStore with no disk
//        bound: the same code path the store still takes for a video that fits its bound);
//   new: the bounded store (FRAME_STORE_MB, 128 by default): two chunks re-decoded by seeking.
// (1) the store alone, every frame, forward (0 to 1999) and backward (1999 to 0), read as the
//     sam2-video tracker reads (frame t, and t+1 prefetched at once): fps and the peak disk use,
//     sampled every 25 ms; (2) the raw tracking loop of a session (demo model, sam2-video tracker,
//     one disc) over `trackFrames` frames forward from 0 and backward from the last frame, each run
//     on a fresh session (a fresh store), on a server with FRAME_STORE_MB unbounded (old) and one
//     with the default (new): fps and the peak disk use of the server's frame folder.
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_FRAME_STORE_BYTES, FrameStore } from '../src/media/video-frames.js';
import { benchBins, type DiscsVideo } from './lib/media.js';
import { ADD_PROMPT, CLOSE_SESSION, createProject, gql, START_SESSION, startBenchServer, upload, type BenchServer } from './lib/server.js';
import { figure, fmt, fmtFigure, pairedRatio, rotated, type Figure } from './lib/stats.js';

export interface FrameStoreOptions {
  video: string;
  spec: DiscsVideo;
  rounds: number;
  /** Rounds of part (2): many short runs pair better than a few long ones on a noisy machine. */
  trackRounds: number;
  /** Frames tracked per run in part (2), each direction. */
  trackFrames: number;
}

type Variant = 'old' | 'new';
type Dir = 'forward' | 'backward';
const VARIANTS: Variant[] = ['old', 'new'];
const DIRS: Dir[] = ['forward', 'backward'];

interface Runs {
  fps: Record<Variant, Record<Dir, number[]>>;
  ffmpegMs: Record<Variant, Record<Dir, number[]>>;
  peakBytes: Record<Variant, Record<Dir, number[]>>;
}

export interface FrameStoreResult {
  video: string;
  frames: number;
  frameBytes: number;
  boundBytes: number;
  rounds: number;
  trackRounds: number;
  trackFrames: number;
  tracker: string;
  /** Part (1): the store alone. */
  store: Record<Variant, Record<Dir, { fps: Figure; peakMiB: Figure; bytesPerFrame: Figure; ffmpegMsPerFrame: Figure }>>;
  storeRatio: Record<Dir, Figure>;
  /** Part (2): the raw tracking loop. */
  tracking: Record<Variant, Record<Dir, { fps: Figure; peakMiB: Figure }>>;
  trackingRatio: Record<Dir, Figure>;
  /** The largest disk use seen of the new (bounded) store over both parts, in bytes. */
  newPeakBytes: number;
  /** The same of the old (unbounded) store. */
  oldPeakBytes: number;
}

const MiB = 2 ** 20;
const empty = (): Runs => ({
  fps: { old: { forward: [], backward: [] }, new: { forward: [], backward: [] } },
  ffmpegMs: { old: { forward: [], backward: [] }, new: { forward: [], backward: [] } },
  peakBytes: { old: { forward: [], backward: [] }, new: { forward: [], backward: [] } },
});

/** Bytes the files under dir take (apparent size or allocated blocks, whichever is larger), recursively. */
async function du(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await du(p);
    else {
      const st = await stat(p).catch(() => undefined);
      if (st) total += Math.max(st.size, st.blocks * 512);
    }
  }
  return total;
}

/**
 * CPU time (ms, user + system) of this process's children that have ended: the ffmpeg decoders
 * (fields cutime and cstime of /proc/self/stat, in clock ticks of 10 ms). Linux only; NaN elsewhere.
 */
async function childCpuMs(): Promise<number> {
  try {
    const stat = await readFile('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[13]) + Number(f[14])) * 10;
  } catch {
    return NaN;
  }
}

/** Samples du(dir) every 25 ms until stopped; resolves with the peak. */
function peakSampler(dir: string): { stop: () => Promise<number> } {
  let peak = 0;
  let on = true;
  const loop = (async () => {
    while (on) {
      peak = Math.max(peak, await du(dir));
      await new Promise((r) => setTimeout(r, 25));
    }
    peak = Math.max(peak, await du(dir));
  })();
  return { stop: async () => ((on = false), await loop, peak) };
}

async function storeRun(o: FrameStoreOptions, variant: Variant, dir: Dir): Promise<{ fps: number; peak: number; ffmpegMsPerFrame: number }> {
  const tmp = await mkdtemp(path.join(tmpdir(), 'maskql-bench-fs-'));
  const n = o.spec.frames;
  const store = new FrameStore({
    dir: tmp,
    videoPath: o.video,
    width: o.spec.width,
    height: o.spec.height,
    frameCount: n,
    bins: benchBins(),
    maxDiskBytes: variant === 'old' ? Number.MAX_SAFE_INTEGER : DEFAULT_FRAME_STORE_BYTES,
  });
  const sampler = peakSampler(tmp);
  const cpu0 = await childCpuMs();
  let fps = NaN;
  try {
    const t0 = performance.now();
    const step = dir === 'forward' ? 1 : -1;
    for (let t = dir === 'forward' ? 0 : n - 1; t >= 0 && t < n; t += step) {
      const next = t + step;
      await Promise.all([store.getFrame(t), next >= 0 && next < n ? store.getFrame(next) : undefined]);
    }
    fps = n / ((performance.now() - t0) / 1000);
  } finally {
    await store.dispose(); // waits for its ffmpeg to end, so that its CPU time is counted
    await rm(tmp, { recursive: true, force: true });
  }
  return { fps, peak: await sampler.stop(), ffmpegMsPerFrame: ((await childCpuMs()) - cpu0) / n };
}

interface Tracked {
  server: BenchServer;
  mediaId: string;
}

async function trackRun(o: FrameStoreOptions, t: Tracked, dir: Dir): Promise<{ fps: number; peak: number; tracker: string }> {
  const { server } = t;
  const n = o.spec.frames;
  const start = dir === 'forward' ? 0 : n - 1;
  const s = (await gql(server.url, START_SESSION, { input: { mediaId: t.mediaId, model: 'demo' } })).startSession.session;
  const [x, y] = o.spec.discs[0]!.path(start);
  await gql(server.url, ADD_PROMPT, { input: { sessionId: s.id, frameIndex: start, coordinates: 'PIXELS', points: [{ x, y }] } });
  const sessions = server.app.services.sessions;
  const live = await server.app.services.liveSessions.ensureLive(await sessions.row(s.id));
  server.app.engine.cache.clear();
  const sampler = peakSampler(path.join(server.dataDir, 'frames'));
  let frames = 0;
  const t0 = performance.now();
  let ms: number;
  let peak: number;
  try {
    for await (const f of live.tracker.propagate({ start, direction: dir, maxFrames: o.trackFrames })) if (f.objects.length) frames++;
  } finally {
    ms = performance.now() - t0;
    peak = await sampler.stop();
    await gql(server.url, CLOSE_SESSION, { input: { sessionId: s.id } });
  }
  if (frames !== o.trackFrames) throw new Error(`framestore: tracked ${frames} of ${o.trackFrames} frames`);
  return { fps: frames / (ms / 1000), peak, tracker: s.tracker };
}

const peakOf = (store: Runs, track: Runs, v: Variant) => Math.max(0, ...DIRS.flatMap((d) => [...store.peakBytes[v][d], ...track.peakBytes[v][d]]));

export async function runFrameStoreBench(o: FrameStoreOptions, log: (m: string) => void): Promise<FrameStoreResult> {
  const store = empty();
  for (let r = 0; r < o.rounds; r++) {
    for (const variant of rotated(VARIANTS, r)) {
      for (const dir of rotated(DIRS, r)) {
        const x = await storeRun(o, variant, dir);
        log(`framestore (1) round ${r + 1}: ${variant} ${dir} ${fmt(x.fps)} fps, peak ${fmt(x.peak / MiB)} MiB, ffmpeg ${fmt(x.ffmpegMsPerFrame)} ms CPU per frame`);
        store.fps[variant][dir].push(x.fps);
        store.ffmpegMs[variant][dir].push(x.ffmpegMsPerFrame);
        store.peakBytes[variant][dir].push(x.peak);
      }
    }
  }

  const track = empty();
  let tracker = '';
  const servers: Partial<Record<Variant, Tracked>> = {};
  try {
    for (const variant of VARIANTS) {
      const server = await startBenchServer({ env: variant === 'old' ? { FRAME_STORE_MB: String(1 << 20) } : {} });
      const projectId = await createProject(server.url, `framestore-${variant}`);
      const media = await upload(server.url, projectId, 'long.mp4', await readFile(o.video));
      servers[variant] = { server, mediaId: media.id };
    }
    for (let r = 0; r < o.trackRounds; r++) {
      for (const variant of rotated(VARIANTS, r)) {
        for (const dir of rotated(DIRS, r)) {
          const x = await trackRun(o, servers[variant]!, dir);
          tracker = x.tracker;
          log(`framestore (2) round ${r + 1}: ${variant} ${dir} ${fmt(x.fps)} fps, peak ${fmt(x.peak / MiB)} MiB`);
          track.fps[variant][dir].push(x.fps);
          track.peakBytes[variant][dir].push(x.peak);
        }
      }
    }
  } finally {
    for (const t of Object.values(servers)) await t?.server.stop();
  }

  const frameBytes = o.spec.width * o.spec.height * 3;
  const per = <T>(f: (v: Variant, d: Dir) => T) =>
    Object.fromEntries(VARIANTS.map((v) => [v, Object.fromEntries(DIRS.map((d) => [d, f(v, d)]))])) as Record<Variant, Record<Dir, T>>;
  const ratio = (runs: Runs) => Object.fromEntries(DIRS.map((d) => [d, pairedRatio(runs.fps.new[d], runs.fps.old[d])])) as Record<Dir, Figure>;
  return {
    video: `${o.spec.frames} frames ${o.spec.width}x${o.spec.height} h264 (libx264 veryfast crf 12, default GOP), one moving disc`,
    frames: o.spec.frames,
    frameBytes,
    boundBytes: DEFAULT_FRAME_STORE_BYTES,
    rounds: o.rounds,
    trackRounds: o.trackRounds,
    trackFrames: o.trackFrames,
    tracker,
    store: per((v, d) => ({
      fps: figure(store.fps[v][d], 'fps'),
      peakMiB: figure(store.peakBytes[v][d].map((b) => b / MiB), 'MiB'),
      bytesPerFrame: figure(store.peakBytes[v][d].map((b) => b / o.spec.frames), 'B'),
      ffmpegMsPerFrame: figure(store.ffmpegMs[v][d], 'ms'),
    })),
    storeRatio: ratio(store),
    tracking: per((v, d) => ({ fps: figure(track.fps[v][d], 'fps'), peakMiB: figure(track.peakBytes[v][d].map((b) => b / MiB), 'MiB') })),
    trackingRatio: ratio(track),
    newPeakBytes: peakOf(store, track, 'new'),
    oldPeakBytes: peakOf(store, track, 'old'),
  };
}

/** This figure's own section of latest.md. */
export function frameStoreMarkdown(x: FrameStoreResult): string[] {
  const out: string[] = [];
  out.push(`## i. Frame store on disk (issue 16: ${x.video}; old and new interleaved round by round)`, '');
  out.push(`*old*: the whole video decoded once to raw RGB (${fmt(x.frameBytes / 1024)} KiB a frame); *new*: the bounded store, FRAME_STORE_MB default (${fmt(x.boundBytes / MiB)} MiB), two chunks re-decoded by seeking ffmpeg. Disk use is sampled every 25 ms (apparent size or allocated blocks, whichever is larger); bytes per frame = peak / ${x.frames} video frames.`, '');
  if (x.rounds) {
    out.push(`(1) The store alone, every frame, read as the sam2-video tracker reads (frame t, t±1 prefetched), ${x.rounds} rounds:`, '');
    out.push('| store | direction | fps | peak disk | bytes per video frame | ffmpeg CPU per frame |', '| --- | --- | ---: | ---: | ---: | ---: |');
    for (const v of VARIANTS) for (const d of DIRS) {
      const s = x.store[v][d];
      out.push(`| ${v} | ${d} | ${fmtFigure(s.fps)} | ${fmtFigure(s.peakMiB)} | ${fmtFigure(s.bytesPerFrame)} | ${fmtFigure(s.ffmpegMsPerFrame)} |`);
    }
    out.push('', `new / old fps, paired: forward ${fmtFigure(x.storeRatio.forward)}, backward ${fmtFigure(x.storeRatio.backward)}.`, '');
  } else {
    out.push('(1) The store alone: not run (`--framestore-rounds=2` runs it).', '');
  }
  out.push(`(2) The raw tracking loop of a session (\`demo\`, ${x.tracker}, one disc; the unbounded store is a server with FRAME_STORE_MB of 1 TiB, the bounded one the default), ${x.trackFrames} frames forward from frame 0 and backward from frame ${x.frames - 1}, ${x.trackRounds} rounds, each run on a fresh session (its store starts empty; the prompt frame is decoded before the clock starts):`, '');
  out.push('| store | direction | tracking fps | peak disk of the frame folder |', '| --- | --- | ---: | ---: |');
  for (const v of VARIANTS) for (const d of DIRS) out.push(`| ${v} | ${d} | ${fmtFigure(x.tracking[v][d].fps)} | ${fmtFigure(x.tracking[v][d].peakMiB)} |`);
  out.push('', `new / old tracking fps, paired: forward ${fmtFigure(x.trackingRatio.forward)}, backward ${fmtFigure(x.trackingRatio.backward)}.`, '');
  return out;
}
