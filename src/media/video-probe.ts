// Probing an uploaded video with ffprobe: container, codec, size, frame rate, frame count and
// duration, checked against the limits; damaged and unsupported files get a clear MediaError.
import { open, stat } from 'node:fs/promises';
import { ACCEPTED_VIDEO, sniffVideoContainer } from './container-sniff.js';
import { fileInput, INPUT_GUARD_ARGS, runTool, type FfmpegBins } from './ffmpeg.js';
import { MediaError, errnoCode, toolReason } from './media-error.js';

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
