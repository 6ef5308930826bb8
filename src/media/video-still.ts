// One decoded frame of a video (for its thumbnail), without a frame store.
import { MediaError, toolReason } from './media-error.js';
import { fileInput, INPUT_GUARD_ARGS, runTool, type FfmpegBins } from './ffmpeg.js';

export async function decodeFirstFrame(
  videoPath: string,
  bins: Pick<FfmpegBins, 'ffmpeg'>,
  width: number,
  height: number,
): Promise<{ data: Buffer; width: number; height: number }> {
  const frameBytes = width * height * 3;
  const res = await runTool(
    bins.ffmpeg,
    ['-hide_banner', '-nostdin', '-v', 'error', ...INPUT_GUARD_ARGS, '-i', fileInput(videoPath), '-map', '0:v:0', '-frames:v', '1', '-vf', `scale=${width}:${height}`, '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1'],
    { maxStdoutBytes: frameBytes + 1, timeoutMs: 60_000 },
  );
  if (res.stdout.length < frameBytes) {
    throw new MediaError('CORRUPT_MEDIA', `cannot decode the first frame: ${toolReason(res.stderr, videoPath) || 'no frame data'}`);
  }
  return { data: res.stdout.subarray(0, frameBytes), width, height };
}
