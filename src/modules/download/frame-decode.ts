// One frame of a media as PNG: the image itself, or frame i of a video decoded by ffmpeg (every
// frame counted in decode order, as the frame store and the masks count them).
import sharp from 'sharp';
import { MediaError, trimReason } from '../../media/media-error.js';
import { ffmpegCapabilities, fileInput, INPUT_GUARD_ARGS, passthroughArgs, runTool, type FfmpegBins } from '../../media/ffmpeg.js';

export async function videoFramePng(file: string, bins: FfmpegBins, index: number, width: number, height: number): Promise<Buffer> {
  const caps = await ffmpegCapabilities(bins.ffmpeg);
  const frameBytes = width * height * 3;
  const res = await runTool(
    bins.ffmpeg,
    ['-hide_banner', '-nostdin', '-v', 'error', ...INPUT_GUARD_ARGS, '-i', fileInput(file), '-map', '0:v:0', '-an', '-vf', `select=eq(n\\,${index}),scale=${width}:${height}:flags=bicubic+accurate_rnd+full_chroma_int`, ...passthroughArgs(caps), '-frames:v', '1', '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1'],
    { maxStdoutBytes: frameBytes + 1, timeoutMs: 120_000 },
  );
  if (res.stdout.length < frameBytes) throw new MediaError('CORRUPT_MEDIA', `cannot decode frame ${index}: ${trimReason(res.stderr) || 'no frame data'}`);
  return sharp(res.stdout.subarray(0, frameBytes), { raw: { width, height, channels: 3 } }).png().toBuffer();
}

export function imagePng(bytes: Buffer): Promise<Buffer> {
  return sharp(bytes).rotate().png().toBuffer();
}
