import { randomBytes } from 'node:crypto';
import { access, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaError, type MediaErrorCode } from '../../src/media/media-error.js';
import { FrameStore } from '../../src/media/video-frames.js';
import { ffmpegCapabilities, runTool, type FfmpegBins } from '../../src/media/ffmpeg.js';
import { probeVideo } from '../../src/media/video-probe.js';
import {
  availableCodecs,
  colorDistance,
  drawFrame,
  encodeTestVideo,
  rgbAt,
  testBins,
  type Rgb,
  type TestCodec,
} from '../fixtures/video.js';

const W = 64;
const H = 48;
const N = 30;
const BG: Rgb = [30, 40, 50];
const SQ: Rgb = [240, 200, 20];
const SIDE = 12;
const squareX = (i: number) => 4 + Math.round(i * 1.5);
const SQ_Y = 18;
const squareFrame = (i: number) => drawFrame(W, H, BG, [{ kind: 'rect', x: squareX(i), y: SQ_Y, w: SIDE, h: SIDE, color: SQ }]);

let dir: string;
let bins: FfmpegBins;
let codecs: TestCodec[];
const videos: Record<string, string> = {};

async function expectCode(p: Promise<unknown>, code: MediaErrorCode): Promise<MediaError> {
  const err = await p.then(
    () => new Error(`expected MediaError ${code}, got success`),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MediaError);
  expect((err as MediaError).code, (err as Error).message).toBe(code);
  return err as MediaError;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'maskql-video-'));
  bins = testBins();
  codecs = await availableCodecs(bins);
  const enc = async (name: string, codec: TestCodec, extra: Partial<Parameters<typeof encodeTestVideo>[0]> = {}) => {
    const outPath = path.join(dir, name);
    await encodeTestVideo({ outPath, width: W, height: H, fps: 30, frameCount: N, frames: squareFrame, codec, bins, ...extra });
    videos[name] = outPath;
  };
  const main: TestCodec = codecs.includes('h264') ? 'h264' : 'mpeg4';
  await Promise.all([
    enc('square.mp4', main),
    enc('square-mpeg4.mp4', 'mpeg4'),
    enc('square.mov', main),
    enc('faststart.mp4', main, { extraArgs: ['-movflags', '+faststart'] }),
    codecs.includes('vp9') ? enc('square.webm', 'vp9') : enc('square.mkv', main),
  ]);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function checkSquare(frame: { data: Buffer; width: number; height: number }, i: number, scale = 1): void {
  const cx = (squareX(i) + SIDE / 2) * scale;
  const cy = (SQ_Y + SIDE / 2) * scale;
  const tol = 40;
  expect(colorDistance(rgbAt(frame.data, frame.width, cx, cy), SQ), `square centre of frame ${i}`).toBeLessThanOrEqual(tol);
  expect(colorDistance(rgbAt(frame.data, frame.width, cx, 4 * scale), BG), `above the square in frame ${i}`).toBeLessThanOrEqual(tol);
  // Where the square was at frame 0 (or will be at frame 29) is background now.
  const other = i < 15 ? squareX(29) : squareX(0);
  expect(colorDistance(rgbAt(frame.data, frame.width, (other + SIDE / 2) * scale, cy), BG)).toBeLessThanOrEqual(tol);
}

describe('test video encoder', () => {
  it('knows which encoders this ffmpeg has', async () => {
    const caps = await ffmpegCapabilities(bins.ffmpeg);
    expect(codecs).toContain('mpeg4');
    console.info(`[media] ${caps.version} (${bins.source}); fps_mode: ${caps.fpsMode}; test codecs: ${codecs.join(', ')}`);
  });
});

