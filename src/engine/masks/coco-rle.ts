/**
 * COCO run-length encoding, byte-for-byte compatible with pycocotools (common/maskApi.c).
 * (Over 300 lines: one format, its encoder, decoder and the stats taken in the same pass.)
 *
 * - A mask of `height` x `width` is flattened in column-major (Fortran) order: index j = x * height + y.
 * - counts are the lengths of alternating runs, starting with a background run; that first run is 0
 *   when the first pixel is foreground (rleEncode). An all-background mask is [h*w]; a full one [0, h*w].
 * - The string form is rleToString: every count (for i > 2, minus counts[i-2]) is written as a
 *   little-endian sequence of 5-bit groups, one character per group: value = group | 0x20 when
 *   more groups follow, plus 48 ('0'). The last group carries the sign in its bit 0x10, so a
 *   group is emitted until the remaining value is 0 (non-negative) or -1 (negative) and the
 *   sign bit agrees. rleFrString inverts it.
 */
import { assertBinaryMask, type BinaryMask } from './binary-mask.js';

/** {size: [height, width], counts} as pycocotools returns it from mask.encode (counts decoded to str). */
export interface CocoRle {
  size: [number, number];
  counts: string;
}

/** The "uncompressed RLE" form COCO also accepts (e.g. iscrowd annotations): counts as numbers. */
export interface UncompressedRle {
  size: [number, number];
  counts: number[];
}

export type AnyRle = CocoRle | UncompressedRle | { size: readonly [number, number] | number[]; counts: string | ArrayLike<number> };

/** COCO bbox: [x, y, width, height] in pixels. */
export type Bbox = [number, number, number, number];

const TWO_POW_30 = 1 << 30;

/** Growable byte buffer of char codes for the compressed string. */
class CharCodeWriter {
  buf: Uint8Array;
  length = 0;
  constructor(initial: number) {
    this.buf = new Uint8Array(Math.max(16, initial));
  }
  ensure(extra: number): void {
    if (this.length + extra > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + extra));
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
    }
  }
  toString(): string {
    // Only ASCII 48..111 is ever written, so any ASCII-compatible decoding is exact.
    return asciiDecoder.decode(this.buf.subarray(0, this.length));
  }
}
const asciiDecoder = new TextDecoder('utf-8');

/**
 * Appends one (already delta-coded) value exactly as rleToString does. `x` may be negative.
 * Fast path with 32-bit ops; arithmetic path for |x| >= 2^30 so >> cannot overflow.
 */
function writeValue(w: CharCodeWriter, x: number): void {
  w.ensure(16);
  const buf = w.buf;
  let p = w.length;
  if (x > -TWO_POW_30 && x < TWO_POW_30) {
    let more = true;
    while (more) {
      let c = x & 0x1f;
      x >>= 5;
      more = (c & 0x10) !== 0 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      buf[p++] = c + 48;
    }
  } else {
    let more = true;
    while (more) {
      let c = x - Math.floor(x / 32) * 32; // x mod 32 in 0..31, like x & 0x1f on two's complement
      x = Math.floor(x / 32); // arithmetic shift right by 5
      more = (c & 0x10) !== 0 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      buf[p++] = c + 48;
    }
  }
  w.length = p;
}

/** rleToString: compress run lengths into the COCO counts string. */
export function compressCounts(counts: ArrayLike<number>): string {
  const w = new CharCodeWriter(counts.length * 2 + 16);
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (!Number.isInteger(c) || c < 0) throw new RangeError(`invalid RLE count ${c} at ${i}`);
    writeValue(w, i > 2 ? c - counts[i - 2]! : c);
  }
  return w.toString();
}

/** rleFrString: parse a COCO counts string into run lengths. Throws on malformed input. */
export function decompressCounts(s: string): number[] {
  const counts: number[] = [];
  const n = s.length;
  let p = 0;
  while (p < n) {
    let x = 0;
    let factor = 1; // 2^(5k)
    let more = true;
    while (more) {
      if (p >= n) throw new RangeError('truncated COCO RLE counts string');
      const c = s.charCodeAt(p) - 48;
      if (c < 0 || c > 63) throw new RangeError(`invalid character in COCO RLE counts at ${p}`);
      x += (c & 0x1f) * factor;
      factor *= 32;
      more = (c & 0x20) !== 0;
      p++;
      if (!more && (c & 0x10) !== 0) x -= factor; // sign-extend: x |= -1 << 5k
    }
    const m = counts.length;
    if (m > 2) x += counts[m - 2]!;
    if (x < 0) throw new RangeError(`negative run length in COCO RLE counts (run ${m})`);
    counts.push(x);
  }
  return counts;
}

/**
 * Visits the column-major runs of a mask (pycocotools rleEncode), in order, starting with a
 * background run. Reads the row-major mask column by column (stride = width).
 */
function forEachRun(mask: BinaryMask, emit: (run: number) => void): void {
  const { width: w, height: h, data } = mask;
  let prev = false; // current run value: false = background
  let run = 0;
  for (let x = 0; x < w; x++) {
    let idx = x;
    for (let y = 0; y < h; y++, idx += w) {
      if ((data[idx] !== 0) !== prev) {
        emit(run);
        run = 0;
        prev = !prev;
      }
      run++;
    }
  }
  emit(run);
}

/** Uncompressed column-major run lengths (pycocotools rleEncode counts). */
export function uncompressedCounts(mask: BinaryMask): number[] {
  assertBinaryMask(mask);
  const out: number[] = [];
  forEachRun(mask, (run) => out.push(run));
  return out;
}

