import { spawn } from 'node:child_process';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { MediaError, errnoCode, toolReason, trimReason } from './media-error.js';

// ---------------------------------------------------------------------------------------------
// Locating ffmpeg / ffprobe
// ---------------------------------------------------------------------------------------------

export type FfmpegSource = 'env' | 'path' | 'npm';

export interface FfmpegBins {
  ffmpeg: string;
  ffprobe: string;
  /** Where ffmpeg came from: 'env' = the explicitly configured path, 'path' = found on PATH, 'npm' = the @ffmpeg-installer binary. */
  source: FfmpegSource;
  /** Where each binary came from (they are resolved independently). */
  sources: { ffmpeg: FfmpegSource; ffprobe: FfmpegSource };
}

export interface ResolveFfmpegOptions {
  /** Explicitly configured ffmpeg (absolute path, or a bare name looked up on envPath). Wins when set. */
  ffmpegPath?: string;
  /** Explicitly configured ffprobe. */
  ffprobePath?: string;
  /**
   * The PATH to search (the caller passes process.env.PATH; this module reads no environment).
   * When undefined the PATH step is skipped.
   */
  envPath?: string;
}

const isWindows = process.platform === 'win32';

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function searchPath(name: string, envPath: string | undefined): string | undefined {
  if (!envPath) return undefined;
  const names = isWindows && !name.toLowerCase().endsWith('.exe') ? [`${name}.exe`, name] : [name];
  for (const dir of envPath.split(path.delimiter)) {
    // An empty entry means "the current directory" to a shell; never search it.
    if (!dir || !path.isAbsolute(dir)) continue;
    for (const n of names) {
      const candidate = path.join(dir, n);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  return undefined;
}

function npmBinary(pkg: '@ffmpeg-installer/ffmpeg' | '@ffprobe-installer/ffprobe'): string | undefined {
  try {
    // Loaded lazily: these packages throw at import time on platforms they do not ship.
    const require = createRequire(import.meta.url);
    const p = (require(pkg) as { path?: unknown }).path;
    return typeof p === 'string' && isExecutableFile(p) ? p : undefined;
  } catch {
    return undefined;
  }
}

function resolveOne(
  tool: 'ffmpeg' | 'ffprobe',
  explicit: string | undefined,
  envPath: string | undefined,
): { bin: string; source: FfmpegSource } {
  if (explicit !== undefined && explicit !== '') {
    const hasDir = explicit.includes('/') || (isWindows && explicit.includes('\\'));
    const found = hasDir ? (isExecutableFile(explicit) ? path.resolve(explicit) : undefined) : searchPath(explicit, envPath);
    if (!found) {
      throw new MediaError('FFMPEG_UNAVAILABLE', `the configured ${tool} (${explicit}) is not an executable file`);
    }
    return { bin: found, source: 'env' };
  }
  const onPath = searchPath(tool, envPath);
  if (onPath) return { bin: onPath, source: 'path' };
  const npm = npmBinary(tool === 'ffmpeg' ? '@ffmpeg-installer/ffmpeg' : '@ffprobe-installer/ffprobe');
  if (npm) return { bin: npm, source: 'npm' };
  throw new MediaError(
    'FFMPEG_UNAVAILABLE',
    `${tool} was not found: configure its path, install it on PATH, or install @${tool}-installer/${tool}`,
  );
}

/**
 * Find ffmpeg and ffprobe: the explicit path first, then PATH, then the binaries shipped by
 * @ffmpeg-installer/ffmpeg and @ffprobe-installer/ffprobe. Each tool is resolved on its own.
 */
export function resolveFfmpeg(opts: ResolveFfmpegOptions = {}): FfmpegBins {
  const ffmpeg = resolveOne('ffmpeg', opts.ffmpegPath, opts.envPath);
  const ffprobe = resolveOne('ffprobe', opts.ffprobePath, opts.envPath);
  return {
    ffmpeg: ffmpeg.bin,
    ffprobe: ffprobe.bin,
    source: ffmpeg.source,
    sources: { ffmpeg: ffmpeg.source, ffprobe: ffprobe.source },
  };
}

// ---------------------------------------------------------------------------------------------
// Running a tool
// ---------------------------------------------------------------------------------------------

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  /** The last maxStderrBytes of stderr. */
  stderr: string;
  timedOut: boolean;
}

export interface RunOptions {
  timeoutMs?: number;
  maxStdoutBytes?: number;
  maxStderrBytes?: number;
}

/**
 * Run a binary with an argument array (no shell), a timeout (SIGKILL) and bounded capture.
 * Rejects with FFMPEG_UNAVAILABLE when the binary cannot be started; a non-zero exit is
 * reported in the result, not thrown.
 */
export function runTool(bin: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const maxStdout = opts.maxStdoutBytes ?? 8 * 1024 * 1024;
  const maxStderr = opts.maxStderrBytes ?? 16 * 1024;
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const out: Buffer[] = [];
    let outLen = 0;
    let overflow = false;
    let err = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      if (overflow) return;
      outLen += chunk.length;
      if (outLen > maxStdout) {
        overflow = true;
        child.kill('SIGKILL');
        return;
      }
      out.push(chunk);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      err += chunk;
      if (err.length > maxStderr * 2) err = err.slice(-maxStderr);
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      const code = errnoCode(e);
      if (code === 'ENOENT' || code === 'EACCES' || code === 'ENOEXEC') {
        reject(new MediaError('FFMPEG_UNAVAILABLE', `cannot run ${path.basename(bin)}: ${code}`, { cause: e }));
      } else {
        reject(e);
      }
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (overflow) {
        reject(new MediaError('CORRUPT_MEDIA', `${path.basename(bin)} produced more than ${maxStdout} bytes of output`));
        return;
      }
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: err.slice(-maxStderr), timedOut });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// ffmpeg capabilities (flags differ between the 2018 npm build and a modern ffmpeg)
// ---------------------------------------------------------------------------------------------