describe('probeVideo', () => {
  it.each(['square.mp4', 'square-mpeg4.mp4', 'square.mov', 'faststart.mp4'])('probes %s', async (name) => {
    const info = await probeVideo(videos[name]!, bins);
    expect(info).toMatchObject({ width: W, height: H, frameCount: N, rotation: 0 });
    expect(info.fps).toBeCloseTo(30, 3);
    expect(info.durationSec).toBeCloseTo(1, 1);
    expect(info.format).toBe(name.endsWith('.mov') ? 'mov' : 'mp4');
    expect(info.codec).toBe(name.includes('mpeg4') || !codecs.includes('h264') ? 'mpeg4' : 'h264');
  });

  it('probes the Matroska/WebM video (frame count from packets)', async () => {
    const name = videos['square.webm'] ? 'square.webm' : 'square.mkv';
    const info = await probeVideo(videos[name]!, bins);
    expect(info).toMatchObject({ width: W, height: H, frameCount: N, frameCountSource: 'packets' });
    expect(info.format).toBe(name.endsWith('.webm') ? 'webm' : 'mkv');
    expect(info.fps).toBeCloseTo(30, 3);
  });

  it('reports the displayed size of a rotated video, and FrameStore decodes it upright', async () => {
    // Encoding drops a rotate tag (ffmpeg assumes it auto-rotated), so add it by remuxing:
    // the rotate tag for ffmpeg < 6, -display_rotation for newer builds.
    const rotated = path.join(dir, 'rotated.mp4');
    const src = videos['square.mp4']!;
    let r = await runTool(bins.ffmpeg, ['-v', 'error', '-i', src, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', '-y', rotated]);
    expect(r.code, r.stderr).toBe(0);
    let info = await probeVideo(rotated, bins);
    if (info.rotation === 0) {
      r = await runTool(bins.ffmpeg, ['-v', 'error', '-display_rotation', '90', '-i', src, '-c', 'copy', '-y', rotated]);
      expect(r.code, r.stderr).toBe(0);
      info = await probeVideo(rotated, bins);
    }
    expect([90, 270]).toContain(info.rotation);
    expect([info.width, info.height]).toEqual([H, W]);
    const store = new FrameStore({ dir, videoPath: rotated, width: info.width, height: info.height, frameCount: info.frameCount, bins, streamIndex: info.streamIndex });
    try {
      const f = await store.getFrame(0);
      expect([f.width, f.height]).toEqual([H, W]);
      // The square (x 4..16, y 18..30 in the stored 64x48 frame) lands where the rotation puts it.
      const sx = squareX(0) + SIDE / 2;
      const sy = SQ_Y + SIDE / 2;
      const [x, y] = info.rotation === 90 ? [H - sy, sx] : [sy, W - sx];
      expect(colorDistance(rgbAt(f.data, f.width, x, y), SQ)).toBeLessThanOrEqual(40);
      let yellow = 0;
      for (let p = 0; p < f.width * f.height; p++) {
        if (colorDistance([f.data[p * 3]!, f.data[p * 3 + 1]!, f.data[p * 3 + 2]!], SQ) < 40) yellow++;
      }
      expect(yellow).toBeGreaterThan(SIDE * SIDE * 0.7);
      expect(yellow).toBeLessThan(SIDE * SIDE * 1.3);
    } finally {
      await store.dispose();
    }
  });

  it('rejects truncated files as CORRUPT_MEDIA with the reason', async () => {
    const mp4 = await readFile(videos['square.mp4']!);
    const cutMp4 = path.join(dir, 'cut.mp4');
    await writeFile(cutMp4, mp4.subarray(0, Math.floor(mp4.length * 0.6)));
    const e1 = await expectCode(probeVideo(cutMp4, bins), 'CORRUPT_MEDIA');
    expect(e1.message).toMatch(/moov atom not found/);
    expect(e1.message).not.toContain(dir);

    // moov first: the header is fine, the samples are cut short.
    const fs = await readFile(videos['faststart.mp4']!);
    const cutFs = path.join(dir, 'cut-faststart.mp4');
    await writeFile(cutFs, fs.subarray(0, Math.floor(fs.length * 0.6)));
    await expectCode(probeVideo(cutFs, bins), 'CORRUPT_MEDIA');

    const mkvName = videos['square.webm'] ? 'square.webm' : 'square.mkv';
    const mkv = await readFile(videos[mkvName]!);
    const cutMkv = path.join(dir, `cut-${mkvName}`);
    await writeFile(cutMkv, mkv.subarray(0, Math.floor(mkv.length * 0.5)));
    await expectCode(probeVideo(cutMkv, bins), 'CORRUPT_MEDIA');

    const headerOnly = path.join(dir, 'header-only.webm');
    await writeFile(headerOnly, mkv.subarray(0, 40));
    await expectCode(probeVideo(headerOnly, bins), 'CORRUPT_MEDIA');
  });

  it('rejects non-videos and other containers as UNSUPPORTED_MEDIA', async () => {
    const text = path.join(dir, 'notes.mp4');
    await writeFile(text, 'this is a text file pretending to be a video\n'.repeat(100));
    await expectCode(probeVideo(text, bins), 'UNSUPPORTED_MEDIA');

    const rnd = path.join(dir, 'random.webm');
    await writeFile(rnd, randomBytes(20_000));
    await expectCode(probeVideo(rnd, bins), 'UNSUPPORTED_MEDIA');

    const png = path.join(dir, 'picture.mp4');
    await writeFile(png, await sharp({ create: { width: 32, height: 32, channels: 3, background: '#f00' } }).png().toBuffer());
    await expectCode(probeVideo(png, bins), 'UNSUPPORTED_MEDIA');

    const avi = path.join(dir, 'square.avi');
    await encodeTestVideo({ outPath: avi, width: W, height: H, fps: 30, frameCount: 5, frames: squareFrame, codec: 'mpeg4', bins });
    const e = await expectCode(probeVideo(avi, bins), 'UNSUPPORTED_MEDIA');
    expect(e.message).toMatch(/avi|not a supported video/i);

    const audio = path.join(dir, 'tone.m4a');
    const r = await runTool(bins.ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-c:a', 'aac', '-y', audio]);
    expect(r.code, r.stderr).toBe(0);
    const e2 = await expectCode(probeVideo(audio, bins), 'UNSUPPORTED_MEDIA');
    expect(e2.message).toMatch(/no video track/);

    await expectCode(probeVideo(path.join(dir, 'missing.mp4'), bins), 'NOT_FOUND');
    const empty = path.join(dir, 'empty.mp4');
    await writeFile(empty, '');
    await expectCode(probeVideo(empty, bins), 'UNSUPPORTED_MEDIA');
  });

  it('applies limits', async () => {
    await expectCode(probeVideo(videos['square.mp4']!, bins, { maxFrames: 29 }), 'TOO_LARGE');
    await expectCode(probeVideo(videos['square.mp4']!, bins, { maxPixels: W * H - 1 }), 'TOO_MANY_PIXELS');
    await expectCode(probeVideo(videos['square.mp4']!, bins, { maxBytes: 100 }), 'TOO_LARGE');
    await expectCode(probeVideo(videos['square.mp4']!, bins, { maxDurationSec: 0.5 }), 'TOO_LARGE');
  });

  it('reports a missing ffprobe as FFMPEG_UNAVAILABLE', async () => {
    await expectCode(probeVideo(videos['square.mp4']!, { ffprobe: path.join(dir, 'no-ffprobe') }), 'FFMPEG_UNAVAILABLE');
  });
});

describe('FrameStore', () => {
  const variants = () => [
    'square.mp4',
    'square-mpeg4.mp4',
    ...(videos['square.webm'] ? ['square.webm'] : ['square.mkv']),
  ];

  it('reads frames 0, 15 and 29 with the square where it was drawn', async () => {
    for (const name of variants()) {
      const store = new FrameStore({ dir, videoPath: videos[name]!, width: W, height: H, frameCount: N, bins });
      try {
        // Ask for a late frame first: it waits for the decoder; the early ones are then instant.
        const [f29, f0, f15] = await Promise.all([store.getFrame(29), store.getFrame(0), store.getFrame(15)]);
        for (const [f, i] of [[f0, 0], [f15, 15], [f29, 29]] as const) {
          expect([f.width, f.height, f.data.length]).toEqual([W, H, W * H * 3]);
          checkSquare(f, i);
        }
        expect(await store.whenDecoded()).toBe(N);
        expect((await stat(store.path!)).size).toBe(N * W * H * 3);
      } finally {
        await store.dispose();
      }
    }
  });

  it('keeps colours close on near-lossless h264', async () => {
    if (!codecs.includes('h264')) return;
    const store = new FrameStore({ dir, videoPath: videos['square.mp4']!, width: W, height: H, frameCount: N, bins });
    try {
      const f = await store.getFrame(10);
      const cx = squareX(10) + SIDE / 2;
      expect(colorDistance(rgbAt(f.data, W, cx, SQ_Y + SIDE / 2), SQ)).toBeLessThanOrEqual(8);
      expect(colorDistance(rgbAt(f.data, W, 2, 2), BG)).toBeLessThanOrEqual(8);
    } finally {
      await store.dispose();
    }
  });

  it('scales frames with -vf scale when the store size differs', async () => {
    const store = new FrameStore({ dir, videoPath: videos['square.mp4']!, width: W / 2, height: H / 2, frameCount: N, bins });
    try {
      const f = await store.getFrame(15);
      expect([f.width, f.height, f.data.length]).toEqual([W / 2, H / 2, (W / 2) * (H / 2) * 3]);
      checkSquare(f, 15, 0.5);
    } finally {
      await store.dispose();
    }
  });

  it('rejects out-of-range indexes and removes its file on dispose', async () => {
    const store = new FrameStore({ dir, videoPath: videos['square.mp4']!, width: W, height: H, frameCount: N, bins });
    await expect(store.getFrame(N)).rejects.toBeInstanceOf(RangeError);
    await expect(store.getFrame(-1)).rejects.toBeInstanceOf(RangeError);
    await expect(store.getFrame(1.5)).rejects.toBeInstanceOf(RangeError);
    await store.getFrame(3);
    const file = store.path!;
    await access(file);
    await store.dispose();
    await expect(access(file)).rejects.toThrow();
    await expect(store.getFrame(3)).rejects.toThrow(/disposed/);
    await store.dispose(); // idempotent
  });

  it('serves the frames of a truncated video that exist and rejects the rest', async () => {
    const fs = await readFile(videos['faststart.mp4']!);
    const cut = path.join(dir, 'cut-for-store.mp4');
    await writeFile(cut, fs.subarray(0, Math.floor(fs.length * 0.85)));
    const store = new FrameStore({ dir, videoPath: cut, width: W, height: H, frameCount: N, bins });
    try {
      checkSquare(await store.getFrame(0), 0);
      await expectCode(store.getFrame(29), 'CORRUPT_MEDIA');
      expect(store.decodedFrames).toBeGreaterThan(0);
      expect(store.decodedFrames).toBeLessThan(N);
      await expectCode(store.whenDecoded(), 'CORRUPT_MEDIA');
    } finally {
      await store.dispose();
    }
  });

  it('stops ffmpeg and deletes the file when disposed mid-decode', async () => {
    const long = path.join(dir, 'long.mp4');
    const r = await runTool(bins.ffmpeg, [
      '-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=30', '-t', '20',
      '-c:v', 'mpeg4', '-q:v', '5', '-y', long,
    ], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const info = await probeVideo(long, bins);
    expect(info.frameCount).toBe(600);
    const store = new FrameStore({ dir, videoPath: long, width: 640, height: 480, frameCount: info.frameCount, bins });
    await store.getFrame(0);
    const file = store.path!;
    await store.dispose();
    const after = store.decodedFrames;
    await expect(access(file)).rejects.toThrow();
    await new Promise((res) => setTimeout(res, 300));
    expect(store.decodedFrames).toBe(after);
    await expect(access(file)).rejects.toThrow();
  });

  it('reports a missing ffmpeg as FFMPEG_UNAVAILABLE', async () => {
    const store = new FrameStore({
      dir,
      videoPath: videos['square.mp4']!,
      width: W,
      height: H,
      frameCount: N,
      bins: { ffmpeg: path.join(dir, 'no-ffmpeg') },
    });
    await expectCode(store.getFrame(0), 'FFMPEG_UNAVAILABLE');
    await store.dispose();
  });

  it('sweep removes frame files of dead processes only', async () => {
    const sweepDir = path.join(dir, 'sweep');
    const store = new FrameStore({ dir: sweepDir, videoPath: videos['square.mp4']!, width: W, height: H, frameCount: N, bins });
    await store.getFrame(0);
    // pid 2^22+1 is above Linux's pid_max limit: never a live process.
    const dead = path.join(sweepDir, `frames-${2 ** 22 + 1}-0123456789ab.rgb`);
    await writeFile(dead, 'stale');
    await writeFile(path.join(sweepDir, 'other.txt'), 'kept');
    expect(await FrameStore.sweep(sweepDir)).toBe(1);
    await expect(access(dead)).rejects.toThrow();
    await access(store.path!); // ours is alive
    await access(path.join(sweepDir, 'other.txt'));
    await store.dispose();
    expect(await FrameStore.sweep(path.join(dir, 'no-such-dir'))).toBe(0);
  });

  it('refuses a store larger than maxBytes', () => {
    expect(
      () => new FrameStore({ dir, videoPath: videos['square.mp4']!, width: 1920, height: 1080, frameCount: 100_000, bins, maxBytes: 2 ** 30 }),
    ).toThrow(MediaError);
  });
});
