// Decoded video frames on disk for a session, in a file of bounded size: the whole video when it
// fits in maxDiskBytes, else a window of two chunks re-decoded on demand by seeking ffmpeg.
// (Over 300 lines: the window's scheduling, its readers and the file's lifecycle are one job.)
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rm, statfs, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { RgbImage } from './image-decode.js';
import { MediaError, errnoCode, mapDiskError } from './media-error.js';
import { ffmpegCapabilities, type FfmpegBins, type FfmpegCapabilities } from './ffmpeg.js';
import { decodeRange, type RangeDecode } from './frame-decoder.js';
import { readFrameIndex, seekArgs, type FrameIndex } from './video-index.js';

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
  /** ffprobe reads the frame index that seeking needs; without it a chunk is reached by decoding from frame 0. */
  bins: Pick<FfmpegBins, 'ffmpeg'> & Partial<Pick<FfmpegBins, 'ffprobe'>>;
  /** The stream to decode (VideoInfo.streamIndex); default the first video stream. */
  streamIndex?: number;
  /** Kill ffmpeg when it produces no frame data for this long. Default 60 s. */
  stallTimeoutMs?: number;
  /** Refuse (TOO_LARGE) when frameCount * width * height * 3 exceeds this many bytes. */
  maxBytes?: number;
  /**
   * The most the frame file may take on disk (default 128 MiB, never less than two frames). A
   * video that fits is decoded once, whole; a longer one through a window of two chunks of
   * maxDiskBytes / 2, re-decoded from the nearest keyframe when a frame outside it is asked for.
   */
  maxDiskBytes?: number;
  /** swscale flags for the scale filter. Default 'bicubic+accurate_rnd+full_chroma_int'. */
  scaleFlags?: string;
}

export const DEFAULT_FRAME_STORE_BYTES = 128 * 2 ** 20;

interface Waiter {
  index: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

interface Job {
  /** Next frame to be written, and the end of the range (exclusive). */
  next: number;
  end: number;
  decode?: RangeDecode;
  stopped: boolean;
}

/**
 * Decoded frames of one video, kept on disk rather than in memory, as raw RGB (rgb24): frame i
 * of chunk c sits in region c mod regions, so getFrame(i) is one positional read. One ffmpeg at a
 * time fills the chunks: forward it runs on, at most one chunk ahead of the reader; backward, the
 * chunk before the reader's is decoded (from its nearest keyframe) while the reader is in it.
 * Frames become readable as soon as they are written: getFrame waits for a frame not yet there.
 */
export class FrameStore {
  readonly width: number;
  readonly height: number;
  readonly frameCount: number;
  /** Bytes of one frame: width * height * 3. */
  readonly frameBytes: number;
  /** Frames the file holds at once: every frame when the video fits in maxDiskBytes. */
  readonly slots: number;
  /** Frames per chunk, and how many chunks the file holds (1: the whole video, or 2). */
  readonly chunkFrames: number;
  readonly regions: number;

  private readonly opts: FrameStoreOptions;
  private readonly regionChunk: Int32Array;
  private readonly regionFill: Int32Array;
  private readonly pins: Int32Array;
  private disposed = false;
  private written = 0;
  private skipped = 0;
  private failure: { from: number; error: Error } | undefined;
  private filePath: string | undefined;
  private fh: FileHandle | undefined;
  private opening: Promise<FfmpegCapabilities> | undefined;
  private index: Promise<FrameIndex | null> | undefined;
  private job: Job | undefined;
  private jobDone: Promise<void> | undefined;
  private last = -1;
  private dir: 1 | -1 = 1;
  private readerChunk = 0;
  private readonly waiters = new Set<Waiter>();
  private readonly reads = new Set<Promise<unknown>>();
  private wake: (() => void)[] = [];

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
    const fit = Math.floor((opts.maxDiskBytes ?? DEFAULT_FRAME_STORE_BYTES) / this.frameBytes);
    this.regions = fit >= frameCount ? 1 : 2;
    this.chunkFrames = this.regions === 1 ? frameCount : Math.max(1, Math.floor(fit / 2));
    this.slots = this.regions * this.chunkFrames;
    this.regionChunk = new Int32Array(this.regions).fill(-1);
    this.regionFill = new Int32Array(this.regions);
    this.pins = new Int32Array(this.regions);
  }

  /** Bytes of every frame decoded (what the store would take without its window). */
  get totalBytes(): number {
    return this.frameCount * this.frameBytes;
  }

  /** The most the frame file takes on disk. */
  get diskBytes(): number {
    return this.slots * this.frameBytes;
  }

  /** Frames decoded so far (a frame decoded again after leaving the window counts again). */
  get decodedFrames(): number {
    return this.written;
  }

  /** Frames decoded and dropped to reach a chunk because ffmpeg could not seek (no frame index). */
  get skippedFrames(): number {
    return this.skipped;
  }

  /** The path of the frame file, once decoding has started. */
  get path(): string | undefined {
    return this.filePath;
  }

