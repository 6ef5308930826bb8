// The tracking test video: two coloured discs moving on their own paths over a light background.
// Positions are a pure function of the frame, so tests know the ground truth of every frame.
import { drawFrame, encodeTestVideo, type Rgb, type Shape } from '../fixtures/video.js';
import type { FfmpegBins } from '../../src/media/ffmpeg.js';

export const DISCS_VIDEO = { width: 320, height: 240, frames: 60, fps: 30 } as const;
export const BACKGROUND: Rgb = [235, 235, 225];
/** A triangle wave between 0 and 1 with the given period in frames: paths that never leave the picture. */
const tri = (i: number, period: number) => {
  const p = (i % period) / period;
  return p < 0.5 ? p * 2 : 2 - p * 2;
};

export const DISCS: { color: Rgb; r: number; path: (i: number) => [number, number] }[] = [
  { color: [210, 40, 40], r: 28, path: (i) => [45 + 200 * tri(i, 120), 70 + 40 * Math.sin(i / 12)] },
  { color: [40, 70, 210], r: 24, path: (i) => [275 - 180 * tri(i, 120), 170 - 30 * Math.sin(i / 15)] },
];

/** The discs of frame i, as shapes to draw. */
export function discShapes(i: number): Shape[] {
  return DISCS.map((d) => {
    const [cx, cy] = d.path(i);
    return { kind: 'disc' as const, cx, cy, r: d.r, color: d.color };
  });
}

export function discFrame(i: number): Buffer {
  return drawFrame(DISCS_VIDEO.width, DISCS_VIDEO.height, BACKGROUND, discShapes(i));
}

/** Ground truth of disc k on frame i (the later disc overdraws the earlier where they overlap). */
export function discMask(k: number, i: number): Uint8Array {
  const { width, height } = DISCS_VIDEO;
  const out = new Uint8Array(width * height);
  const inside = (j: number, x: number, y: number) => {
    const [cx, cy] = DISCS[j].path(i);
    return (x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= DISCS[j].r ** 2;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!inside(k, x, y)) continue;
      let covered = false;
      for (let j = k + 1; j < DISCS.length; j++) if (inside(j, x, y)) covered = true;
      out[y * width + x] = covered ? 0 : 1;
    }
  }
  return out;
}

/** `sineAudioHz`: with an AAC sine-tone audio track. */
export function encodeDiscsVideo(outPath: string, bins: FfmpegBins, frameCount: number = DISCS_VIDEO.frames, sineAudioHz?: number): Promise<void> {
  const { width, height, fps } = DISCS_VIDEO;
  return encodeTestVideo({ outPath, width, height, fps, frameCount, frames: discFrame, bins, quality: 'high', sineAudioHz });
}
