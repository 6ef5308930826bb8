// One frame of a media as PNG: the image itself, or frame i of a video decoded by ffmpeg (every
// frame counted in presentation order, as the frame store and the masks count them). ffmpeg seeks
// to the frame through the video's frame index, so a late frame costs what an early one does.
import sharp from 'sharp';
import { MediaError, trimReason } from '../../media/media-error.js';
import { ffmpegCapabilities, fileInput, INPUT_GUARD_ARGS, passthroughArgs, runTool, type FfmpegBins } from '../../media/ffmpeg.js';
import { cachedFrameIndex, seekArgs } from '../../media/video-index.js';

export async function videoFramePng(file: string, bins: FfmpegBins, index: number, width: number, height: number): Promise<Buffer> {
  const [caps, frames] = await Promise.all([ffmpegCapabilities(bins.ffmpeg), cachedFrameIndex(file, bins)]);
  const frameBytes = width * height * 3;
  const seek = frames ? seekArgs(frames, index) : [];
  // Without an index (timestamps that cannot be ordered), decode from the start and keep frame n.
  const select = seek.length || index === 0 ? '' : `select=eq(n\\,${index}),`;
  const res = await runTool(
    bins.ffmpeg,
    ['-hide_banner', '-nostdin', '-v', 'error', ...INPUT_GUARD_ARGS, ...seek, '-i', fileInput(file), '-map', '0:v:0', '-an', '-vf', `${select}scale=${width}:${height}:flags=bicubic+accurate_rnd+full_chroma_int`, ...passthroughArgs(caps), '-frames:v', '1', '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1'],
    { maxStdoutBytes: frameBytes + 1, timeoutMs: 120_000 },
  );
  if (res.stdout.length < frameBytes) throw new MediaError('CORRUPT_MEDIA', `cannot decode frame ${index}: ${trimReason(res.stderr) || 'no frame data'}`);
  return sharp(res.stdout.subarray(0, frameBytes), { raw: { width, height, channels: 3 } }).png().toBuffer();
}

export function imagePng(bytes: Buffer): Promise<Buffer> {
  return sharp(bytes).rotate().png().toBuffer();
}
