import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../scripts/models/prng.js';
import { logitsToMask, resizeBilinear } from '../../../src/engine/masks/upsample.js';

/**
 * Naive reference of torch.nn.functional.interpolate(mode='bilinear', align_corners=False), per
 * output pixel, straight from PyTorch's definition (area_pixel_compute_source_index with negative
 * source coordinates clamped to 0, the upper neighbour clamped to the last sample). With
 * `float32Coords`, the scale and source coordinate are rounded to float32 as PyTorch computes
 * them for float tensors; otherwise everything is float64 (the "ideal" value).
 */
function referenceResize(
  src: ArrayLike<number>,
  sw: number,
  sh: number,
  dw: number,
  dh: number,
  float32Coords = true,
): Float64Array {
  const out = new Float64Array(dw * dh);
  const r = float32Coords ? Math.fround : (v: number) => v;
  const axis = (inSize: number, outSize: number, d: number): [number, number, number] => {
    const s = Math.max(0, r(r(r(inSize / outSize) * (d + 0.5)) - 0.5));
    const i0 = Math.min(Math.floor(s), inSize - 1);
    const i1 = Math.min(i0 + 1, inSize - 1);
    return [i0, i1, Math.min(s - i0, 1)];
  };
  for (let y = 0; y < dh; y++) {
    const [y0, y1, ly] = axis(sh, dh, y);
    for (let x = 0; x < dw; x++) {
      const [x0, x1, lx] = axis(sw, dw, x);
      const top = (1 - lx) * src[y0 * sw + x0]! + lx * src[y0 * sw + x1]!;
      const bottom = (1 - lx) * src[y1 * sw + x0]! + lx * src[y1 * sw + x1]!;
      out[y * dw + x] = (1 - ly) * top + ly * bottom;
    }
  }
  return out;
}

function randomField(rnd: () => number, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rnd() * 8 - 4;
  return a;
}

