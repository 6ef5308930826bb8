// The frame store's window: a video longer than maxDiskBytes goes through two chunks re-decoded
// by seeking. Every frame must be byte-for-byte the frame of a whole decode (masks depend on it),
// the file must stay within its bound, and going backward must not decode from the start.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameStore } from '../../src/media/video-frames.js';
import { readFrameIndex } from '../../src/media/video-index.js';
import { videoFramePng } from '../../src/modules/download/frame-decode.js';
import sharp from 'sharp';
import type { FfmpegBins } from '../../src/media/ffmpeg.js';
import { availableCodecs, drawFrame, encodeTestVideo, testBins, type Rgb, type TestCodec } from '../fixtures/video.js';

const W = 64;
const H = 48;
const N = 90;
const FRAME = W * H * 3;
/** Room for 20 frames: chunks of 10. */
const BOUND = 20 * FRAME + 100;

// A moving square on a background whose shade changes with the frame: neighbours differ.
const frameAt = (i: number) => {
  const bg: Rgb = [20 + (i % 7) * 20, 40, 60 + (i % 5) * 25];
  return drawFrame(W, H, bg, [{ kind: 'rect', x: (i * 3) % (W - 10), y: 10 + (i % 20), w: 10, h: 10, color: [240, 200, 20] }]);
};

let dir: string;
let bins: FfmpegBins;
const videos: { name: string; file: string; reference: Buffer[] }[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'maskql-window-'));
  bins = testBins();
  const codecs = await availableCodecs(bins);
  // Short GOPs with B-frames (h264), plain I/P (mpeg4), VP9 in WebM: seeks land mid-video.
  const specs: [string, TestCodec, string[]][] = [
    ['gop.mp4', codecs.includes('h264') ? 'h264' : 'mpeg4', codecs.includes('h264') ? ['-g', '12', '-bf', '3'] : ['-g', '12']],
    ['gop-mpeg4.mp4', 'mpeg4', ['-g', '15']],
    ...(codecs.includes('vp9') ? [['gop.webm', 'vp9', ['-g', '12']] as [string, TestCodec, string[]]] : []),
  ];
  for (const [name, codec, extraArgs] of specs) {
    const file = path.join(dir, name);
    await encodeTestVideo({ outPath: file, width: W, height: H, fps: 30, frameCount: N, frames: frameAt, codec, extraArgs, bins });
    // The reference: the whole video decoded once, as a store that fits it does.
    const whole = new FrameStore({ dir, videoPath: file, width: W, height: H, frameCount: N, bins });
    try {
      expect(whole.regions).toBe(1);
      const reference: Buffer[] = [];
      for (let i = 0; i < N; i++) reference.push((await whole.getFrame(i)).data);
      videos.push({ name, file, reference });
    } finally {
      await whole.dispose();
    }
  }
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fileSize(store: FrameStore): Promise<number> {
  return store.path ? (await stat(store.path)).size : 0;
}

