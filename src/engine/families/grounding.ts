// The grounding family: an open-vocabulary detector in the OWL-ViT / OWLv2 ONNX layout that turns
// phrases into boxes (input_ids, attention_mask, pixel_values -> logits [1, Q, P], pred_boxes
// [1, Q, 4] as normalized cx, cy, w, h of the square input), with CLIP BPE tokenizer files.
import * as ort from 'onnxruntime-node';
import type { FamilyContract } from '../manifest-check.js';
import type { DetectorFamily, LoadedGraphs, Runner } from './family.js';

export const GROUNDING_CONTRACT: FamilyContract = {
  detector: { inputs: ['input_ids', 'attention_mask', 'pixel_values'], outputs: ['logits', 'pred_boxes'] },
};

/** Grounding models detect; they do not segment. */
export const groundingFamily: DetectorFamily = { kind: 'detector', name: 'grounding', contract: GROUNDING_CONTRACT };

export interface Detection {
  /** Pixels of the image: x0, y0, x1, y1. */
  box: { x0: number; y0: number; x1: number; y1: number };
  score: number;
}

export async function runDetector(
  model: LoadedGraphs,
  pixels: Float32Array,
  tokens: { inputIds: BigInt64Array; attentionMask: BigInt64Array },
  phrases: number,
  run: Runner,
): Promise<{ logits: Float32Array; boxes: Float32Array; queries: number }> {
  const size = model.manifest.preprocessing.inputSize;
  const seq = tokens.inputIds.length / phrases;
  const out = await run(model.sessions.detector, {
    input_ids: new ort.Tensor('int64', tokens.inputIds, [phrases, seq]),
    attention_mask: new ort.Tensor('int64', tokens.attentionMask, [phrases, seq]),
    pixel_values: new ort.Tensor('float32', pixels, [1, 3, size, size]),
  }, { transfer: ['pixel_values'] });
  const logits = out.logits as ort.Tensor;
  return { logits: logits.data as Float32Array, boxes: (out.pred_boxes as ort.Tensor).data as Float32Array, queries: logits.dims[1] as number };
}

/** Boxes of one phrase above the threshold, after greedy non-maximum suppression. */
export function detectionsFor(
  phrase: number,
  phrases: number,
  det: { logits: Float32Array; boxes: Float32Array; queries: number },
  width: number,
  height: number,
  threshold: number,
  nmsIou: number,
): Detection[] {
  const found: Detection[] = [];
  for (let q = 0; q < det.queries; q++) {
    const score = 1 / (1 + Math.exp(-det.logits[q * phrases + phrase]));
    if (score < threshold) continue;
    const [cx, cy, w, h] = det.boxes.subarray(q * 4, q * 4 + 4);
    const box = {
      x0: Math.max(0, (cx - w / 2) * width),
      y0: Math.max(0, (cy - h / 2) * height),
      x1: Math.min(width, (cx + w / 2) * width),
      y1: Math.min(height, (cy + h / 2) * height),
    };
    if (box.x1 - box.x0 >= 1 && box.y1 - box.y0 >= 1) found.push({ box, score });
  }
  return nms(found, nmsIou);
}

export function boxIou(a: Detection['box'], b: Detection['box']): number {
  const iw = Math.max(0, Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0));
  const ih = Math.max(0, Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0));
  const inter = iw * ih;
  const union = (a.x1 - a.x0) * (a.y1 - a.y0) + (b.x1 - b.x0) * (b.y1 - b.y0) - inter;
  return union > 0 ? inter / union : 0;
}

export function nms<T extends { box: Detection['box']; score: number }>(items: T[], iouThreshold: number): T[] {
  const sorted = [...items].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const d of sorted) if (kept.every((k) => boxIou(k.box, d.box) <= iouThreshold)) kept.push(d);
  return kept;
}
