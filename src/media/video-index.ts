// Where each frame of a video is in time, so that ffmpeg can seek straight to frame n instead of
// decoding from the start. Read with ffprobe from the packets alone (demux, no decoding).
import { fileInput, INPUT_GUARD_ARGS, runTool, type FfmpegBins } from './ffmpeg.js';

/**
 * Frames in presentation order, as the frame store counts them (every packet one frame, sorted
 * by pts; packets the demuxer marks as discarded are not shown and not counted).
 */
export interface FrameIndex {
  count: number;
  /**
   * The `-ss` (input option, seconds from the file's start) that lands exactly on frame n:
   * half-way between frame n-1 and frame n, so that ffmpeg's accurate seek keeps frame n and
   * drops n-1 whatever the rounding of its timestamps (0 for frame 0).
   */
  seekSec(n: number): number;
}

interface ProbePackets {
  packets?: Array<{ pts?: number; flags?: string }>;
  streams?: Array<{ time_base?: string }>;
  format?: { start_time?: string };
}

/**
 * The frame index of a video's stream, or null when its packets cannot be put in order (missing
 * or repeated timestamps): callers then decode from the start, as before.
 */
export async function readFrameIndex(videoPath: string, bins: Pick<FfmpegBins, 'ffprobe'>, streamIndex?: number): Promise<FrameIndex | null> {
  const res = await runTool(
    bins.ffprobe,
    ['-v', 'error', '-hide_banner', ...INPUT_GUARD_ARGS, '-select_streams', streamIndex !== undefined ? String(streamIndex) : 'v:0', '-show_entries', 'packet=pts,flags:stream=time_base:format=start_time', '-of', 'json=c=1', fileInput(videoPath)],
    { timeoutMs: 120_000, maxStdoutBytes: 256 * 1024 * 1024 },
  ).catch(() => null);
  if (!res || res.code !== 0) return null;
  let json: ProbePackets;
  try {
    json = JSON.parse(res.stdout.toString('utf8')) as ProbePackets;
  } catch {
    return null;
  }
  const [num, den] = (json.streams?.[0]?.time_base ?? '').split('/').map(Number);
  const start = Number(json.format?.start_time ?? 0);
  if (!num || !den || !Number.isFinite(start)) return null;
  const pts: number[] = [];
  for (const p of json.packets ?? []) {
    if (p.flags?.includes('D')) continue;
    if (typeof p.pts !== 'number') return null;
    pts.push(p.pts);
  }
  pts.sort((a, b) => a - b);
  for (let i = 1; i < pts.length; i++) if (pts[i] === pts[i - 1]) return null;
  const sec = (t: number) => (t * num) / den - start;
  return {
    count: pts.length,
    seekSec: (n) => (n <= 0 ? 0 : Math.max(0, (sec(pts[n - 1]!) + sec(pts[n]!)) / 2)),
  };
}

/** ffmpeg input options that start decoding at frame n of the index (none for frame 0). */
export function seekArgs(index: FrameIndex | null, n: number): string[] {
  if (!index || n <= 0 || n >= index.count) return [];
  return ['-ss', index.seekSec(n).toFixed(6)];
}

const cache = new Map<string, Promise<FrameIndex | null>>();
const CACHE_MAX = 64;

/**
 * readFrameIndex, remembered per file (stored media are content-addressed: a path's bytes never
 * change). For the frame routes, which serve many frames of the same few videos.
 */
export function cachedFrameIndex(videoPath: string, bins: Pick<FfmpegBins, 'ffprobe'>): Promise<FrameIndex | null> {
  let p = cache.get(videoPath);
  if (p) {
    cache.delete(videoPath); // most recently used last
  } else {
    p = readFrameIndex(videoPath, bins);
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  }
  cache.set(videoPath, p);
  return p;
}