  /** Start decoding from frame 0 now (getFrame does it on first need). Resolves once the file is open. */
  async start(): Promise<void> {
    await this.open();
    if (!this.disposed && !this.job && !this.resident(0)) this.startJob(0);
  }

  /** Resolves with the number of frames once the last frame has been decoded; rejects if decoding failed. */
  async whenDecoded(): Promise<number> {
    await this.getFrame(this.frameCount - 1);
    return this.frameCount;
  }

  async getFrame(index: number): Promise<RgbImage> {
    if (!Number.isInteger(index) || index < 0 || index >= this.frameCount) {
      throw new RangeError(`frame index ${index} is out of range 0..${this.frameCount - 1}`);
    }
    if (this.disposed) throw new Error('FrameStore is disposed');
    if (this.last >= 0 && index !== this.last) this.dir = index < this.last ? -1 : 1;
    this.last = index;
    this.readerChunk = this.chunkOf(index);
    this.notify();
    // A frame in the window is pinned at once (before any await), so no decode can take its place.
    if (!this.resident(index)) await this.open();
    while (!this.resident(index)) {
      if (this.disposed) throw new Error('FrameStore is disposed');
      if (this.failure && index >= this.failure.from) throw this.failure.error;
      await new Promise<void>((resolve, reject) => {
        this.waiters.add({ index, resolve, reject });
        this.schedule();
      });
    }
    this.schedule(); // prefetch: the chunk after the reader's, in its direction
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
    if (this.disposed) return;
    this.disposed = true;
    const err = new Error('FrameStore is disposed');
    for (const w of this.waiters) w.reject(err);
    this.waiters.clear();
    this.job?.decode?.stop();
    if (this.job) this.job.stopped = true;
    this.notify();
    await this.opening?.catch(() => undefined);
    await this.jobDone;
    await Promise.allSettled([...this.reads]);
    await this.fh?.close().catch(() => undefined);
    this.fh = undefined;
    if (this.filePath) await rm(this.filePath, { force: true }).catch(() => undefined);
  }

  // -------------------------------------------------------------------------------------------

  private chunkOf(i: number): number {
    return Math.floor(i / this.chunkFrames);
  }

  private resident(i: number): boolean {
    const c = this.chunkOf(i);
    const r = c % this.regions;
    return this.regionChunk[r] === c && this.regionFill[r]! > i - c * this.chunkFrames;
  }

  /** The file, ffmpeg's capabilities and the free-space check, once. A failure fails every frame. */
  private open(): Promise<FfmpegCapabilities> {
    this.opening ??= (async () => {
      const { dir, bins } = this.opts;
      await mkdir(dir, { recursive: true }).catch((e: unknown) => {
        throw mapDiskError(e);
      });
      await this.checkFreeSpace(dir);
      const caps = await ffmpegCapabilities(bins.ffmpeg);
      if (this.disposed) throw new Error('FrameStore is disposed');
      this.filePath = path.join(dir, `frames-${process.pid}-${randomBytes(6).toString('hex')}.rgb`);
      this.fh = await open(this.filePath, 'wx+', 0o600);
      return caps;
    })();
    this.opening.catch((e: unknown) => this.fail(0, e instanceof Error ? e : new Error(String(e))));
    return this.opening;
  }

  private async checkFreeSpace(dir: string): Promise<void> {
    let free: number;
    try {
      const s = await statfs(dir);
      free = Number(s.bavail) * Number(s.bsize);
    } catch {
      return; // statfs unsupported: find out while writing
    }
    if (free < this.diskBytes) {
      throw new MediaError(
        'DISK_FULL',
        `decoded frames need ${Math.ceil(this.diskBytes / 2 ** 20)} MiB on disk; ${Math.floor(free / 2 ** 20)} MiB are free`,
      );
    }
  }

  /** What the decoder should fill next: the oldest waiter's chunk, else the chunk after the reader's. */
  private target(): number | undefined {
    for (const w of this.waiters) if (!this.resident(w.index) && !this.failed(w.index)) return this.chunkOf(w.index);
    const c = this.readerChunk + this.dir;
    const end = Math.min(this.frameCount, (c + 1) * this.chunkFrames);
    if (c < 0 || c * this.chunkFrames >= this.frameCount || this.failed(c * this.chunkFrames)) return undefined;
    return this.resident(end - 1) ? undefined : c;
  }

  private failed(i: number): boolean {
    return !!this.failure && i >= this.failure.from;
  }

  /** Whether the running job will write chunk c soon: it is on it, or on the one before, going on. */
  private covers(job: Job, c: number): boolean {
    const at = this.chunkOf(job.next);
    return !job.stopped && job.next < job.end && c >= at && c <= this.chunkOf(job.end - 1) && c - at < this.regions;
  }

  private schedule(): void {
    if (this.disposed || !this.fh) return;
    const c = this.target();
    if (c === undefined) return;
    const job = this.job;
    if (job) {
      if (this.covers(job, c)) return;
      for (const w of this.waiters) if (this.covers(job, this.chunkOf(w.index))) return; // busy for someone
      job.stopped = true;
      job.decode?.stop();
      this.notify();
      return; // schedule() runs again when it has ended
    }
    this.startJob(c);
  }