describe('FrameStore window', () => {
  it('the frame index lists every frame of the test videos', async () => {
    for (const v of videos) expect((await readFrameIndex(v.file, bins))?.count, v.name).toBe(N);
  });

  it('forward: every frame exact, the file within its bound, each frame decoded once', async () => {
    for (const v of videos) {
      const store = new FrameStore({ dir, videoPath: v.file, width: W, height: H, frameCount: N, bins, maxDiskBytes: BOUND });
      try {
        expect([store.regions, store.chunkFrames, store.diskBytes]).toEqual([2, 10, 20 * FRAME]);
        let peak = 0;
        for (let i = 0; i < N; i++) {
          const f = await store.getFrame(i);
          expect(f.data.equals(v.reference[i]!), `${v.name} frame ${i}`).toBe(true);
          peak = Math.max(peak, await fileSize(store));
        }
        expect(peak).toBeLessThanOrEqual(store.diskBytes);
        expect(store.decodedFrames).toBe(N);
      } finally {
        await store.dispose();
      }
    }
  });

  it('backward, with the next frame asked for while this one is read (as the trackers prefetch): exact, bounded, no decode from the start', async () => {
    for (const v of videos) {
      const store = new FrameStore({ dir, videoPath: v.file, width: W, height: H, frameCount: N, bins, maxDiskBytes: BOUND });
      try {
        let peak = 0;
        for (let i = N - 1; i >= 0; i--) {
          const [f] = await Promise.all([store.getFrame(i), i > 0 ? store.getFrame(i - 1) : undefined]);
          expect(f.data.equals(v.reference[i]!), `${v.name} frame ${i}`).toBe(true);
          peak = Math.max(peak, await fileSize(store));
        }
        expect(peak).toBeLessThanOrEqual(store.diskBytes);
        // Each chunk decoded once (decoding from the start for each frame would be ~N*N/2).
        expect(store.decodedFrames).toBeLessThanOrEqual(N + store.chunkFrames);
        expect(store.skippedFrames).toBe(0);
      } finally {
        await store.dispose();
      }
    }
  });

  it('random access and concurrent readers far apart: exact, bounded', async () => {
    const v = videos[0]!;
    const store = new FrameStore({ dir, videoPath: v.file, width: W, height: H, frameCount: N, bins, maxDiskBytes: BOUND });
    try {
      const order = [45, 3, 88, 12, 13, 60, 59, 0, 89, 31, 77, 76, 75, 20];
      for (const i of order) expect((await store.getFrame(i)).data.equals(v.reference[i]!), `frame ${i}`).toBe(true);
      const all = await Promise.all([5, 85, 40, 41, 70, 6].map((i) => store.getFrame(i)));
      [5, 85, 40, 41, 70, 6].forEach((i, k) => expect(all[k]!.data.equals(v.reference[i]!), `frame ${i}`).toBe(true));
      expect(await fileSize(store)).toBeLessThanOrEqual(store.diskBytes);
    } finally {
      await store.dispose();
    }
  });

  it('without ffprobe (no frame index) it decodes from the start and drops frames: still exact', async () => {
    const v = videos[0]!;
    const store = new FrameStore({ dir, videoPath: v.file, width: W, height: H, frameCount: N, bins: { ffmpeg: bins.ffmpeg }, maxDiskBytes: BOUND });
    try {
      for (const i of [70, 69, 50, 49, 20, 89]) expect((await store.getFrame(i)).data.equals(v.reference[i]!), `frame ${i}`).toBe(true);
      expect(store.skippedFrames).toBeGreaterThan(0);
      expect(await fileSize(store)).toBeLessThanOrEqual(store.diskBytes);
    } finally {
      await store.dispose();
    }
  });

  it('whenDecoded reaches the last frame; dispose deletes the file and stops ffmpeg', async () => {
    const v = videos[0]!;
    const store = new FrameStore({ dir, videoPath: v.file, width: W, height: H, frameCount: N, bins, maxDiskBytes: BOUND });
    expect(await store.whenDecoded()).toBe(N);
    const file = store.path!;
    await store.getFrame(0);
    await store.dispose();
    await expect(stat(file)).rejects.toThrow();
    await expect(store.getFrame(1)).rejects.toThrow(/disposed/);
  });

  it('one frame as PNG (frame route, signed frame URLs) seeks to it: the same pixels as the store', async () => {
    for (const v of videos) {
      for (const i of [0, 1, 44, 89]) {
        const raw = await sharp(await videoFramePng(v.file, bins, i, W, H)).removeAlpha().raw().toBuffer();
        expect(raw.equals(v.reference[i]!), `${v.name} frame ${i}`).toBe(true);
      }
    }
  });

  it('a bound smaller than two frames still keeps two', () => {
    const store = new FrameStore({ dir, videoPath: videos[0]!.file, width: W, height: H, frameCount: N, bins, maxDiskBytes: 1 });
    expect([store.regions, store.chunkFrames, store.slots]).toEqual([2, 1, 2]);
  });
});
