import type { BinaryMask } from './binary-mask.js';

/**
 * Bilinear resampling of mask logits, as PyTorch F.interpolate(mode='bilinear',
 * align_corners=False) computes it, and the fused upsample + threshold the engine uses.
 *
 * Coordinate mapping (align_corners=False, "half-pixel centres"), per axis, for an input of
 * `inSize` samples and an output of `outSize`:
 *
 *   scale = inSize / outSize
 *   src   = max(0, (dst + 0.5) * scale - 0.5)           // centre of dst, in input sample units
 *   i0    = floor(src),  i1 = min(i0 + 1, inSize - 1)   // edges clamp (repeat the border sample)
 *   l     = src - i0;    value = (1 - l) * in[i0] + l * in[i1]
 *
 * In 2-D the value is h0 * (w0 * a + w1 * b) + h1 * (w0 * c + w1 * d), with rows (y) outer,
 * which is the order PyTorch's CPU kernel uses. Like PyTorch for float tensors, the scale,
 * source coordinate and lambdas are computed in float32 (Math.fround) so the same source samples
 * are picked; the sums are done in float64 and the result rounded to float32 once, so values agree
 * with PyTorch to float32 rounding.
 *
 * Both functions resample separably: every source row that is needed is interpolated
 * horizontally once (to the output width, in float64) and kept in a ring of 4 rows, then each
 * output row is a vertical blend of those rows. The arithmetic is exactly the 2-D formula above,
 * so logitsToMask without a crop is bit-for-bit threshold(resizeBilinear(...)).
 */

/** Per output coordinate: up to three source indices and their weights (w2 is 0 for plain bilinear). */
interface AxisTaps {
  readonly size: number;
  readonly i0: Int32Array;
  readonly i1: Int32Array;
  readonly i2: Int32Array;
  readonly w0: Float64Array;
  readonly w1: Float64Array;
  readonly w2: Float64Array;
  /** True when some w2 is non-zero (composed crop mapping). */
  readonly threeTap: boolean;
}

const f32 = Math.fround;

/** PyTorch's source index and lambda for one output coordinate (align_corners=False). */
function sourceIndex(scale: number, dst: number, inSize: number): { i0: number; i1: number; lambda: number } {
  let src = f32(f32(scale * f32(dst + 0.5)) - 0.5);
  if (src < 0) src = 0;
  const i0 = Math.min(Math.floor(src), inSize - 1);
  const lambda = Math.min(Math.max(f32(src - i0), 0), 1);
  const i1 = i0 < inSize - 1 ? i0 + 1 : i0;
  return { i0, i1, lambda };
}

function checkSize(name: string, n: number): void {
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`${name} must be a positive integer, got ${n}`);
}

/** Plain bilinear taps for resizing inSize -> outSize. */
function linearTaps(inSize: number, outSize: number): AxisTaps {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const w0 = new Float64Array(outSize);
  const w1 = new Float64Array(outSize);
  const scale = f32(inSize / outSize);
  for (let d = 0; d < outSize; d++) {
    const s = sourceIndex(scale, d, inSize);
    i0[d] = s.i0;
    i1[d] = s.i1;
    w0[d] = f32(1 - s.lambda);
    w1[d] = s.lambda;
  }
  return { size: outSize, i0, i1, i2: i1, w0, w1, w2: new Float64Array(outSize), threeTap: false };
}

/**
 * Taps of the two-step mapping SAM's postprocess_masks uses, along one axis:
 *   1. resize lowSize -> midSize (e.g. 256 -> 1024),
 *   2. keep [0, midCrop) (the part of the padded model input covered by the image),
 *   3. resize midCrop -> outSize.
 * Composing two linear interpolations gives, per output coordinate, weights on at most three
 * consecutive low-res samples (the two mid samples are 1 apart, i.e. 1/upscale of a low-res step).
 */
