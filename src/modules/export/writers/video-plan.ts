// Which ffmpeg options make the masked video: the video encoder of the container, and the audio
// stream copied when the container takes its codec, else re-encoded. The resolved ffmpeg may be
// Debian's or the static npm build; their encoders differ, so each is checked and a missing one is
// a coded error (ENCODER_UNAVAILABLE) rather than a broken file.
import path from 'node:path';
import { ffmpegCapabilities, fileInput, INPUT_GUARD_ARGS, runTool, type FfmpegBins } from '../../../media/ffmpeg.js';
import { ExportError } from './writer.js';

export type Container = 'MP4' | 'WEBM';
export type Effect = 'OVERLAY' | 'CUTOUT';

export interface VideoPlan {
  ext: 'mp4' | 'webm';
  mimeType: string;
  /** Raw frames piped into the encoder: rgba when the output keeps an alpha channel. */
  inputPixFmt: 'rgb24' | 'rgba';
  videoArgs: string[];
  /** Empty when the input has no audio. */
  audioArgs: string[];
  audioCodec: string | null;
}

const audioEncoderCache = new Map<string, Promise<Set<string>>>();

async function audioEncoders(ffmpeg: string): Promise<Set<string>> {
  let p = audioEncoderCache.get(ffmpeg);
  if (!p) {
    p = runTool(ffmpeg, ['-hide_banner', '-encoders'], { timeoutMs: 15_000 }).then((r) => {
      const names = new Set<string>();
      for (const line of r.stdout.toString('utf8').split('\n')) {
        const m = /^\s*A[.A-Z]{5}\s+(\S+)/.exec(line);
        if (m) names.add(m[1]!);
      }
      return names;
    });
    audioEncoderCache.set(ffmpeg, p);
    p.catch(() => audioEncoderCache.delete(ffmpeg));
  }
  return p;
}

/** The codec of the first audio stream, or null when there is none. */
export async function probeAudioCodec(bins: Pick<FfmpegBins, 'ffprobe'>, file: string): Promise<string | null> {
  const r = await runTool(bins.ffprobe, ['-v', 'error', ...INPUT_GUARD_ARGS, '-select_streams', 'a:0', '-show_entries', 'stream=codec_name', '-of', 'json', fileInput(file)], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new ExportError('CORRUPT_MEDIA', `ffprobe could not read ${path.basename(file)}'s audio`);
  const streams = (JSON.parse(r.stdout.toString('utf8') || '{}') as { streams?: { codec_name?: string }[] }).streams ?? [];
  return streams[0]?.codec_name ?? null;
}

const COPYABLE: Record<Container, string[]> = { MP4: ['aac', 'mp3', 'alac'], WEBM: ['opus', 'vorbis'] };
/** Audio encoders to try, best first, with the options each needs. */
const AUDIO_ENCODERS: Record<Container, [string, string[]][]> = {
  MP4: [
    ['aac', ['-b:a', '160k']],
    ['libfdk_aac', ['-b:a', '160k']],
  ],
  WEBM: [
    ['libopus', ['-b:a', '128k']],
    ['libvorbis', ['-q:a', '5']],
    ['opus', ['-b:a', '128k', '-strict', '-2']],
  ],
};

export async function planVideo(bins: FfmpegBins, file: string, container: Container, effect: Effect): Promise<VideoPlan> {
  const caps = await ffmpegCapabilities(bins.ffmpeg);
  const alpha = container === 'WEBM' && effect === 'CUTOUT';
  const encoder = container === 'MP4' ? 'libx264' : 'libvpx-vp9';
  if (!caps.encoders.has(encoder)) {
    const other = container === 'MP4' ? 'WEBM' : 'MP4';
    throw new ExportError('ENCODER_UNAVAILABLE', `this server's ffmpeg (${caps.version}) has no ${encoder} encoder`, `Choose container ${other}, or point FFMPEG_PATH at an ffmpeg built with ${encoder}.`);
  }
  // Even sizes for 4:2:0 chroma (an odd edge gets one padded pixel).
  const even = ['-vf', 'pad=ceil(iw/2)*2:ceil(ih/2)*2'];
  const videoArgs =
    container === 'MP4'
      ? ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-pix_fmt', 'yuv420p', ...even, '-movflags', '+faststart']
      : ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-row-mt', '1', '-crf', '24', '-b:v', '0', '-pix_fmt', alpha ? 'yuva420p' : 'yuv420p', ...(alpha ? ['-auto-alt-ref', '0'] : []), ...even];

  const audioCodec = await probeAudioCodec(bins, file);
  let audioArgs: string[] = [];
  if (audioCodec) {
    if (COPYABLE[container].includes(audioCodec)) {
      audioArgs = ['-c:a', 'copy'];
    } else {
      const have = await audioEncoders(bins.ffmpeg);
      const pick = AUDIO_ENCODERS[container].find(([name]) => have.has(name));
      if (!pick) {
        throw new ExportError('ENCODER_UNAVAILABLE', `the video's ${audioCodec} audio cannot go into ${container} as it is, and this ffmpeg has none of ${AUDIO_ENCODERS[container].map(([n]) => n).join(', ')}`, 'Choose the other container, or use an ffmpeg with those encoders.');
      }
      audioArgs = ['-c:a', pick[0], ...pick[1]];
    }
  }
  return {
    ext: container === 'MP4' ? 'mp4' : 'webm',
    mimeType: container === 'MP4' ? 'video/mp4' : 'video/webm',
    inputPixFmt: alpha ? 'rgba' : 'rgb24',
    videoArgs,
    audioArgs,
    audioCodec,
  };
}

/** A frame rate as ffmpeg reads it: NTSC rates as n*1000/1001, others as they are. */
export function rateString(fps: number): string {
  const ntsc = (fps * 1001) / 1000;
  if (Math.abs(ntsc - Math.round(ntsc)) < 1e-3 && Math.abs(fps - Math.round(fps)) > 1e-3) return `${Math.round(ntsc) * 1000}/1001`;
  return Number.isInteger(fps) ? String(fps) : fps.toFixed(6);
}