export interface FfmpegCapabilities {
  /** First line of `ffmpeg -version`. */
  version: string;
  /** `-fps_mode` exists (ffmpeg >= 5.1); otherwise use `-vsync 0`. */
  fpsMode: boolean;
  /** Names of the video encoders, e.g. libx264, libvpx-vp9, mpeg4. */
  encoders: Set<string>;
}

const capabilityCache = new Map<string, Promise<FfmpegCapabilities>>();

export function ffmpegCapabilities(ffmpeg: string): Promise<FfmpegCapabilities> {
  let p = capabilityCache.get(ffmpeg);
  if (!p) {
    p = (async () => {
      const [version, help, encoders] = await Promise.all([
        runTool(ffmpeg, ['-hide_banner', '-version'], { timeoutMs: 15_000 }),
        runTool(ffmpeg, ['-hide_banner', '-h', 'long'], { timeoutMs: 15_000 }),
        runTool(ffmpeg, ['-hide_banner', '-encoders'], { timeoutMs: 15_000 }),
      ]);
      if (version.code !== 0) {
        throw new MediaError('FFMPEG_UNAVAILABLE', `${path.basename(ffmpeg)} -version failed: ${trimReason(version.stderr)}`);
      }
      const names = new Set<string>();
      for (const line of encoders.stdout.toString('utf8').split('\n')) {
        const m = /^\s*V[.A-Z]{5}\s+(\S+)/.exec(line);
        if (m) names.add(m[1]!);
      }
      return {
        version: version.stdout.toString('utf8').split('\n')[0]!.trim(),
        fpsMode: /^-fps_mode\b/m.test(help.stdout.toString('utf8')),
        encoders: names,
      };
    })();
    capabilityCache.set(ffmpeg, p);
    p.catch(() => capabilityCache.delete(ffmpeg));
  }
  return p;
}

/** Output options that emit every decoded frame once, in order (no duplication or dropping). */
export function passthroughArgs(caps: FfmpegCapabilities): string[] {
  return caps.fpsMode ? ['-fps_mode', 'passthrough'] : ['-vsync', '0'];
}

/** The only demuxers ever allowed to parse an uploaded video. */
export const VIDEO_DEMUXERS = 'mov,mp4,m4a,3gp,3g2,mj2,matroska,webm';

/** Input options that restrict ffmpeg/ffprobe to local files and the allowed demuxers. */
export const INPUT_GUARD_ARGS: readonly string[] = ['-protocol_whitelist', 'file', '-format_whitelist', VIDEO_DEMUXERS];

