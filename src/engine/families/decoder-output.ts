// Reading decoder outputs: masks [N, M, h, w] with iou_predictions [N, M], into candidates.
import type * as ort from 'onnxruntime-node';
import type { ModelManifest } from '../manifest.js';
import type { BinaryMask } from '../masks/binary-mask.js';
import type { MaskCandidate } from './family.js';

/** The mask_input size the decoder takes (256x256 in every public export). */
export function lowResSize(manifest: ModelManifest): [number, number] {
  const shape = manifest.io.decoder?.inputs.mask_input?.shape ?? [];
  const h = typeof shape[2] === 'number' ? shape[2] : 256;
  const w = typeof shape[3] === 'number' ? shape[3] : 256;
  return [h, w];
}

/**
 * Splits [N, M, h, w] masks into per-object candidates (all of them with multimask, else the one
 * with the highest predicted IoU). `toMask` turns one mask's logits (a view,
 * not a copy) into a binary mask of the image; `lowRes` supplies the low-res logits to keep.
 */
export function readCandidates(
  masks: ort.Tensor,
  scores: ort.Tensor,
  toMask: (logits: Float32Array, h: number, w: number) => BinaryMask,
  lowRes: ort.Tensor | undefined,
  multimask: boolean,
): MaskCandidate[][] {
  const [n, m, h, w] = masks.dims as number[];
  const data = masks.data as Float32Array;
  const iou = scores.data as Float32Array;
  const low = lowRes ?? masks;
  const [, , lh, lw] = low.dims as number[];
  const lowData = low.data as Float32Array;
  const result: MaskCandidate[][] = [];
  for (let i = 0; i < n; i++) {
    const cands: MaskCandidate[] = [];
    // Without multimask only the best-scored mask is returned: upsample just that one.
    let best = 0;
    for (let j = 1; j < m; j++) if (iou[i * m + j] > iou[i * m + best]) best = j;
    for (let j = 0; j < m; j++) {
      if (!multimask && j !== best) continue;
      const k = i * m + j;
      cands.push({
        mask: toMask(data.subarray(k * h * w, (k + 1) * h * w), h, w),
        score: iou[k],
        lowRes: lowData.slice(k * lh * lw, (k + 1) * lh * lw),
        lowResSize: [lh, lw],
      });
    }
    result.push(cands);
  }
  return result;
}