  /** One ffmpeg from the first missing frame of chunk c: to the end going forward, else that chunk only. */
  private startJob(c: number): void {
    const r = c % this.regions;
    const from = c * this.chunkFrames + (this.regionChunk[r] === c ? this.regionFill[r]! : 0);
    const chunkEnd = Math.min(this.frameCount, (c + 1) * this.chunkFrames);
    const end = this.dir === 1 ? this.frameCount : chunkEnd;
    const job: Job = { next: from, end, stopped: false };
    this.job = job;
    this.jobDone = this.runJob(job).then(
      () => undefined,
      (e: unknown) => this.fail(job.next, e instanceof Error ? e : new Error(String(e))),
    ).finally(() => {
      this.job = undefined;
      this.schedule();
    });
  }

  private async runJob(job: Job): Promise<void> {
    const caps = await this.open();
    // Seeking needs the frame index (one ffprobe over the packets); frame 0 never does.
    const { ffprobe } = this.opts.bins;
    const index = job.next > 0 && ffprobe ? await (this.index ??= readFrameIndex(this.opts.videoPath, { ffprobe }, this.opts.streamIndex)) : null;
    if (job.stopped) return;
    const usable = index && index.count >= this.frameCount ? index : null;
    if (!usable) this.skipped += job.next;
    job.decode = await decodeRange({
      videoPath: this.opts.videoPath,
      bins: this.opts.bins,
      caps,
      width: this.width,
      height: this.height,
      streamIndex: this.opts.streamIndex,
      scaleFlags: this.opts.scaleFlags,
      stallTimeoutMs: this.opts.stallTimeoutMs,
      seek: seekArgs(usable, job.next),
      first: job.next,
      count: job.end - job.next,
      write: (frame, pos, bytes) => this.writeFrame(job, frame, pos, bytes),
      frameDone: (frame) => {
        if (this.disposed || job.stopped) return;
        job.next = frame + 1;
        this.regionFill[this.chunkOf(frame) % this.regions]!++;
        this.written++;
        for (const w of this.waiters) {
          if (w.index > frame || !this.resident(w.index)) continue;
          this.waiters.delete(w);
          w.resolve();
        }
      },
    });
    if (job.stopped) job.decode.stop();
    const res = await job.decode.done;
    if (res.error && !job.stopped) this.fail(job.next, res.error);
  }

  private async writeFrame(job: Job, frame: number, pos: number, bytes: Buffer): Promise<void> {
    const c = this.chunkOf(frame);
    const r = c % this.regions;
    if (pos === 0 && this.regionChunk[r] !== c) await this.claim(job, c, r);
    if (job.stopped || this.disposed || !this.fh) throw new Error('stopped');
    const offset = (r * this.chunkFrames + (frame - c * this.chunkFrames)) * this.frameBytes + pos;
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.fh.write(bytes, done, bytes.length - done, offset + done);
      done += bytesWritten;
    }
  }

  /**
   * Wait until region r may take chunk c: no read in it, and (unless someone waits for chunk c)
   * it does not hold the reader's chunk — that keeps a forward decode one chunk ahead at most.
   */
  private async claim(job: Job, c: number, r: number): Promise<void> {
    for (;;) {
      if (job.stopped || this.disposed) return;
      const wanted = [...this.waiters].some((w) => this.chunkOf(w.index) === c);
      if (this.pins[r] === 0 && (this.regionChunk[r] !== this.readerChunk || wanted)) break;
      await new Promise<void>((resolve) => this.wake.push(resolve));
    }
    this.regionChunk[r] = c;
    this.regionFill[r] = 0;
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = [];
    for (const w of wake) w();
  }

  /** Decoding failed at frame `from`: frames before it stay readable; waiters at or after it reject. */
  private fail(from: number, err: Error): void {
    if (this.disposed) return;
    if (!this.failure || from < this.failure.from) this.failure = { from, error: err };
    for (const w of this.waiters) {
      if (w.index < this.failure.from) continue;
      this.waiters.delete(w);
      w.reject(this.failure.error);
    }
  }

  private async readFrame(index: number): Promise<RgbImage> {
    const fh = this.fh;
    if (!fh || this.disposed) throw new Error('FrameStore is disposed');
    const c = this.chunkOf(index);
    const r = c % this.regions;
    this.pins[r]!++;
    try {
      const data = Buffer.allocUnsafe(this.frameBytes);
      const at = (r * this.chunkFrames + index - c * this.chunkFrames) * this.frameBytes;
      let done = 0;
      while (done < this.frameBytes) {
        const { bytesRead } = await fh.read(data, done, this.frameBytes - done, at + done);
        if (bytesRead === 0) throw new MediaError('CORRUPT_MEDIA', `frame ${index} is missing from the frame file`);
        done += bytesRead;
      }
      return { data, width: this.width, height: this.height };
    } finally {
      this.pins[r]!--;
      this.notify();
    }
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
