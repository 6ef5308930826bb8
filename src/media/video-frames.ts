// Decoded video frames on disk for a session: one ffmpeg decode to raw RGB, read by offset.
// (Over 300 lines: the decoder process, waiting readers and the file's lifecycle are one job.)
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rm, statfs, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RgbImage } from './image-decode.js';
import { MediaError, errnoCode, mapDiskError, toolReason } from './media-error.js';
import { INPUT_GUARD_ARGS, ffmpegCapabilities, fileInput, passthroughArgs, type FfmpegBins } from './ffmpeg.js';

export interface FrameStoreOptions {
  /** Directory for the frame file (created if missing). */
  dir: string;
  videoPath: string;
  /**
   * Size of the stored frames. Frames are always passed through `-vf scale=width:height`, so a
   * size different from the video's (displayed) size gives a scaled store.
   */
  width: number;
  height: number;
  /** Frames to keep (from probeVideo); decoding stops after this many. */
  frameCount: number;
  bins: Pick<FfmpegBins, 'ffmpeg'>;
  /** The stream to decode (VideoInfo.streamIndex); default the first video stream. */
  streamIndex?: number;
  /** Kill ffmpeg when it produces no frame data for this long. Default 60 s. */
  stallTimeoutMs?: number;
  /** Refuse (TOO_LARGE) when frameCount * width * height * 3 exceeds this many bytes. */
  maxBytes?: number;
  /** swscale flags for the scale filter. Default 'bicubic+accurate_rnd+full_chroma_int'. */
  scaleFlags?: string;
}

type State = 'idle' | 'decoding' | 'done' | 'failed' | 'disposed';

interface Waiter {
  index: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * Decoded frames of one video, kept on disk rather than in memory. On first need ffmpeg decodes
 * the video once to raw RGB (rgb24) through a pipe; frame i is written at offset i*w*h*3 of a
 * single file, so getFrame(i) is one positional read. Frames become readable as soon as they
 * are written: getFrame waits for a frame the decoder has not reached yet.
 */
export class FrameStore {
  readonly width: number;
  readonly height: number;
  readonly frameCount: number;
  /** Bytes of one frame: width * height * 3. */
  readonly frameBytes: number;

  private readonly opts: FrameStoreOptions;
  private state: State = 'idle';
  private written = 0;
  private error: Error | undefined;
  private filePath: string | undefined;
  private fh: FileHandle | undefined;
  private child: ChildProcess | undefined;
  private starting: Promise<void> | undefined;
  private decodeDone: Promise<void> | undefined;
  private readonly waiters = new Set<Waiter>();
  private readonly reads = new Set<Promise<unknown>>();

  constructor(opts: FrameStoreOptions) {
    const { width, height, frameCount } = opts;
    for (const [k, v] of Object.entries({ width, height, frameCount })) {
      if (!Number.isInteger(v) || v <= 0) throw new RangeError(`FrameStore ${k} must be a positive integer, got ${v}`);
    }
    this.opts = opts;
    this.width = width;
    this.height = height;
    this.frameCount = frameCount;
    this.frameBytes = width * height * 3;
    if (opts.maxBytes !== undefined && this.totalBytes > opts.maxBytes) {
      throw new MediaError(
        'TOO_LARGE',
        `decoded frames would take ${this.totalBytes} bytes (${frameCount} x ${width}x${height}); the limit is ${opts.maxBytes}`,
      );
    }
  }

  get totalBytes(): number {
    return this.frameCount * this.frameBytes;
  }

  /** Frames decoded and readable so far. */
  get decodedFrames(): number {
    return this.written;
  }

  /** The path of the frame file, once decoding has started. */
  get path(): string | undefined {
    return this.filePath;
  }

  /** Start decoding now (getFrame does it on first need). Resolves once ffmpeg runs. */
  start(): Promise<void> {
    if (this.state === 'disposed') return Promise.reject(new Error('FrameStore is disposed'));
    this.starting ??= this.begin().catch((err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      this.fail(e);
      throw e;
    });
    return this.starting;
  }

  /** Resolves with the number of frames once decoding has finished; rejects if it failed. */
  async whenDecoded(): Promise<number> {
    await this.start();
    await this.decodeDone;
    if (this.state === 'failed' || this.state === 'disposed') throw this.error ?? new Error('FrameStore is disposed');
    return this.written;
  }

