// A mask as the engine answers it: COCO RLE, box, area and score (polygons on request), with the
// decoder's low-resolution logits kept for the next prompt on the same object.
import type { MaskCandidate } from '../families/family.js';
import { encodeRleWithStats, type CocoRle } from './coco-rle.js';
import { maskToPolygons } from './polygons.js';

export interface SegmentedMask {
  rle: CocoRle;
  bbox: [number, number, number, number];
  area: number;
  score: number;
  polygons?: number[][];
  lowRes: Float32Array;
}

export function describeMask(m: MaskCandidate, polygons: boolean): SegmentedMask {
  // RLE, bbox and area in one pass over the full-size mask.
  const { rle, bbox, area } = encodeRleWithStats(m.mask);
  return {
    rle,
    bbox,
    area,
    score: m.score,
    polygons: polygons ? maskToPolygons(m.mask) : undefined,
    lowRes: m.lowRes,
  };
}
