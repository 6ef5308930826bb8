import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../scripts/models/prng.js';
import { binaryMaskFromRows, createBinaryMask, type BinaryMask } from '../../../src/engine/masks/binary-mask.js';
import {
  compressCounts,
  decodeRle,
  decompressCounts,
  encodeRle,
  encodeRleWithStats,
  rleArea,
  rleToBbox,
  uncompressedCounts,
} from '../../../src/engine/masks/coco-rle.js';
import { maskArea, maskBbox } from '../../../src/engine/masks/mask-stats.js';
import { readRle } from '../../support/export-readers.js';

/**
 * Independent, deliberately simple decoder written from the pycocotools description
 * (maskApi.c rleFrString + rleDecode), shared with the export tests.
 */
function referenceDecode(h: number, w: number, s: string): Uint8Array {
  return readRle({ size: [h, w], counts: s });
}

/** Column-major runs the naive way (pycocotools rleEncode). */
function referenceCounts(m: BinaryMask): number[] {
  const counts: number[] = [];
  let prev = 0;
  let c = 0;
  for (let x = 0; x < m.width; x++) {
    for (let y = 0; y < m.height; y++) {
      const v = m.data[y * m.width + x]!;
      if (v !== prev) {
        counts.push(c);
        c = 0;
        prev = v;
      }
      c++;
    }
  }
  counts.push(c);
  return counts;
}

/** Index of the first differing byte, -1 when equal (fast, unlike toEqual on big typed arrays). */
function firstDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function checkRoundTrip(m: BinaryMask): void {
  const rle = encodeRle(m);
  expect(rle.size).toEqual([m.height, m.width]);
  expect(/^[0-o]*$/.test(rle.counts)).toBe(true); // chars 48..111 only
  // Our decoder and the independent one agree with the mask.
  expect(firstDiff(decodeRle(rle).data, m.data)).toBe(-1);
  expect(firstDiff(referenceDecode(m.height, m.width, rle.counts), m.data)).toBe(-1);
  // Counts helpers are consistent.
  const counts = uncompressedCounts(m);
  expect(counts).toEqual(referenceCounts(m));
  expect(compressCounts(counts)).toBe(rle.counts);
  expect(decompressCounts(rle.counts)).toEqual(counts);
  expect(firstDiff(decodeRle({ size: [m.height, m.width], counts }).data, m.data)).toBe(-1);
  // Area and bbox from the runs equal those of the mask.
  expect(rleArea(rle)).toBe(maskArea(m));
  expect(rleToBbox(rle)).toEqual(maskBbox(m));
}

function maskWith(w: number, h: number, pixels: Array<[number, number]>): BinaryMask {
  const m = createBinaryMask(w, h);
  for (const [x, y] of pixels) m.data[y * w + x] = 1;
  return m;
}

