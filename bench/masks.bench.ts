// Figure f: mask post-processing on the CPU, the per-object work after every decoder call:
// logitsToMask (bilinear upsampling of 256x256 logits + threshold, src/engine/masks/upsample.ts)
// to 1920x1080, then encodeRle (COCO RLE, src/engine/masks/coco-rle.ts). Also the rest of what
// describeMask does per mask (bbox and area: two more passes over the full-size mask), and the
// SAM-style variant with a crop (a padded, longest-side-resized input).
import { describeMask } from '../src/engine/masks/segmented-mask.js';
import { encodeRle } from '../src/engine/masks/coco-rle.js';
import { maskArea, maskBbox } from '../src/engine/masks/mask-stats.js';
import { logitsToMask } from '../src/engine/masks/upsample.js';
import { figure, rotated, type Figure } from './lib/stats.js';

export interface MasksOptions {
  rounds: number;
  warmup: number;
}

export interface MasksResult {
  low: string;
  out: string;
  megapixels: number;
  foreground: number;
  /** Length of the compressed RLE counts string. */
  rleChars: number;
  rounds: number;
  figures: Record<string, Figure>;
}

const LOW = 256;
const W = 1920;
const H = 1080;

/** Logits of a plausible mask: two overlapping blobs and a ring (several runs per column), soft edges. */
function makeLogits(): Float32Array {
  const out = new Float32Array(LOW * LOW);
  for (let y = 0; y < LOW; y++) {
    for (let x = 0; x < LOW; x++) {
      const d1 = Math.hypot(x - 80, y - 90) - 45;
      const d2 = Math.hypot(x - 120, y - 110) - 30;
      const d3 = Math.abs(Math.hypot(x - 185, y - 170) - 40) - 8;
      out[y * LOW + x] = -Math.min(d1, d2, d3) / 4;
    }
  }
  return out;
}

export function runMasksBench(opts: MasksOptions): MasksResult {
  const logits = makeLogits();
  const mask = logitsToMask({ logits, lowW: LOW, lowH: LOW, width: W, height: H, threshold: 0 });
  const rle = encodeRle(mask);
  const mp = (W * H) / 1e6;
  const s: Record<string, number[]> = { upsample: [], rle: [], total: [], bboxArea: [], describe: [], upsampleCrop: [] };
  const steps: Record<string, (record: boolean) => void> = {
    pipeline: (record) => {
      let t = performance.now();
      const m = logitsToMask({ logits, lowW: LOW, lowH: LOW, width: W, height: H, threshold: 0 });
      const u = performance.now() - t;
      t = performance.now();
      encodeRle(m);
      const r = performance.now() - t;
      if (record) {
        s.upsample!.push(u);
        s.rle!.push(r);
        s.total!.push(u + r);
      }
    },
    stats: (record) => {
      const t = performance.now();
      maskBbox(mask);
      maskArea(mask);
      if (record) s.bboxArea!.push(performance.now() - t);
    },
    describe: (record) => {
      const t = performance.now();
      describeMask({ mask, score: 1, lowRes: logits, lowResSize: [LOW, LOW] }, false);
      if (record) s.describe!.push(performance.now() - t);
    },
    crop: (record) => {
      // SAM: 1920x1080 resized to 1024x576 and padded to 1024: the image is 256x144 of the 256 grid.
      const t = performance.now();
      logitsToMask({ logits, lowW: LOW, lowH: LOW, width: W, height: H, threshold: 0, crop: { width: LOW, height: (LOW * H) / W }, upscale: 4 });
      if (record) s.upsampleCrop!.push(performance.now() - t);
    },
  };
  const order = Object.keys(steps);
  for (let r = 0; r < opts.warmup + opts.rounds; r++) for (const k of rotated(order, r)) steps[k]!(r >= opts.warmup);

  const ms = (k: string) => figure(s[k]!, 'ms');
  const perMp = (k: string) => figure(s[k]!.map((v) => v / mp), 'ms/MP');
  let fg = 0;
  for (let i = 0; i < mask.data.length; i++) fg += mask.data[i]!;
  return {
    low: `${LOW}x${LOW} float32 logits`,
    out: `${W}x${H}`,
    megapixels: mp,
    foreground: fg / mask.data.length,
    rleChars: rle.counts.length,
    rounds: opts.rounds,
    figures: {
      logitsToMaskMs: ms('upsample'),
      encodeRleMs: ms('rle'),
      totalMs: ms('total'),
      logitsToMaskMsPerMP: perMp('upsample'),
      encodeRleMsPerMP: perMp('rle'),
      totalMsPerMP: perMp('total'),
      bboxAndAreaMs: ms('bboxArea'),
      describeMaskMs: ms('describe'),
      logitsToMaskCropMs: ms('upsampleCrop'),
    },
  };
}
