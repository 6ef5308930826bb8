import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../scripts/models/prng.js';
import { binaryMaskFromRows, createBinaryMask } from '../../../src/engine/masks/binary-mask.js';
import { iou, maskArea, maskBbox } from '../../../src/engine/masks/mask-stats.js';

describe('mask stats', () => {
  it('area counts foreground pixels', () => {
    expect(maskArea(createBinaryMask(4, 3))).toBe(0);
    expect(maskArea(binaryMaskFromRows(['#..', '.##', '...']))).toBe(3);
    const full = createBinaryMask(5, 2);
    full.data.fill(1);
    expect(maskArea(full)).toBe(10);
  });

  it('bbox is [x, y, w, h] in pixels, [0,0,0,0] when empty', () => {
    expect(maskBbox(createBinaryMask(4, 3))).toEqual([0, 0, 0, 0]);
    expect(maskBbox(createBinaryMask(0, 0))).toEqual([0, 0, 0, 0]);
    expect(maskBbox(binaryMaskFromRows(['....', '..#.', '....']))).toEqual([2, 1, 1, 1]);
    expect(maskBbox(binaryMaskFromRows(['.....', '.#...', '....#', '..#..']))).toEqual([1, 1, 4, 3]);
    expect(maskBbox(binaryMaskFromRows(['#...', '....', '...#']))).toEqual([0, 0, 4, 3]);
  });

  it('bbox matches a brute-force scan on random masks', () => {
    const rnd = mulberry32(3);
    for (let t = 0; t < 200; t++) {
      const w = 1 + Math.floor(rnd() * 30);
      const h = 1 + Math.floor(rnd() * 30);
      const m = createBinaryMask(w, h);
      const p = rnd() * 0.05;
      for (let i = 0; i < m.data.length; i++) m.data[i] = rnd() < p ? 1 : 0;
      let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          if (m.data[y * w + x]) {
            x0 = Math.min(x0, x);
            x1 = Math.max(x1, x);
            y0 = Math.min(y0, y);
            y1 = Math.max(y1, y);
          }
      expect(maskBbox(m)).toEqual(x1 < 0 ? [0, 0, 0, 0] : [x0, y0, x1 - x0 + 1, y1 - y0 + 1]);
    }
  });

  it('iou', () => {
    const a = binaryMaskFromRows(['##..', '##..']);
    const b = binaryMaskFromRows(['.##.', '.##.']);
    const c = binaryMaskFromRows(['...#', '...#']);
    expect(iou(a, a)).toBe(1);
    expect(iou(a, b)).toBeCloseTo(2 / 6, 12);
    expect(iou(a, c)).toBe(0);
    expect(iou(createBinaryMask(3, 3), createBinaryMask(3, 3))).toBe(0); // two empty masks
    expect(() => iou(a, createBinaryMask(3, 2))).toThrow(RangeError);
  });
});