/** The input as a file: URL, so that a name with ':' or a leading '-' is never misread. */
export function fileInput(filePath: string): string {
  return `file:${path.resolve(filePath)}`;
}

// ---------------------------------------------------------------------------------------------
// Probing a video
// ---------------------------------------------------------------------------------------------

export type VideoFormat = 'mp4' | 'mov' | 'webm' | 'mkv';

export interface VideoInfo {
  format: VideoFormat;
  /** ffprobe's codec_name, e.g. h264, hevc, vp9, av1, mpeg4. */
  codec: string;
  /** Displayed width, after the container's rotation (ffmpeg auto-rotates decoded frames). */
  width: number;
  height: number;
  /** Average frame rate (frames per second). */
  fps: number;
  frameCount: number;
  durationSec: number;
  /** Rotation from the container's display matrix, 0/90/180/270 clockwise. */
  rotation: number;
  /** Where frameCount came from. */
  frameCountSource: 'header' | 'packets' | 'duration';
  pixFmt?: string;
  /** Index of the video stream within the file (pass it to FrameStore as streamIndex). */
  streamIndex: number;
  mimeType: string;
  ext: string;
}

export interface ProbeVideoOptions {
  /** Per ffprobe run; default 60 s. */
  timeoutMs?: number;
  maxBytes?: number;
  /** Largest accepted width*height of one frame. */
  maxPixels?: number;
  /** Largest accepted frame width or height. */
  maxSide?: number;
  maxFrames?: number;
  maxDurationSec?: number;
  /**
   * Read every packet (demux only, no decoding) to count frames and catch truncation even when
   * the header states a frame count. Default true; false trusts nb_frames when present.
   */
  verify?: boolean;
}

const MIME: Record<VideoFormat, string> = {
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
  mkv: 'video/x-matroska',
};

/** Demux-level messages that mean the file is cut short or damaged. */
const TRUNCATION = /ended prematurely|partial file|truncat|end of file|read error|invalid data|moov atom not found|invalid nal/i;

/** The video containers this server accepts, for messages. */
export const ACCEPTED_VIDEO = 'MP4, MOV, WebM or Matroska';

/**
 * ISO-BMFF brands of still images (HEIF, AVIF and their sequences): an `ftyp` box with one of
 * these is an image for sharp, not an MP4 for ffmpeg.
 */