describe('COCO RLE', () => {
  const sizes: Array<[number, number]> = [
    [1, 1],
    [1, 7],
    [7, 1],
    [13, 9],
    [9, 13],
    [2, 2],
    [32, 1],
    [1, 33],
    [40, 40],
  ];

  it('round-trips empty and full masks', () => {
    for (const [w, h] of sizes) {
      const empty = createBinaryMask(w, h);
      checkRoundTrip(empty);
      expect(uncompressedCounts(empty)).toEqual([w * h]);
      expect(rleToBbox(encodeRle(empty))).toEqual([0, 0, 0, 0]);
      const full = createBinaryMask(w, h);
      full.data.fill(1);
      checkRoundTrip(full);
      expect(uncompressedCounts(full)).toEqual([0, w * h]);
      expect(rleToBbox(encodeRle(full))).toEqual([0, 0, w, h]);
    }
  });

  it('handles a zero-size mask like pycocotools (counts [0])', () => {
    const m = createBinaryMask(0, 0);
    expect(encodeRle(m)).toEqual({ size: [0, 0], counts: '0' });
    expect(decodeRle({ size: [0, 0], counts: '0' }).data.length).toBe(0);
  });

  it('round-trips single pixels at the corners and in the middle', () => {
    for (const [w, h] of sizes) {
      const spots: Array<[number, number]> = [
        [0, 0],
        [w - 1, 0],
        [0, h - 1],
        [w - 1, h - 1],
        [w >> 1, h >> 1],
      ];
      for (const [x, y] of spots) {
        const m = maskWith(w, h, [[x, y]]);
        checkRoundTrip(m);
        expect(rleToBbox(encodeRle(m))).toEqual([x, y, 1, 1]);
        expect(rleArea(encodeRle(m))).toBe(1);
      }
    }
  });

  it('round-trips random masks of many sizes and densities (seeded)', () => {
    const rnd = mulberry32(1234);
    for (let t = 0; t < 300; t++) {
      const w = 1 + Math.floor(rnd() * 60);
      const h = 1 + Math.floor(rnd() * 60);
      const density = [0.01, 0.1, 0.5, 0.9, 0.99][t % 5]!;
      const m = createBinaryMask(w, h);
      for (let i = 0; i < m.data.length; i++) m.data[i] = rnd() < density ? 1 : 0;
      checkRoundTrip(m);
    }
  });

  it('round-trips random blobby masks with long runs (deltas of both signs)', () => {
    const rnd = mulberry32(99);
    for (let t = 0; t < 60; t++) {
      const w = 20 + Math.floor(rnd() * 150);
      const h = 20 + Math.floor(rnd() * 150);
      const m = createBinaryMask(w, h);
      for (let k = 0; k < 4; k++) {
        const cx = rnd() * w;
        const cy = rnd() * h;
        const r = 3 + rnd() * Math.min(w, h) * 0.4;
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++) if ((x - cx) ** 2 + (y - cy) ** 2 < r * r) m.data[y * w + x] = 1;
      }
      checkRoundTrip(m);
    }
  });

  it('treats any non-zero byte as foreground when encoding', () => {
    const m = maskWith(4, 3, [[1, 1], [2, 2]]);
    const m255 = { ...m, data: m.data.map((v) => v * 255) };
    expect(encodeRle(m255)).toEqual(encodeRle(m));
  });

  // Hand-derived vectors (maskApi.c rleToString: for each count x (minus counts[i-2] when i > 2):
  // repeat { c = x & 0x1f; x >>= 5; more = (c & 0x10) ? x != -1 : x != 0; if (more) c |= 0x20;
  // emit c + 48 }).
  it('encodes a 3x3 mask with the centre pixel as "414"', () => {
    // Column-major index of (1,1) is x*h + y = 4: counts [4, 1, 4].
    // 4 -> c=4, x=0, sign bit clear, stop -> '4' (52); 1 -> '1'; 4 -> '4' (i = 2, no delta yet).
    const m = binaryMaskFromRows(['...', '.#.', '...']);
    expect(uncompressedCounts(m)).toEqual([4, 1, 4]);
    const rle = encodeRle(m);
    expect(rle).toEqual({ size: [3, 3], counts: '414' });
    expect(firstDiff(referenceDecode(3, 3, '414'), m.data)).toBe(-1);
  });

  it('encodes long runs with continuation chars and a negative counts[i-2] delta', () => {
    // 10x10, columns 2..5 and column 9 fully foreground: counts [20, 40, 30, 10].
    //  20 = 0b10100: c=20, x=0, but c has the sign bit 0x10 so more (0 != -1): 20|32+48 = 100 'd';
    //      then c=0, x=0, stop: '0'                                              -> "d0"
    //  40 = 0b101000: c=8, x=1, more: 8|32+48 = 88 'X'; then c=1, x=0: '1'        -> "X1"
    //  30 (i = 2, no delta): c=30 (sign bit set), x=0 != -1, more: 62+48 = 110 'n'; then '0' -> "n0"
    //  10 - counts[1] = 10 - 40 = -30: c = -30 & 31 = 2, x = -30 >> 5 = -1, sign bit clear so
    //      more (x != 0): 2|32+48 = 82 'R'; then c = -1 & 31 = 31, x = -1, sign bit set and
    //      x == -1: stop: 31+48 = 79 'O'                                        -> "RO"
    const rows: string[] = [];
    for (let y = 0; y < 10; y++) rows.push('..####...#');
    const m = binaryMaskFromRows(rows);
    expect(uncompressedCounts(m)).toEqual([20, 40, 30, 10]);
    expect(encodeRle(m)).toEqual({ size: [10, 10], counts: 'd0X1n0RO' });
    expect(firstDiff(referenceDecode(10, 10, 'd0X1n0RO'), m.data)).toBe(-1);
    expect(rleToBbox(encodeRle(m))).toEqual([2, 0, 8, 10]);
    expect(rleArea(encodeRle(m))).toBe(50);
  });

  it('matches a published pycocotools encoding (100x100, mask[:50, 50:] = 1)', () => {
    // pycocotools output quoted in the documentation of a public segmentation library:
    // counts [5000, 50, 50, ...] -> "Xl4" "b1" "b1" then 98 zero deltas.
    const m = createBinaryMask(100, 100);
    for (let y = 0; y < 50; y++) for (let x = 50; x < 100; x++) m.data[y * 100 + x] = 1;
    expect(encodeRle(m).counts).toBe('Xl4b1b1' + '0'.repeat(98));
    checkRoundTrip(m);
  });

  it('re-encodes real pycocotools strings to themselves', () => {
    // Strings produced by pycocotools.mask.encode, taken from public test suites and docs.
    const real: Array<[[number, number], string]> = [
      [[480, 640], 'nYW31n>2N2FNbA48Kf=?XBDe=m0OM3M4YOPB8_>L4JXao5'],
      [[360, 640], 'e`V39V9m1H5N10000000001O2O01O2M4K`ce3'],
      [[9, 5], '724;MG2MN16'],
      [[9, 5], 'b04500N2'],
      [[2, 3], '06'],
    ];
    for (const [size, counts] of real) {
      const m = decodeRle({ size, counts });
      expect(firstDiff(m.data, referenceDecode(size[0], size[1], counts))).toBe(-1);
      expect(encodeRle(m)).toEqual({ size, counts });
      expect(rleArea({ size, counts })).toBe(maskArea(m));
      expect(rleToBbox({ size, counts })).toEqual(maskBbox(m));
    }
  });

  it('compresses and decompresses counts beyond 2^30 (arithmetic path)', () => {
    const counts = [0, 2 ** 31 + 5, 3, 2 ** 32 - 1, 7, 1 << 30, (1 << 30) - 1, 0, 17];
    expect(decompressCounts(compressCounts(counts))).toEqual(counts);
  });

  it('rejects malformed input', () => {
    expect(() => decompressCounts('0\x7f')).toThrow(RangeError);
    expect(() => decompressCounts('X')).toThrow(/truncated/); // continuation bit with nothing after
    expect(() => decodeRle({ size: [3, 3], counts: '41' })).toThrow(/cover/); // 5 of 9 pixels
    expect(() => decodeRle({ size: [3, 3], counts: [4, 1, 5] })).toThrow(/more than/);
    expect(() => decodeRle({ size: [3, 3], counts: [4, -1, 6] })).toThrow(RangeError);
    expect(() => encodeRle({ width: 3, height: 3, data: new Uint8Array(8) })).toThrow(RangeError);
  });

  it('encodeRleWithStats gives the same RLE, and the bbox and area of the two other passes', () => {
    const rnd = mulberry32(11);
    const masks: BinaryMask[] = [createBinaryMask(0, 0), createBinaryMask(7, 5), binaryMaskFromRows(['#...', '....', '...#'])];
    const full = createBinaryMask(6, 4);
    full.data.fill(1);
    masks.push(full);
    for (let t = 0; t < 300; t++) {
      const m = createBinaryMask(1 + Math.floor(rnd() * 40), 1 + Math.floor(rnd() * 40));
      const p = rnd() < 0.3 ? rnd() * 0.02 : rnd();
      for (let i = 0; i < m.data.length; i++) m.data[i] = rnd() < p ? 1 : 0;
      masks.push(m);
    }
    for (const m of masks) {
      const s = encodeRleWithStats(m);
      expect(s.rle).toEqual(encodeRle(m));
      expect(s.bbox).toEqual(maskBbox(m));
      expect(s.area).toBe(maskArea(m));
    }
  });
});
