// Segment everything (SAM's automatic mask generator): a grid of point prompts, decoded in
// batches; masks kept by predicted IoU and stability score, then box non-maximum suppression
// and a minimum area.
import { boxIou } from './families/grounding.js';
import type { MaskCandidate } from './families/family.js';
import type { ObjectPrompt } from './image-source.js';

export interface EverythingOptions {
  pointsPerSide: number;
  pointsPerBatch: number;
  predIouThreshold: number;
  stabilityThreshold: number;
  /** Logit offset of the stability score (SAM: 1.0). */
  stabilityOffset: number;
  boxNmsThreshold: number;
  minArea: number;
}

export const EVERYTHING_DEFAULTS: EverythingOptions = {
  pointsPerSide: 16,
  pointsPerBatch: 64,
  predIouThreshold: 0.8,
  stabilityThreshold: 0.9,
  stabilityOffset: 1,
  boxNmsThreshold: 0.7,
  minArea: 16,
};

/** Point prompts at the centres of a pointsPerSide x pointsPerSide grid over the image. */
export function gridPrompts(width: number, height: number, n: number): ObjectPrompt[] {
  const out: ObjectPrompt[] = [];
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) out.push({ points: [{ x: ((i + 0.5) / n) * width, y: ((j + 0.5) / n) * height, positive: true }] });
  }
  return out;
}

/** SAM's stability score on low-res logits: IoU of the mask at +offset and at -offset. */
export function stabilityScore(lowRes: Float32Array, offset: number): number {
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < lowRes.length; i++) {
    const v = lowRes[i];
    if (v > offset) hi++;
    if (v > -offset) lo++;
  }
  return lo === 0 ? 0 : hi / lo;
}

export interface Kept {
  candidate: MaskCandidate;
  stability: number;
  box: { x0: number; y0: number; x1: number; y1: number };
  area: number;
}

export function filterCandidates(all: MaskCandidate[], bbox: (c: MaskCandidate) => [number, number, number, number], area: (c: MaskCandidate) => number, o: EverythingOptions): Kept[] {
  const kept: Kept[] = [];
  for (const c of all) {
    if (c.score < o.predIouThreshold) continue;
    const stability = stabilityScore(c.lowRes, o.stabilityOffset);
    if (stability < o.stabilityThreshold) continue;
    const a = area(c);
    if (a < o.minArea) continue;
    const [x, y, w, h] = bbox(c);
    kept.push({ candidate: c, stability, area: a, box: { x0: x, y0: y, x1: x + w, y1: y + h } });
  }
  // Greedy box NMS by predicted IoU, as SAM's generator does.
  kept.sort((a, b) => b.candidate.score - a.candidate.score || b.stability - a.stability);
  const out: Kept[] = [];
  for (const k of kept) if (out.every((o2) => boxIou(o2.box, k.box) <= o.boxNmsThreshold)) out.push(k);
  return out;
}