function composedTaps(lowSize: number, midSize: number, midCrop: number, outSize: number): AxisTaps {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const i2 = new Int32Array(outSize);
  const w0 = new Float64Array(outSize);
  const w1 = new Float64Array(outSize);
  const w2 = new Float64Array(outSize);
  const outerScale = f32(midCrop / outSize);
  const innerScale = f32(lowSize / midSize);
  let threeTap = false;
  const wt = [0, 0, 0];
  for (let d = 0; d < outSize; d++) {
    const m = sourceIndex(outerScale, d, midCrop);
    const a = sourceIndex(innerScale, m.i0, lowSize);
    const b = sourceIndex(innerScale, m.i1, lowSize);
    const k = a.i0;
    wt[0] = 0;
    wt[1] = 0;
    wt[2] = 0;
    const am = f32(1 - m.lambda);
    wt[a.i0 - k] += am * f32(1 - a.lambda);
    wt[a.i1 - k] += am * a.lambda;
    wt[b.i0 - k] += m.lambda * f32(1 - b.lambda);
    wt[b.i1 - k] += m.lambda * b.lambda;
    i0[d] = k;
    i1[d] = Math.min(k + 1, lowSize - 1);
    i2[d] = Math.min(k + 2, lowSize - 1);
    w0[d] = wt[0]!;
    w1[d] = wt[1]!;
    w2[d] = wt[2]!;
    if (wt[2] !== 0) threeTap = true;
  }
  return { size: outSize, i0, i1, i2, w0, w1, w2, threeTap };
}

/** Horizontally resampled source rows (float64), cached in a ring of 4. */
class RowCache {
  private readonly rows: Float64Array[];
  private readonly tags = new Int32Array([-1, -1, -1, -1]);
  constructor(
    private readonly src: ArrayLike<number>,
    private readonly srcW: number,
    private readonly xt: AxisTaps,
  ) {
    this.rows = [0, 1, 2, 3].map(() => new Float64Array(xt.size));
  }

  get(r: number): Float64Array {
    const slot = r & 3;
    const row = this.rows[slot]!;
    if (this.tags[slot] === r) return row;
    this.tags[slot] = r;
    const { src, xt } = this;
    const base = r * this.srcW;
    const { i0, i1, w0, w1, size } = xt;
    if (xt.threeTap) {
      const { i2, w2 } = xt;
      for (let x = 0; x < size; x++) {
        row[x] = w0[x]! * src[base + i0[x]!]! + w1[x]! * src[base + i1[x]!]! + w2[x]! * src[base + i2[x]!]!;
      }
    } else {
      for (let x = 0; x < size; x++) {
        row[x] = w0[x]! * src[base + i0[x]!]! + w1[x]! * src[base + i1[x]!]!;
      }
    }
    return row;
  }
}

/**
 * Resizes a single-channel float image (row-major, srcW x srcH) to dstW x dstH exactly like
 * torch.nn.functional.interpolate(x, size=(dstH, dstW), mode='bilinear', align_corners=False).
 */
export function resizeBilinear(
  src: Float32Array,
  srcW: number,
  srcH: number,
  dstW: number,
  dstH: number,
): Float32Array {
  checkSize('srcW', srcW);
  checkSize('srcH', srcH);
  checkSize('dstW', dstW);
  checkSize('dstH', dstH);
  if (src.length < srcW * srcH) throw new RangeError(`src has ${src.length} values, expected ${srcW * srcH}`);
  const xt = linearTaps(srcW, dstW);
  const yt = linearTaps(srcH, dstH);
  const rows = new RowCache(src, srcW, xt);
  const out = new Float32Array(dstW * dstH);
  for (let y = 0; y < dstH; y++) {
    const r0 = rows.get(yt.i0[y]!);
    const r1 = rows.get(yt.i1[y]!);
    const h0 = yt.w0[y]!;
    const h1 = yt.w1[y]!;
    const o = y * dstW;
    for (let x = 0; x < dstW; x++) out[o + x] = h0 * r0[x]! + h1 * r1[x]!;
  }
  return out;
}

