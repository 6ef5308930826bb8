// One ffmpeg run that decodes a range of a video's frames to raw RGB (rgb24) through a pipe and
// hands them over piece by piece, waiting on the receiver (backpressure), with a stall timer.
import { spawn, type ChildProcess } from 'node:child_process';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { INPUT_GUARD_ARGS, fileInput, passthroughArgs, type FfmpegBins, type FfmpegCapabilities } from './ffmpeg.js';
import { MediaError, errnoCode, mapDiskError, toolReason } from './media-error.js';

export interface RangeDecodeOptions {
  videoPath: string;
  bins: Pick<FfmpegBins, 'ffmpeg'>;
  caps: FfmpegCapabilities;
  width: number;
  height: number;
  streamIndex?: number;
  scaleFlags?: string;
  stallTimeoutMs?: number;
  /** Input options that start decoding at `first` (seekArgs), or none to decode from frame 0. */
  seek: string[];
  /** The first frame handed over (frames before it are decoded and dropped when seek is empty). */
  first: number;
  /** Frames handed over at most, from `first`. */
  count: number;
  /**
   * Receives `bytes` of frame `frame` (absolute index) at byte `pos` of that frame; frames come in
   * order and each frame's pieces in order. The decoder waits for the returned promise.
   */
  write(frame: number, pos: number, bytes: Buffer): Promise<void>;
  /** Frame `frame` is complete. */
  frameDone(frame: number): void;
}

export interface RangeDecodeResult {
  /** Frames handed over complete. */
  frames: number;
  /** Why decoding ended before `count` frames; undefined when complete or stopped. */
  error?: Error;
  stopped: boolean;
}

/** A running decode: `done` settles (never rejects) when ffmpeg has exited. */
export interface RangeDecode {
  done: Promise<RangeDecodeResult>;
  stop(): void;
}

/** Spawn ffmpeg for the range; rejects with FFMPEG_UNAVAILABLE when it cannot start. */
export async function decodeRange(o: RangeDecodeOptions): Promise<RangeDecode> {
  const frameBytes = o.width * o.height * 3;
  const flags = o.scaleFlags ?? 'bicubic+accurate_rnd+full_chroma_int';
  const skip = o.seek.length ? 0 : o.first;
  const args = [
    '-hide_banner', '-nostdin', '-v', 'error', ...INPUT_GUARD_ARGS, ...o.seek, '-i', fileInput(o.videoPath),
    '-map', o.streamIndex !== undefined ? `0:${o.streamIndex}` : '0:v:0', '-an', '-sn', '-dn',
    '-vf', `scale=${o.width}:${o.height}:flags=${flags}`, '-pix_fmt', 'rgb24', ...passthroughArgs(o.caps),
    '-frames:v', String(skip + o.count), '-f', 'rawvideo', 'pipe:1',
  ];
  const child = spawn(o.bins.ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
  let stopped = false;
  const done = run(child, o, frameBytes, skip, () => stopped);
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', (e) => reject(e));
  }).catch((e: unknown) => {
    throw new MediaError('FFMPEG_UNAVAILABLE', `cannot run ffmpeg: ${errnoCode(e) ?? String(e)}`, { cause: e });
  });
  return {
    done,
    stop: () => {
      stopped = true;
      child.kill('SIGKILL');
    },
  };
}

async function run(child: ChildProcess, o: RangeDecodeOptions, frameBytes: number, skip: number, isStopped: () => boolean): Promise<RangeDecodeResult> {
  const stallMs = o.stallTimeoutMs ?? 60_000;
  let stalled = false;
  let stderr = '';
  let timer: NodeJS.Timeout | undefined;
  // The stall timer runs only while we wait on ffmpeg, not while the receiver holds us back.
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      child.kill('SIGKILL');
    }, stallMs);
  };
  arm();
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => {
    stderr += s;
    if (stderr.length > 32_768) stderr = stderr.slice(-16_384);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; spawnError?: unknown }>((resolve) => {
    child.once('error', (e) => resolve({ code: null, signal: null, spawnError: e }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });

  const skipBytes = skip * frameBytes;
  const end = skipBytes + o.count * frameBytes;
  let offset = 0; // bytes received from ffmpeg
  let frames = 0;
  const sink = new Writable({
    highWaterMark: 1 << 20,
    write: (chunk: Buffer, _enc, cb) => {
      clearTimeout(timer);
      void (async () => {
        let at = 0;
        while (at < chunk.length && offset < end && !isStopped()) {
          if (offset < skipBytes) {
            const n = Math.min(chunk.length - at, skipBytes - offset);
            at += n;
            offset += n;
            continue;
          }
          const rel = offset - skipBytes;
          const frame = Math.floor(rel / frameBytes);
          const pos = rel - frame * frameBytes;
          const n = Math.min(chunk.length - at, frameBytes - pos);
          await o.write(o.first + frame, pos, chunk.subarray(at, at + n));
          at += n;
          offset += n;
          if (pos + n === frameBytes) {
            frames++;
            o.frameDone(o.first + frame);
          }
        }
      })().then(() => {
        arm();
        cb();
      }, (e: unknown) => cb(e instanceof Error ? e : new Error(String(e))));
    },
  });

  let writeError: unknown;
  try {
    await pipeline(child.stdout!, sink);
  } catch (e) {
    writeError = e;
    child.kill('SIGKILL');
  }
  const { code, signal, spawnError } = await exited;
  clearTimeout(timer);
  const last = o.first + frames;
  const result = (error?: Error): RangeDecodeResult => ({ frames, error, stopped: false });
  if (isStopped()) return { frames, stopped: true };
  if (spawnError) return result(new MediaError('FFMPEG_UNAVAILABLE', `cannot run ffmpeg: ${errnoCode(spawnError) ?? String(spawnError)}`, { cause: spawnError }));
  if (writeError) {
    const mapped = mapDiskError(writeError);
    return result(mapped instanceof Error ? mapped : new Error(String(mapped)));
  }
  const reason = toolReason(stderr, o.videoPath);
  if (stalled) return result(new MediaError('CORRUPT_MEDIA', `ffmpeg produced no frame for ${Math.round(stallMs / 1000)} s and was stopped`));
  if (code !== 0) return result(new MediaError('CORRUPT_MEDIA', `decoding stopped after ${last} of ${o.first + o.count} frames (ffmpeg ${code ?? signal}): ${reason}`));
  if (frames < o.count) return result(new MediaError('CORRUPT_MEDIA', `the video decoded to ${last} frames, not ${o.first + o.count}${reason ? `: ${reason}` : ''}`));
  return result();
}
