// Applying one frame's masks to its pixels: an overlay tint per object, or a cut-out.
import { decodeRle } from '../../../engine/index.js';
import type { FrameRows } from '../export-source.js';
import { paletteColor } from './palette.js';
import type { Effect } from './video-plan.js';
import { ExportError } from './writer.js';

export interface ComposeOptions {
  width: number;
  height: number;
  effect: Effect;
  /** CUTOUT: write RGBA with alpha 0 outside the objects (else RGB, black outside). */
  alpha: boolean;
  opacity: number;
}

function masksOf(rows: FrameRows, width: number, height: number): [number, Uint8Array][] {
  return [...rows].sort((a, b) => a[0] - b[0]).map(([objectId, r]) => {
    const m = decodeRle({ size: [r.height, r.width], counts: r.counts });
    if (m.width !== width || m.height !== height) throw new ExportError('CORRUPT_MASK', `object ${objectId}'s mask is ${m.width}x${m.height}, the video ${width}x${height}`);
    return [objectId, m.data];
  });
}

/** `rgb`: one decoded frame, packed RGB. Returns the output frame (RGB, or RGBA when opts.alpha). */
export function composeFrame(rgb: Buffer, rows: FrameRows, opts: ComposeOptions): Buffer {
  const { width, height } = opts;
  const n = width * height;
  const masks = masksOf(rows, width, height);
  if (opts.effect === 'OVERLAY') {
    const out = Buffer.from(rgb);
    const a = opts.opacity;
    for (const [objectId, data] of masks) {
      const [r, g, b] = paletteColor(objectId);
      for (let i = 0; i < n; i++) {
        if (!data[i]) continue;
        const o = i * 3;
        out[o] = Math.round(rgb[o]! * (1 - a) + r * a);
        out[o + 1] = Math.round(rgb[o + 1]! * (1 - a) + g * a);
        out[o + 2] = Math.round(rgb[o + 2]! * (1 - a) + b * a);
      }
    }
    return out;
  }
  const keep = new Uint8Array(n);
  for (const [, data] of masks) for (let i = 0; i < n; i++) keep[i] |= data[i]!;
  if (opts.alpha) {
    const out = Buffer.alloc(n * 4);
    for (let i = 0; i < n; i++) {
      out[i * 4] = rgb[i * 3]!;
      out[i * 4 + 1] = rgb[i * 3 + 1]!;
      out[i * 4 + 2] = rgb[i * 3 + 2]!;
      out[i * 4 + 3] = keep[i] ? 255 : 0;
    }
    return out;
  }
  const out = Buffer.alloc(n * 3);
  for (let i = 0; i < n; i++) {
    if (!keep[i]) continue;
    out[i * 3] = rgb[i * 3]!;
    out[i * 3 + 1] = rgb[i * 3 + 1]!;
    out[i * 3 + 2] = rgb[i * 3 + 2]!;
  }
  return out;
}
