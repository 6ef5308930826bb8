// Segment everything (SAM's automatic mask generator): a grid of point prompts, decoded in
// batches; masks kept by predicted IoU and stability score, then box non-maximum suppression
// and a minimum area.
import { boxIou } from './families/grounding.js';
import type { MaskCandidate } from './families/family.js';
import type { ObjectPrompt } from './image-source.js';
import { iou as maskIou } from './masks/mask-stats.js';

export interface EverythingOptions {
  pointsPerSide: number;
  pointsPerBatch: number;
  predIouThreshold: number;
  stabilityThreshold: number;
  /** Logit offset of the stability score (SAM: 1.0). */
  stabilityOffset: number;
  boxNmsThreshold: number;
  minArea: number;
  /**
   * Skip grid points that fall inside a mask already kept (visiting the grid coarse to fine):
   * far fewer decoder runs, at the price of sub-part masks SAM's generator would also propose.
   */
  skipCovered: boolean;
}

export const EVERYTHING_DEFAULTS: EverythingOptions = {
  pointsPerSide: 16,
  pointsPerBatch: 16,
  predIouThreshold: 0.8,
  stabilityThreshold: 0.9,
  stabilityOffset: 1,
  boxNmsThreshold: 0.7,
  minArea: 16,
  skipCovered: true,
};

/**
 * Point prompts at the centres of a pointsPerSide x pointsPerSide grid over the image, coarse to
 * fine: every 8th row and column first, then every 4th, 2nd, and the rest.
 */
export function gridPrompts(width: number, height: number, n: number): ObjectPrompt[] {
  const level = (k: number) => (k % 8 === 0 ? 0 : k % 4 === 0 ? 1 : k % 2 === 0 ? 2 : 3);
  const cells: [number, number, number][] = [];
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) cells.push([i, j, Math.max(level(i), level(j))]);
  cells.sort((a, b) => a[2] - b[2]);
  return cells.map(([i, j]) => ({ points: [{ x: ((i + 0.5) / n) * width, y: ((j + 0.5) / n) * height, positive: true }] }));
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
  // Greedy box NMS by predicted IoU, as SAM's generator does; on a tie the more stable, then the
  // larger mask wins (a sliver along an edge shares its box with the whole shape).
  kept.sort((a, b) => b.candidate.score - a.candidate.score || b.stability - a.stability || b.area - a.area);
  // Boxes are the cheap test; a box overlap is confirmed on the masks before suppressing, so an
  // object sharing its box with another (a sliver, a ring) is not taken for a duplicate of it.
  const out: Kept[] = [];
  const duplicate = (a: Kept, b: Kept) => boxIou(a.box, b.box) > o.boxNmsThreshold && maskIou(a.candidate.mask, b.candidate.mask) > o.boxNmsThreshold;
  for (const k of kept) if (!out.some((o2) => duplicate(o2, k))) out.push(k);
  return out;
}
