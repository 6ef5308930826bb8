// Synthetic media: pictures of flat-coloured shapes and videos of moving discs, drawn pixel by
// pixel (so the content is exact) and encoded by the same ffmpeg the server resolves.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import sharp from 'sharp';
import { resolveFfmpeg, type FfmpegBins } from '../../src/media/ffmpeg.js';

export type Rgb = readonly [number, number, number];
export type Shape =
  | { kind: 'rect'; x: number; y: number; w: number; h: number; color: Rgb }
  | { kind: 'disc'; cx: number; cy: number; r: number; color: Rgb };

export const BACKGROUND: Rgb = [235, 235, 225];

/** Packed RGB (3 bytes a pixel), background first, then each shape over it (only its bounding box is scanned). */
export function drawRgb(width: number, height: number, shapes: readonly Shape[], background: Rgb = BACKGROUND): Buffer {
  const buf = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    buf[i * 3] = background[0];
    buf[i * 3 + 1] = background[1];
    buf[i * 3 + 2] = background[2];
  }
  for (const s of shapes) {
    const [bx0, by0, bx1, by1] = s.kind === 'rect' ? [s.x, s.y, s.x + s.w, s.y + s.h] : [s.cx - s.r, s.cy - s.r, s.cx + s.r, s.cy + s.r];
    for (let y = Math.max(0, Math.floor(by0)); y < Math.min(height, Math.ceil(by1) + 1); y++) {
      for (let x = Math.max(0, Math.floor(bx0)); x < Math.min(width, Math.ceil(bx1) + 1); x++) {
        const inside =
          s.kind === 'rect'
            ? x >= s.x && x < s.x + s.w && y >= s.y && y < s.y + s.h
            : (x + 0.5 - s.cx) ** 2 + (y + 0.5 - s.cy) ** 2 <= s.r * s.r;
        if (!inside) continue;
        const o = (y * width + x) * 3;
        buf[o] = s.color[0];
        buf[o + 1] = s.color[1];
        buf[o + 2] = s.color[2];
      }
    }
  }
  return buf;
}

export function pngOf(rgb: Buffer, width: number, height: number): Promise<Buffer> {
  return sharp(rgb, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

// --- the picture of figure 1 -----------------------------------------------------------------

export const PICTURE = { width: 640, height: 480 } as const;
export const PICTURE_SHAPES: Shape[] = [
  { kind: 'rect', x: 40, y: 40, w: 180, h: 140, color: [200, 40, 40] },
  { kind: 'disc', cx: 420, cy: 130, r: 90, color: [40, 90, 200] },
  { kind: 'rect', x: 80, y: 260, w: 220, h: 170, color: [40, 160, 60] },
  { kind: 'disc', cx: 480, cy: 360, r: 80, color: [230, 180, 30] },
  { kind: 'rect', x: 330, y: 250, w: 60, h: 200, color: [120, 50, 160] },
];
/** One positive click in the middle of each of the first three shapes (normalised coordinates). */
export const PICTURE_CLICKS = [
  { x: 130 / 640, y: 110 / 480 },
  { x: 420 / 640, y: 130 / 480 },
  { x: 190 / 640, y: 345 / 480 },
];

// --- videos of moving discs ------------------------------------------------------------------

/** A triangle wave between 0 and 1 with the given period in frames. */
const tri = (i: number, period: number) => {
  const p = (i % period) / period;
  return p < 0.5 ? p * 2 : 2 - p * 2;
};

export interface DiscsVideo {
  width: number;
  height: number;
  frames: number;
  fps: number;
  discs: { color: Rgb; r: number; path: (i: number) => [number, number] }[];
}

/** The tracking test video of the test suite (test/support/discs-video.ts): two discs, 60 frames, 320x240. */
export const TWO_DISCS: DiscsVideo = {
  width: 320,
  height: 240,
  frames: 60,
  fps: 30,
  discs: [
    { color: [210, 40, 40], r: 28, path: (i) => [45 + 200 * tri(i, 120), 70 + 40 * Math.sin(i / 12)] },
    { color: [40, 70, 210], r: 24, path: (i) => [275 - 180 * tri(i, 120), 170 - 30 * Math.sin(i / 15)] },
  ],
};

/** The long video of figure 3: one disc wandering over a 640x480 picture for 2,000 frames. */
export function longDiscVideo(frames: number): DiscsVideo {
  return {
    width: 640,
    height: 480,
    frames,
    fps: 30,
    discs: [{ color: [210, 40, 40], r: 40, path: (i) => [60 + 520 * tri(i, 400), 240 + 150 * Math.sin(i / 45)] }],
  };
}

export function discFrame(v: DiscsVideo, i: number): Buffer {
  return drawRgb(
    v.width,
    v.height,
    v.discs.map((d) => {
      const [cx, cy] = d.path(i);
      return { kind: 'disc' as const, cx, cy, r: d.r, color: d.color };
    }),
  );
}

export function benchBins(): FfmpegBins {
  return resolveFfmpeg({ envPath: process.env.PATH });
}

/** Pipes raw RGB frames into ffmpeg (libx264, veryfast, crf 12, yuv420p) and writes outPath. */
export async function encodeDiscsVideo(v: DiscsVideo, outPath: string, bins: Pick<FfmpegBins, 'ffmpeg'> = benchBins()): Promise<void> {
  const args = [
    '-hide_banner', '-v', 'error',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${v.width}x${v.height}`, '-framerate', String(v.fps), '-i', 'pipe:0',
    '-an', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '12', '-pix_fmt', 'yuv420p',
    '-y', outPath,
  ];
  const child = spawn(bins.ffmpeg, args, { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => (stderr = (stderr + s).slice(-4096)));
  let stdinError: Error | undefined;
  child.stdin.on('error', (e) => (stdinError = e));
  const closed = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  for (let i = 0; i < v.frames && !stdinError; i++) {
    if (!child.stdin.write(discFrame(v, i))) await Promise.race([once(child.stdin, 'drain'), closed]);
  }
  child.stdin.end();
  const code = await closed;
  if (code !== 0) throw new Error(`ffmpeg failed to encode ${path.basename(outPath)} (${code}): ${stderr.trim()}`);
}