/**
 * Encodes a mask as pycocotools.mask.encode does (counts decoded to a string). One pass over the
 * mask; runs are compressed as they are found, so no counts array is built.
 */
export function encodeRle(mask: BinaryMask): CocoRle {
  return encodeRleWithStats(mask).rle;
}

/**
 * encodeRle, plus the mask's COCO bbox [x, y, w, h] ([0, 0, 0, 0] when empty) and area, taken
 * from the foreground runs of the same pass: no further pass over the full-size mask.
 */
export function encodeRleWithStats(mask: BinaryMask): { rle: CocoRle; bbox: Bbox; area: number } {
  assertBinaryMask(mask);
  const { width: w, height: h, data } = mask;
  const out = new CharCodeWriter(Math.min(1 << 16, 64 + ((w + h) << 2)));
  let i = 0; // index of the count being written
  let cm1 = 0; // counts[i-1]
  let cm2 = 0; // counts[i-2]
  let area = 0;
  let xs = -1; // first and last foreground column, top and bottom foreground row
  let xe = -1;
  let ys = h;
  let ye = -1;

  let prev = 0; // value of the current run
  let run = 0;
  for (let x = 0; x < w; x++) {
    let idx = x;
    let y = 0;
    while (y < h) {
      // Scan the rest of the current run inside this column.
      const start = y;
      if (prev === 0) {
        while (y < h && data[idx] === 0) {
          y++;
          idx += w;
        }
      } else {
        while (y < h && data[idx] !== 0) {
          y++;
          idx += w;
        }
        if (y > start) {
          // Foreground rows start..y-1 of column x.
          area += y - start;
          if (xs < 0) xs = x;
          xe = x;
          if (start < ys) ys = start;
          if (y - 1 > ye) ye = y - 1;
        }
      }
      run += y - start;
      if (y < h) {
        // Transition at (x, y): close the run.
        writeValue(out, i > 2 ? run - cm2 : run);
        cm2 = cm1;
        cm1 = run;
        i++;
        run = 0;
        prev ^= 1;
      }
    }
  }
  writeValue(out, i > 2 ? run - cm2 : run);
  const bbox: Bbox = xs < 0 ? [0, 0, 0, 0] : [xs, ys, xe - xs + 1, ye - ys + 1];
  return { rle: { size: [h, w], counts: out.toString() }, bbox, area };
}

function rleCounts(rle: AnyRle): ArrayLike<number> {
  return typeof rle.counts === 'string' ? decompressCounts(rle.counts) : rle.counts;
}

function rleSize(rle: AnyRle): [number, number] {
  const size = rle.size;
  if (!size || size.length !== 2) throw new RangeError('RLE size must be [height, width]');
  const h = size[0]!;
  const w = size[1]!;
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 0 || w < 0) {
    throw new RangeError(`invalid RLE size [${h}, ${w}]`);
  }
  return [h, w];
}

/** Decodes a compressed (string) or uncompressed (number[]) COCO RLE into a row-major mask. */
export function decodeRle(rle: AnyRle): BinaryMask {
  const [h, w] = rleSize(rle);
  const counts = rleCounts(rle);
  const total = h * w;
  const data = new Uint8Array(total);
  let pos = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (!Number.isInteger(c) || c < 0) throw new RangeError(`invalid RLE count ${c} at ${i}`);
    const end = pos + c;
    if (end > total) throw new RangeError(`RLE runs cover more than ${h}x${w} pixels`);
    if ((i & 1) === 1 && c > 0) {
      // Foreground run [pos, end) in column-major order.
      let x = Math.floor(pos / h);
      let y = pos - x * h;
      let s = pos;
      while (s < end) {
        const len = Math.min(end - s, h - y);
        let idx = y * w + x;
        for (let k = 0; k < len; k++, idx += w) data[idx] = 1;
        s += len;
        x++;
        y = 0;
      }
    }
    pos = end;
  }
  if (pos !== total) throw new RangeError(`RLE runs cover ${pos} pixels, expected ${h}x${w} = ${total}`);
  return { width: w, height: h, data };
}

/** Foreground pixel count (pycocotools rleArea): the sum of the odd-indexed runs. */
export function rleArea(rle: AnyRle): number {
  const counts = rleCounts(rle);
  let area = 0;
  for (let i = 1; i < counts.length; i += 2) area += counts[i]!;
  return area;
}

/**
 * Bounding box [x, y, w, h] from the runs without decoding (pycocotools rleToBbox); [0,0,0,0]
 * for an empty mask. A foreground run that spans several columns covers row h-1 of its first
 * column and row 0 of its last, so the box then spans every row.
 */
export function rleToBbox(rle: AnyRle): Bbox {
  const [h] = rleSize(rle);
  const counts = rleCounts(rle);
  let xs = Infinity;
  let xe = -1;
  let ys = Infinity;
  let ye = -1;
  let pos = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if ((i & 1) === 1 && c > 0) {
      const first = pos;
      const last = pos + c - 1;
      const x0 = Math.floor(first / h);
      const x1 = Math.floor(last / h);
      const y0 = first - x0 * h;
      const y1 = last - x1 * h;
      if (x0 < xs) xs = x0;
      if (x1 > xe) xe = x1;
      if (x0 !== x1) {
        ys = 0;
        ye = h - 1;
      } else {
        if (y0 < ys) ys = y0;
        if (y1 > ye) ye = y1;
      }
    }
    pos += c;
  }
  if (xe < 0) return [0, 0, 0, 0];
  return [xs, ys, xe - xs + 1, ye - ys + 1];
}
