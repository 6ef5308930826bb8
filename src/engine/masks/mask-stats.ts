import type { BinaryMask } from './binary-mask.js';
import type { Bbox } from './coco-rle.js';

/** Number of foreground (non-zero) pixels. */
export function maskArea(mask: BinaryMask): number {
  const d = mask.data;
  let n = 0;
  for (let i = 0; i < d.length; i++) if (d[i] !== 0) n++;
  return n;
}

/**
 * Tight bounding box of the foreground as COCO [x, y, w, h] in pixels (w, h count pixels, so a
 * single pixel at (3, 4) gives [3, 4, 1, 1]); [0, 0, 0, 0] for an empty mask.
 */
export function maskBbox(mask: BinaryMask): Bbox {
  const { width: w, height: h, data } = mask;
  let x0 = w;
  let x1 = -1;
  let y0 = -1;
  let y1 = -1;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let first = -1;
    for (let x = 0; x < w; x++) {
      if (data[row + x] !== 0) {
        first = x;
        break;
      }
    }
    if (first < 0) continue;
    let last = first;
    for (let x = w - 1; x > first; x--) {
      if (data[row + x] !== 0) {
        last = x;
        break;
      }
    }
    if (y0 < 0) y0 = y;
    y1 = y;
    if (first < x0) x0 = first;
    if (last > x1) x1 = last;
  }
  if (y0 < 0) return [0, 0, 0, 0];
  return [x0, y0, x1 - x0 + 1, y1 - y0 + 1];
}

/**
 * Intersection over union of two masks of the same size. Two empty masks give 0 (no overlap to
 * speak of), matching pycocotools' iou of empty RLEs.
 */
export function iou(a: BinaryMask, b: BinaryMask): number {
  if (a.width !== b.width || a.height !== b.height) {
    throw new RangeError(`iou of masks of different sizes: ${a.width}x${a.height} vs ${b.width}x${b.height}`);
  }
  const da = a.data;
  const db = b.data;
  let inter = 0;
  let union = 0;
  for (let i = 0; i < da.length; i++) {
    const pa = da[i] !== 0;
    const pb = db[i] !== 0;
    if (pa || pb) {
      union++;
      if (pa && pb) inter++;
    }
  }
  return union === 0 ? 0 : inter / union;
}