  async getFrame(index: number): Promise<RgbImage> {
    if (!Number.isInteger(index) || index < 0 || index >= this.frameCount) {
      throw new RangeError(`frame index ${index} is out of range 0..${this.frameCount - 1}`);
    }
    if (this.state === 'disposed') throw new Error('FrameStore is disposed');
    if (index >= this.written) {
      await this.start();
      await this.waitFor(index);
    }
    const read = this.readFrame(index);
    this.reads.add(read);
    try {
      return await read;
    } finally {
      this.reads.delete(read);
    }
  }

  /**
   * Delete frame files in dir left by processes that no longer run (a crash skips dispose).
   * Files of live processes, this one included, are kept. Returns how many were removed.
   */
  static async sweep(dir: string): Promise<number> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return 0;
      throw err;
    }
    let removed = 0;
    for (const name of names) {
      const m = FRAME_FILE.exec(name);
      if (!m || processAlive(Number(m[1]))) continue;
      await rm(path.join(dir, name), { force: true });
      removed++;
    }
    return removed;
  }

  /** Kill a running ffmpeg, wait for it, and delete the frame file. Idempotent. */
  async dispose(): Promise<void> {
    if (this.state === 'disposed') return;
    const wasStarting = this.starting;
    this.state = 'disposed';
    this.error = new Error('FrameStore is disposed');
    this.rejectWaiters(() => this.error!);
    await wasStarting?.catch(() => undefined);
    this.child?.kill('SIGKILL');
    await this.decodeDone?.catch(() => undefined);
    await Promise.allSettled([...this.reads]);
    await this.fh?.close().catch(() => undefined);
    this.fh = undefined;
    if (this.filePath) await rm(this.filePath, { force: true }).catch(() => undefined);
  }

  // -------------------------------------------------------------------------------------------

  private async begin(): Promise<void> {
    const { dir, videoPath, bins } = this.opts;
    await mkdir(dir, { recursive: true }).catch((e: unknown) => {
      throw mapDiskError(e);
    });
    await this.checkFreeSpace(dir);
    const caps = await ffmpegCapabilities(bins.ffmpeg);
    if (this.isDisposed()) return;

    this.filePath = path.join(dir, `frames-${process.pid}-${randomBytes(6).toString('hex')}.rgb`);
    this.fh = await open(this.filePath, 'wx+', 0o600);
    if (this.isDisposed()) return;

    const flags = this.opts.scaleFlags ?? 'bicubic+accurate_rnd+full_chroma_int';
    const args = [
      '-hide_banner',
      '-nostdin',
      '-v',
      'error',
      ...INPUT_GUARD_ARGS,
      '-i',
      fileInput(videoPath),
      '-map',
      this.opts.streamIndex !== undefined ? `0:${this.opts.streamIndex}` : '0:v:0',
      '-an',
      '-sn',
      '-dn',
      '-vf',
      `scale=${this.width}:${this.height}:flags=${flags}`,
      '-pix_fmt',
      'rgb24',
      ...passthroughArgs(caps),
      '-frames:v',
      String(this.frameCount),
      '-f',
      'rawvideo',
      'pipe:1',
    ];
    const child = spawn(bins.ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    this.child = child;
    this.state = 'decoding';
    this.decodeDone = this.run(child);
    // Surface spawn failures (ENOENT...) from start() itself.
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', (e) => reject(e));
    }).catch((e: unknown) => {
      const code = errnoCode(e);
      throw new MediaError('FFMPEG_UNAVAILABLE', `cannot run ffmpeg: ${code ?? String(e)}`, { cause: e });
    });
  }

  private isDisposed(): boolean {
    return this.state === 'disposed';
  }

  private async checkFreeSpace(dir: string): Promise<void> {
    let free: number;
    try {
      const s = await statfs(dir);
      free = Number(s.bavail) * Number(s.bsize);
    } catch {
      return; // statfs unsupported: find out while writing
    }
    if (free < this.totalBytes) {
      throw new MediaError(
        'DISK_FULL',
        `decoded frames need ${Math.ceil(this.totalBytes / 2 ** 20)} MiB on disk; ${Math.floor(free / 2 ** 20)} MiB are free`,
      );
    }
  }

  /** Pump ffmpeg's stdout into the frame file; settle the store when ffmpeg ends. */
  private async run(child: ChildProcess): Promise<void> {
    const stallMs = this.opts.stallTimeoutMs ?? 60_000;
    let stalled = false;
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
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

    const total = this.totalBytes;
    let offset = 0;
    const sink = new Writable({
      highWaterMark: 1 << 20,
      write: (chunk: Buffer, _enc, cb) => {
        arm();
        void (async () => {
          if (this.isDisposed() || !this.fh) return;
          const len = Math.min(chunk.length, total - offset);
          let done = 0;
          while (done < len) {
            const { bytesWritten } = await this.fh.write(chunk, done, len - done, offset + done);
            done += bytesWritten;
          }
          offset += len;
          const frames = Math.floor(offset / this.frameBytes);
          if (frames > this.written) {
            this.written = frames;
            this.wakeWaiters();
          }
        })().then(() => cb(), (e: unknown) => cb(e instanceof Error ? e : new Error(String(e))));
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

    if (this.isDisposed()) return;
    if (spawnError) {
      this.fail(new MediaError('FFMPEG_UNAVAILABLE', `cannot run ffmpeg: ${errnoCode(spawnError) ?? String(spawnError)}`, { cause: spawnError }));
      return;
    }
    if (writeError) {
      const mapped = mapDiskError(writeError);
      this.fail(mapped instanceof Error ? mapped : new Error(String(mapped)));
      return;
    }
    const reason = toolReason(stderr, this.opts.videoPath);
    if (stalled) {
      this.fail(new MediaError('CORRUPT_MEDIA', `ffmpeg produced no frame for ${Math.round(stallMs / 1000)} s and was stopped`));
      return;
    }
    if (code !== 0) {
      this.fail(
        new MediaError(
          'CORRUPT_MEDIA',
          `decoding stopped after ${this.written} of ${this.frameCount} frames (ffmpeg ${code ?? signal}): ${reason}`,
        ),
      );
      return;
    }
    if (this.written < this.frameCount) {
      this.fail(
        new MediaError(
          'CORRUPT_MEDIA',
          `the video decoded to ${this.written} frames, not ${this.frameCount}${reason ? `: ${reason}` : ''}`,
        ),
      );
      return;
    }
    this.state = 'done';
    this.child = undefined;
    this.wakeWaiters();
  }

  /** Decoding ended early: frames already written stay readable; the rest reject with err. */
  private fail(err: Error): void {
    if (this.state === 'disposed') return;
    this.state = 'failed';
    this.error = err;
    this.child = undefined;
    this.wakeWaiters();
    this.rejectWaiters(() => err);
  }

  private waitFor(index: number): Promise<void> {
    if (index < this.written) return Promise.resolve();
    if (this.state === 'failed' || this.state === 'disposed' || this.state === 'done') {
      return Promise.reject(this.error ?? new MediaError('CORRUPT_MEDIA', `frame ${index} was not decoded`));
    }
    return new Promise((resolve, reject) => this.waiters.add({ index, resolve, reject }));
  }

  private wakeWaiters(): void {
    for (const w of this.waiters) {
      if (w.index < this.written) {
        this.waiters.delete(w);
        w.resolve();
      }
    }
  }

  private rejectWaiters(err: () => Error): void {
    for (const w of this.waiters) {
      this.waiters.delete(w);
      w.reject(err());
    }
  }

  private async readFrame(index: number): Promise<RgbImage> {
    const fh = this.fh;
    if (!fh || this.isDisposed()) throw new Error('FrameStore is disposed');
    const data = Buffer.allocUnsafe(this.frameBytes);
    let done = 0;
    while (done < this.frameBytes) {
      const { bytesRead } = await fh.read(data, done, this.frameBytes - done, index * this.frameBytes + done);
      if (bytesRead === 0) throw new MediaError('CORRUPT_MEDIA', `frame ${index} is missing from the frame file`);
      done += bytesRead;
    }
    return { data, width: this.width, height: this.height };
  }
}


const FRAME_FILE = /^frames-(\d+)-[0-9a-f]{12}\.rgb$/;

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}