/** Smooth logits with structure (blobs crossing 0), like a mask decoder's low-res output. */
function smoothLogits(rnd: () => number, w: number, h: number): Float32Array {
  const a = new Float32Array(w * h);
  const blobs = Array.from({ length: 5 }, () => ({ x: rnd() * w, y: rnd() * h, r: 2 + rnd() * w * 0.3, s: rnd() < 0.7 ? 1 : -1 }));
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let v = -2;
      for (const b of blobs) v += b.s * 6 * Math.exp(-((x - b.x) ** 2 + (y - b.y) ** 2) / (b.r * b.r));
      a[y * w + x] = v + (rnd() - 0.5) * 0.5;
    }
  return a;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function countDiff(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

function threshold(v: Float32Array, t: number): Uint8Array {
  return Uint8Array.from(v, (x) => (x > t ? 1 : 0));
}

/** SAM's postprocess_masks as two real resizes: low -> low*up, crop the top-left part, -> (h, w). */
function twoStepReference(
  logits: Float32Array,
  lowW: number,
  lowH: number,
  up: number,
  midCropW: number,
  midCropH: number,
  width: number,
  height: number,
): Float32Array {
  const midW = lowW * up;
  const mid = resizeBilinear(logits, lowW, lowH, midW, lowH * up);
  const cropped = new Float32Array(midCropW * midCropH);
  for (let y = 0; y < midCropH; y++) cropped.set(mid.subarray(y * midW, y * midW + midCropW), y * midCropW);
  return resizeBilinear(cropped, midCropW, midCropH, width, height);
}

describe('resizeBilinear', () => {
  it('gives PyTorch values on a hand-checked case', () => {
    // F.interpolate([[0, 1]], size=(1, 4), bilinear, align_corners=False) == [0, 0.25, 0.75, 1]
    expect(Array.from(resizeBilinear(new Float32Array([0, 1]), 2, 1, 4, 1))).toEqual([0, 0.25, 0.75, 1]);
    // 2x2 -> 3x3: centre samples the middle of all four; corners clamp to the corner samples.
    const out = resizeBilinear(new Float32Array([0, 1, 2, 3]), 2, 2, 3, 3);
    expect(out[0]).toBeCloseTo(0, 6);
    expect(out[4]).toBeCloseTo(1.5, 6);
    expect(out[8]).toBeCloseTo(3, 6);
  });

  it('matches the naive PyTorch reference when up-scaling, down-scaling and at non-integer ratios', () => {
    const rnd = mulberry32(7);
    const cases: Array<[number, number, number, number]> = [
      [4, 4, 16, 16], // x4 up
      [16, 12, 64, 48], // x4 up, like 256 -> 1024
      [7, 5, 11, 13], // non-integer up
      [17, 13, 5, 7], // down
      [30, 20, 13, 29], // down in x, up in y
      [9, 9, 9, 9], // identity
      [1, 5, 3, 8], // a single column
      [6, 1, 4, 1], // a single row
      [3, 3, 1, 1],
      [256, 256, 100, 37],
    ];
    for (const [sw, sh, dw, dh] of cases) {
      const src = randomField(rnd, sw * sh);
      const got = resizeBilinear(src, sw, sh, dw, dh);
      // Same float32 coordinates as PyTorch: only the float32 rounding of sums/outputs differs.
      expect(maxAbsDiff(got, referenceResize(src, sw, sh, dw, dh))).toBeLessThan(1e-5);
      // Against exact float64 coordinates the float32 source coordinate (error ~ |src| * 2^-24)
      // moves values by up to ~1e-4 on a 256 grid of values in [-4, 4] -- as PyTorch does.
      expect(maxAbsDiff(got, referenceResize(src, sw, sh, dw, dh, false))).toBeLessThan(1e-3);
    }
    for (let t = 0; t < 40; t++) {
      const sw = 1 + Math.floor(rnd() * 40);
      const sh = 1 + Math.floor(rnd() * 40);
      const dw = 1 + Math.floor(rnd() * 90);
      const dh = 1 + Math.floor(rnd() * 90);
      const src = randomField(rnd, sw * sh);
      expect(maxAbsDiff(resizeBilinear(src, sw, sh, dw, dh), referenceResize(src, sw, sh, dw, dh))).toBeLessThan(1e-5);
    }
  });

  it('is the identity when the size does not change', () => {
    const src = randomField(mulberry32(3), 11 * 6);
    expect(Array.from(resizeBilinear(src, 11, 6, 11, 6))).toEqual(Array.from(src));
  });

  it('rejects bad sizes', () => {
    expect(() => resizeBilinear(new Float32Array(3), 2, 2, 4, 4)).toThrow(RangeError);
    expect(() => resizeBilinear(new Float32Array(4), 2, 2, 0, 4)).toThrow(RangeError);
  });
});

describe('logitsToMask', () => {
  it('equals threshold(resizeBilinear(...)) exactly without a crop', () => {
    const rnd = mulberry32(11);
    const cases: Array<[number, number, number, number]> = [
      [16, 16, 64, 64],
      [16, 16, 50, 37],
      [32, 24, 300, 200],
      [20, 20, 7, 9],
      [64, 64, 1, 1],
      [1, 1, 5, 5],
    ];
    for (const [lw, lh, w, h] of cases) {
      for (const t of [0, 0.5, -1.25]) {
        const logits = rnd() < 0.5 ? smoothLogits(rnd, lw, lh) : randomField(rnd, lw * lh);
        const mask = logitsToMask({ logits, lowW: lw, lowH: lh, width: w, height: h, threshold: t });
        expect(mask.width).toBe(w);
        expect(mask.height).toBe(h);
        expect(countDiff(mask.data, threshold(resizeBilinear(logits, lw, lh, w, h), t))).toBe(0);
      }
    }
  });

  it('defaults the threshold to 0 with a strict > comparison (SAM mask_threshold)', () => {
    const logits = new Float32Array([0, 0, 0, 1]);
    const mask = logitsToMask({ logits, lowW: 2, lowH: 2, width: 2, height: 2 });
    expect(Array.from(mask.data)).toEqual([0, 0, 0, 1]);
  });

  it('matches the two-step SAM postprocess (upsample x4, crop, resize) with a crop', () => {
    // Quantified: over all cases below (2.55 Mpx), the fused crop path and the two-step
    // reference (which rounds its 1024x1024 intermediate to float32) differ on 0 pixels; the test
    // allows at most 1 in 10^5 to leave room for float rounding exactly at the threshold. (The next
    // test probes many threshold levels on rough random logits.)
    const rnd = mulberry32(2024);
    let total = 0;
    let mismatched = 0;
    const run = (lw: number, lh: number, imgW: number, imgH: number, up: number) => {
      // SAM preprocessing: longest side -> lw*up, pad; the image covers round(size*scale) pixels.
      const inputSize = lw * up;
      const scale = inputSize / Math.max(imgW, imgH);
      const resizedW = Math.round(imgW * scale);
      const resizedH = Math.round(imgH * scale);
      const logits = smoothLogits(rnd, lw, lh);
      const ref = twoStepReference(logits, lw, lh, up, resizedW, resizedH, imgW, imgH);
      const mask = logitsToMask({
        logits,
        lowW: lw,
        lowH: lh,
        crop: { width: resizedW / up, height: resizedH / up }, // fractional when resized % up != 0
        upscale: up,
        width: imgW,
        height: imgH,
      });
      total += imgW * imgH;
      mismatched += countDiff(mask.data, threshold(ref, 0));
    };
    run(256, 256, 640, 480, 4); // SAM sizes; crop 256 x 192
    run(256, 256, 500, 333, 4); // crop 256 x 170.5 (fractional)
    run(256, 256, 333, 500, 4);
    run(256, 256, 300, 300, 4); // square: crop is the whole grid, still two resizes
    run(32, 32, 97, 41, 4);
    run(32, 32, 41, 97, 4);
    run(16, 16, 2000, 900, 4); // strong upscaling
    run(64, 64, 37, 23, 4); // downscaling
    run(32, 32, 150, 100, 2); // another upscale factor
    expect(total).toBeGreaterThan(1_000_000);
    expect(mismatched / total).toBeLessThanOrEqual(1e-5);
  });

  it('crop logits agree with the two-step reference to float precision', () => {
    // The same composition, checked on values: threshold at many levels and compare.
    const rnd = mulberry32(5);
    const lw = 24;
    const lh = 24;
    const up = 4;
    const logits = randomField(rnd, lw * lh);
    const ref = twoStepReference(logits, lw, lh, up, 70, 49, 101, 77);
    let diffs = 0;
    for (let t = -3; t <= 3; t += 0.37) {
      const mask = logitsToMask({ logits, lowW: lw, lowH: lh, crop: { width: 70 / 4, height: 49 / 4 }, width: 101, height: 77, threshold: t });
      diffs += countDiff(mask.data, threshold(ref, t));
    }
    expect(diffs).toBe(0);
  });

  it('does not let the padding beyond the crop bleed into the mask', () => {
    // Foreground only in the padded area (x >= 8 of 16 low-res columns); the image covers [0, 8).
    const lw = 16;
    const lh = 16;
    const logits = new Float32Array(lw * lh).fill(-10);
    for (let y = 0; y < lh; y++) for (let x = 8; x < lw; x++) logits[y * lw + x] = 10;
    const mask = logitsToMask({ logits, lowW: lw, lowH: lh, crop: { width: 8, height: 16 }, width: 50, height: 100 });
    expect(mask.data.every((v) => v === 0)).toBe(true);
  });

  it('validates its input', () => {
    const logits = new Float32Array(16);
    expect(() => logitsToMask({ logits, lowW: 4, lowH: 4, width: 0, height: 3 })).toThrow(RangeError);
    expect(() => logitsToMask({ logits, lowW: 5, lowH: 4, width: 3, height: 3 })).toThrow(RangeError);
    expect(() => logitsToMask({ logits, lowW: 4, lowH: 4, crop: { width: 5, height: 4 }, width: 3, height: 3 })).toThrow(RangeError);
  });
});