export interface LogitsToMaskOptions {
  /** Low-resolution mask logits, row-major lowW x lowH (one mask plane; use subarray to pick one). */
  logits: Float32Array;
  lowW: number;
  lowH: number;
  /**
   * The part of the low-res grid that maps to the image, in low-res units, anchored at (0, 0):
   * when the model padded its input (SAM: longest side resized to 1024, then padded to 1024x1024,
   * so the image is [0, inputW/4) x [0, inputH/4) of the 256 grid). Fractional values are allowed.
   * Omit when the whole grid maps to the image (e.g. SAM 2, which resizes without padding).
   */
  crop?: { width: number; height: number };
  /**
   * With a crop: the ratio between the padded model input and the low-res grid (default 4:
   * 1024 / 256 for SAM and SAM 2; pass inputSize / lowW otherwise). The crop is applied at that
   * resolution, as SAM's postprocess_masks does; lowW * upscale and crop * upscale are rounded to
   * whole pixels there.
   */
  upscale?: number;
  /** Output (original image) size. */
  width: number;
  height: number;
  /** Foreground where the upsampled logit is > threshold (SAM's mask_threshold, 0.0). */
  threshold?: number;
}

/**
 * Upsamples logits to width x height and thresholds them in one pass, without materialising
 * a full-size float image.
 *
 * Without `crop`: identical (bit for bit) to `resizeBilinear(logits, lowW, lowH, width, height)`
 * followed by `> threshold`.
 *
 * With `crop` (cw, ch in low-res units; u = upscale): identical up to float rounding to SAM's
 *   x = interpolate(low, (lowH*u, lowW*u)); x = x[:round(ch*u), :round(cw*u)];
 *   x = interpolate(x, (height, width)); mask = x > threshold
 * The two resizes are composed per axis into one set of weights over at most 3 consecutive
 * low-res samples. In low-res units an output x samples roughly (x + 0.5) * cw / width - 0.5,
 * smoothed by the intermediate grid and clamped to the crop's last intermediate pixel (so the
 * padding beyond the crop does not bleed in).
 */
export function logitsToMask(options: LogitsToMaskOptions): BinaryMask {
  const { logits, lowW, lowH, width, height, crop } = options;
  const threshold = options.threshold ?? 0;
  checkSize('lowW', lowW);
  checkSize('lowH', lowH);
  checkSize('width', width);
  checkSize('height', height);
  if (logits.length < lowW * lowH) throw new RangeError(`logits has ${logits.length} values, expected ${lowW * lowH}`);

  let xt: AxisTaps;
  let yt: AxisTaps;
  if (crop) {
    const upscale = options.upscale ?? 4;
    // >= 1 so that neighbouring intermediate samples are at most one low-res step apart.
    if (!(upscale >= 1 && Number.isFinite(upscale))) throw new RangeError(`upscale must be >= 1, got ${upscale}`);
    const midSizeW = Math.round(lowW * upscale);
    const midSizeH = Math.round(lowH * upscale);
    const midW = Math.round(crop.width * upscale);
    const midH = Math.round(crop.height * upscale);
    if (!(midW >= 1 && midW <= midSizeW && midH >= 1 && midH <= midSizeH)) {
      throw new RangeError(`crop ${crop.width}x${crop.height} is outside the ${lowW}x${lowH} grid`);
    }
    xt = composedTaps(lowW, midSizeW, midW, width);
    yt = composedTaps(lowH, midSizeH, midH, height);
  } else {
    xt = linearTaps(lowW, width);
    yt = linearTaps(lowH, height);
  }

  const rows = new RowCache(logits, lowW, xt);
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const r0 = rows.get(yt.i0[y]!);
    const r1 = rows.get(yt.i1[y]!);
    const h0 = yt.w0[y]!;
    const h1 = yt.w1[y]!;
    const o = y * width;
    if (yt.w2[y] !== 0) {
      const r2 = rows.get(yt.i2[y]!);
      const h2 = yt.w2[y]!;
      for (let x = 0; x < width; x++) {
        data[o + x] = f32(h0 * r0[x]! + h1 * r1[x]! + h2 * r2[x]!) > threshold ? 1 : 0;
      }
    } else {
      for (let x = 0; x < width; x++) {
        data[o + x] = f32(h0 * r0[x]! + h1 * r1[x]!) > threshold ? 1 : 0;
      }
    }
  }
  return { width, height, data };
}
