// A stored mask row (FrameMask, MediaMask: RLE counts, size, bbox, area, score) -> a GraphQL Mask.
import type { Mask } from './segmentation.type.js';

export interface StoredMaskRow {
  height: number;
  width: number;
  counts: string;
  bboxX: number;
  bboxY: number;
  bboxW: number;
  bboxH: number;
  area: number;
  score: number;
}

export function rowToMask(r: StoredMaskRow): Mask {
  return { rle: { size: [r.height, r.width], counts: r.counts }, bbox: [r.bboxX, r.bboxY, r.bboxW, r.bboxH], area: r.area, score: r.score, polygons: null };
}
