// The video with its masks applied. One ffmpeg decodes the original to raw RGB (every frame once,
// in order, at the media's display size: the frames the masks were made on), the frames are
// composed here, and a second ffmpeg encodes them at the original rate, taking the audio stream
// straight from the original file.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { ffmpegCapabilities, fileInput, INPUT_GUARD_ARGS, passthroughArgs, type FfmpegBins } from '../../../media/ffmpeg.js';
import { sessionFrames, type SessionSource } from '../export-source.js';
import { composeFrame } from './compose.js';
import { hex, paletteColor } from './palette.js';
import { planVideo, rateString, type Container, type Effect } from './video-plan.js';
import { ExportCancelled, ExportError, type WriterContext, type WrittenFile } from './writer.js';

export interface MaskedVideoOptions {
  container: Container;
  effect: Effect;
  opacity: number;
}

/** Packed frames of frameBytes each from a raw video stream. */
async function* rawFrames(stream: Readable, frameBytes: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let have = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let c = chunk;
    while (c.length) {
      const take = Math.min(c.length, frameBytes - have);
      parts.push(c.subarray(0, take));
      have += take;
      c = c.subarray(take);
      if (have === frameBytes) {
        yield parts.length === 1 ? parts[0]! : Buffer.concat(parts, frameBytes);
        parts = [];
        have = 0;
      }
    }
  }
}

function collectStderr(child: ChildProcess): () => string {
  let s = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    s = (s + d).slice(-4096);
  });
  return () => s.trim().split('\n').slice(-3).join(' | ');
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('error', () => resolve(-1));
    child.once('close', (code) => resolve(code));
  });
}

export async function writeMaskedVideo(ctx: WriterContext, src: SessionSource, file: string, bins: FfmpegBins, opts: MaskedVideoOptions): Promise<{ files: WrittenFile[]; objects: { objectId: number; label: string | null; color: string }[]; audioCodec: string | null }> {
  if (src.media.kind !== 'VIDEO') throw new ExportError('BAD_USER_INPUT', 'MASKED_VIDEO needs a session on a video');
  const plan = await planVideo(bins, file, opts.container, opts.effect);
  const caps = await ffmpegCapabilities(bins.ffmpeg);
  const { width, height, fps } = src.media;
  const frameCount = src.frameCount;
  const name = `masked.${plan.ext}`;
  const out = path.join(ctx.dir, name);
  const quiet = ['-hide_banner', '-nostdin', '-v', 'error'];
  const decoder = spawn(bins.ffmpeg, [...quiet, ...INPUT_GUARD_ARGS, '-i', fileInput(file), '-map', '0:v:0', '-an', '-sn', '-dn', '-vf', `scale=${width}:${height}:flags=bicubic+accurate_rnd+full_chroma_int`, '-pix_fmt', 'rgb24', ...passthroughArgs(caps), '-frames:v', String(frameCount), '-f', 'rawvideo', 'pipe:1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const encoder = spawn(
    bins.ffmpeg,
    [
      ...quiet.filter((a) => a !== '-nostdin'),
      '-f', 'rawvideo', '-pix_fmt', plan.inputPixFmt, '-s', `${width}x${height}`, '-framerate', rateString(fps ?? 30), '-i', 'pipe:0',
      ...INPUT_GUARD_ARGS, '-i', fileInput(file),
      '-map', '0:v:0', ...(plan.audioArgs.length ? ['-map', '1:a:0'] : []),
      ...plan.videoArgs, ...plan.audioArgs,
      '-y', out,
    ],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
  const decErr = collectStderr(decoder);
  const encErr = collectStderr(encoder);
  const decExit = exitOf(decoder);
  const encExit = exitOf(encoder);
  let stdinError: Error | undefined;
  encoder.stdin!.on('error', (e) => (stdinError = e));
  const kill = () => {
    decoder.kill('SIGKILL');
    encoder.kill('SIGKILL');
  };
  ctx.signal.addEventListener('abort', kill, { once: true });
  const compose = { width, height, effect: opts.effect, alpha: plan.inputPixFmt === 'rgba', opacity: opts.opacity };
  let done = 0;
  try {
    await ctx.progress({ framesDone: 0, framesTotal: frameCount, message: `encoding ${name}` });
    const masks = sessionFrames(ctx.prisma, src);
    for await (const frame of rawFrames(decoder.stdout!, width * height * 3)) {
      const next = await masks.next();
      if (next.done) break;
      if (ctx.signal.aborted) throw new ExportCancelled('cancelled');
      if (stdinError) break;
      if (!encoder.stdin!.write(composeFrame(frame, next.value.rows, compose))) await Promise.race([once(encoder.stdin!, 'drain'), encExit]);
      done++;
      await ctx.progress({ framesDone: done });
    }
    encoder.stdin!.end();
    const [dc, ec] = await Promise.all([decExit, encExit]);
    if (ctx.signal.aborted) throw new ExportCancelled('cancelled');
    if (dc !== 0 || done < frameCount) throw new ExportError('CORRUPT_MEDIA', `the video decoded to ${done} of ${frameCount} frames (ffmpeg ${dc}): ${decErr()}`);
    if (ec !== 0) throw new ExportError('ENCODE_FAILED', `ffmpeg could not encode ${name} (${ec}): ${encErr()}`);
  } catch (err) {
    kill();
    await Promise.all([decExit, encExit]);
    throw err;
  } finally {
    ctx.signal.removeEventListener('abort', kill);
  }
  const objects = src.objects.map((o) => ({ objectId: o.objectId, label: o.label, color: hex(paletteColor(o.objectId)) }));
  return { files: [{ name, mimeType: plan.mimeType }], objects, audioCodec: plan.audioCodec };
}