const IMAGE_BRANDS = new Set(['avif', 'avis', 'heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'mif2', 'msf1', 'miaf']);

/** Recognise mp4/mov and Matroska/WebM from their first bytes (HEIF/AVIF images are not videos). */
export function sniffVideoContainer(head: Buffer): 'mp4' | 'matroska' | undefined {
  if (head.length >= 4 && head.readUInt32BE(0) === 0x1a45dfa3) return 'matroska';
  if (head.length >= 8) {
    const box = head.toString('latin1', 4, 8);
    if (box === 'ftyp' && head.length >= 12 && IMAGE_BRANDS.has(head.toString('latin1', 8, 12))) return undefined;
    if (['ftyp', 'moov', 'mdat', 'wide', 'free', 'skip', 'pnot'].includes(box)) return 'mp4';
  }
  return undefined;
}

/** Video containers recognised by their first bytes and refused (named in the error). */
export function sniffRefusedVideo(head: Buffer): string | undefined {
  const ascii = (a: number, b: number) => head.toString('latin1', a, b);
  if (head.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'AVI ') return 'AVI';
  if (head.length >= 4 && ascii(0, 4) === 'FLV\x01') return 'FLV';
  if (head.length >= 4 && ascii(0, 4) === 'OggS') return 'Ogg';
  if (head.length >= 4 && head.readUInt32BE(0) === 0x3026b275) return 'ASF/WMV';
  if (head.length >= 4 && head.readUInt32BE(0) === 0x000001ba) return 'MPEG-PS';
  if (head.length >= 189 && head[0] === 0x47 && head[188] === 0x47) return 'MPEG-TS';
  return undefined;
}

function parseRate(r: unknown): number | undefined {
  if (typeof r !== 'string') return undefined;
  const [n, d] = r.split('/').map(Number);
  if (n === undefined || !Number.isFinite(n)) return undefined;
  const v = d === undefined ? n : d === 0 ? NaN : n / d;
  return Number.isFinite(v) && v > 0 ? v : undefined;
}

function parsePositive(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** "00:01:02.500000000" (Matroska DURATION tag) to seconds. */
function parseClock(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(v.trim());
  if (!m) return undefined;
  const s = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
  return s > 0 ? s : undefined;
}

interface ProbeStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  duration?: string;
  nb_frames?: string;
  nb_read_packets?: string;
  disposition?: { attached_pic?: number };
  tags?: Record<string, string>;
  side_data_list?: Array<{ side_data_type?: string; rotation?: number }>;
}

interface ProbeJson {
  streams?: ProbeStream[];
  format?: { format_name?: string; duration?: string; tags?: Record<string, string> };
}

function rotationOf(s: ProbeStream): number {
  // ffprobe reports the display matrix rotation counter-clockwise (a portrait phone video says
  // -90); the legacy "rotate" tag is clockwise (90).
  let cw: number | undefined;
  const sd = (s.side_data_list ?? []).find((d) => typeof d.rotation === 'number');
  if (sd) cw = -(sd.rotation as number);
  else if (s.tags?.rotate !== undefined) cw = Number(s.tags.rotate);
  if (cw === undefined || !Number.isFinite(cw)) return 0;
  return (((Math.round(cw / 90) * 90) % 360) + 360) % 360;
}

/**
 * Probe a video file with ffprobe: container, codec, displayed size, fps, frame count and
 * duration. Only MP4/MOV and WebM/Matroska are accepted; anything else is UNSUPPORTED_MEDIA, a
 * recognised container that cannot be read (or is cut short) is CORRUPT_MEDIA.
 */
export async function probeVideo(
  filePath: string,
  bins: Pick<FfmpegBins, 'ffprobe'>,
  opts: ProbeVideoOptions = {},
): Promise<VideoInfo> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  let size: number;
  let head = Buffer.alloc(0);
  try {
    const st = await stat(filePath);
    if (!st.isFile()) throw new MediaError('UNSUPPORTED_MEDIA', 'not a regular file');
    size = st.size;
    const fh = await open(filePath, 'r');
    try {
      const buf = Buffer.alloc(64);
      const { bytesRead } = await fh.read(buf, 0, 64, 0);
      head = buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (err) {
    if (err instanceof MediaError) throw err;
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new MediaError('NOT_FOUND', 'the video file does not exist', { cause: err });
    throw err;
  }
  if (size === 0) throw new MediaError('UNSUPPORTED_MEDIA', 'the file is empty');
  if (opts.maxBytes !== undefined && size > opts.maxBytes) {
    throw new MediaError('TOO_LARGE', `video is ${size} bytes; the limit is ${opts.maxBytes} bytes`);
  }
  const sniffed = sniffVideoContainer(head);
  const fail = (reason: string): MediaError =>
    sniffed
      ? new MediaError('CORRUPT_MEDIA', `the ${sniffed === 'mp4' ? 'MP4/MOV' : 'WebM/Matroska'} file is corrupt or truncated: ${reason}`)
      : new MediaError('UNSUPPORTED_MEDIA', `not a supported video (accepted: ${ACCEPTED_VIDEO}): ${reason}`);

  const base = ['-v', 'error', '-hide_banner'];
  const input = INPUT_GUARD_ARGS;
  const target = fileInput(filePath);

  const first = await runTool(
    bins.ffprobe,
    [...base, ...input, '-print_format', 'json', '-show_format', '-show_streams', target],
    { timeoutMs },
  );
  if (first.timedOut) throw fail(`ffprobe timed out after ${Math.round(timeoutMs / 1000)} s`);
  let json: ProbeJson | undefined;
  try {
    json = JSON.parse(first.stdout.toString('utf8')) as ProbeJson;
  } catch {
    json = undefined;
  }
  if (first.code !== 0 || !json?.format?.format_name) {
    throw fail(toolReason(first.stderr, filePath) || `ffprobe exited with code ${first.code}`);
  }

  const formatName = json.format.format_name;
  const stream = (json.streams ?? []).find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  if (!stream) throw new MediaError('UNSUPPORTED_MEDIA', 'the file has no video track');
  const codec = stream.codec_name ?? 'unknown';

  let format: VideoFormat;
  if (formatName === 'mov,mp4,m4a,3gp,3g2,mj2') {
    format = json.format.tags?.major_brand?.trim() === 'qt' ? 'mov' : 'mp4';
  } else if (formatName === 'matroska,webm') {
    format = ['vp8', 'vp9', 'av1'].includes(codec) ? 'webm' : 'mkv';
  } else {
    throw new MediaError('UNSUPPORTED_MEDIA', `container ${formatName} is not supported; use ${ACCEPTED_VIDEO}`);
  }

  const rawW = stream.width ?? 0;
  const rawH = stream.height ?? 0;
  if (!(rawW > 0 && rawH > 0)) throw fail(`the video track has no frame size (${rawW}x${rawH})`);
  const rotation = rotationOf(stream);
  const swap = rotation === 90 || rotation === 270;
  const width = swap ? rawH : rawW;
  const height = swap ? rawW : rawH;
  if (opts.maxSide !== undefined && (width > opts.maxSide || height > opts.maxSide)) {
    throw new MediaError('TOO_MANY_PIXELS', `video frames are ${width}x${height}; the limit is ${opts.maxSide} pixels on each side (MEDIA_MAX_SIDE)`);
  }
  if (opts.maxPixels !== undefined && width * height > opts.maxPixels) {
    throw new MediaError('TOO_MANY_PIXELS', `video frames are ${width}x${height}; the limit is ${opts.maxPixels} pixels`);
  }

  const durationSec =
    parsePositive(stream.duration) ?? parsePositive(json.format.duration) ?? parseClock(stream.tags?.DURATION) ?? 0;
  let fps = parseRate(stream.avg_frame_rate) ?? parseRate(stream.r_frame_rate);
  const headerFrames = parsePositive(stream.nb_frames);

  let frameCount: number | undefined;
  let frameCountSource: VideoInfo['frameCountSource'] = 'header';
  if (headerFrames !== undefined && opts.verify === false) {
    frameCount = Math.round(headerFrames);
  } else {
    const count = await runTool(
      bins.ffprobe,
      [
        ...base,
        ...input,
        '-count_packets',
        '-select_streams',
        String(stream.index),
        '-show_entries',
        'stream=nb_read_packets',
        '-print_format',
        'json',
        target,
      ],
      { timeoutMs: Math.max(timeoutMs, 120_000) },
    );
    if (count.timedOut) throw fail('ffprobe timed out while counting frames');
    if (count.code !== 0 || TRUNCATION.test(count.stderr)) {
      throw fail(toolReason(count.stderr, filePath) || `ffprobe exited with code ${count.code}`);
    }
    let packets: number | undefined;
    try {
      const parsed = JSON.parse(count.stdout.toString('utf8')) as ProbeJson;
      packets = parsePositive(parsed.streams?.[0]?.nb_read_packets);
    } catch {
      packets = undefined;
    }
    if (headerFrames !== undefined) {
      frameCount = Math.round(packets !== undefined ? Math.min(headerFrames, packets) : headerFrames);
      if (packets !== undefined && packets < headerFrames) frameCountSource = 'packets';
    } else if (packets !== undefined) {
      frameCount = Math.round(packets);
      frameCountSource = 'packets';
    }
  }
  if (frameCount === undefined && fps !== undefined && durationSec > 0) {
    frameCount = Math.round(durationSec * fps);
    frameCountSource = 'duration';
  }
  if (!frameCount || frameCount <= 0) throw fail('the video track holds no frames');
  if (fps === undefined) {
    if (durationSec > 0) fps = frameCount / durationSec;
    else throw fail('the video has neither a frame rate nor a duration');
  }
  if (opts.maxFrames !== undefined && frameCount > opts.maxFrames) {
    throw new MediaError('TOO_LARGE', `video has ${frameCount} frames; the limit is ${opts.maxFrames}`);
  }
  if (opts.maxDurationSec !== undefined && durationSec > opts.maxDurationSec) {
    throw new MediaError('TOO_LARGE', `video lasts ${durationSec.toFixed(1)} s; the limit is ${opts.maxDurationSec} s`);
  }

  return {
    format,
    codec,
    width,
    height,
    fps,
    frameCount,
    durationSec: durationSec > 0 ? durationSec : frameCount / fps,
    rotation,
    frameCountSource,
    pixFmt: stream.pix_fmt,
    streamIndex: stream.index,
    mimeType: MIME[format],
    ext: format,
  };
}
