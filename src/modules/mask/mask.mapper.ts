// Masks between their forms: the engine's results, topic payloads (plain JSON), stored rows
// (FrameMask, MediaMask) and the GraphQL types. An absent object is stored as an empty mask
// (area 0) and read back as null.
import { compressCounts, type FrameResult, type SegmentedMask } from '../../engine/index.js';
import type { FramePayload, MaskPayload } from '../../events/topics.js';
import type { FrameMasks, Mask } from './mask.type.js';

/** The mask columns FrameMask and MediaMask share. */
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

export interface FrameMaskRow extends StoredMaskRow {
  sessionId: string;
  objectId: number;
  frameIndex: number;
  jobId: string | null;
}

export function rowToMask(r: StoredMaskRow): Mask {
  return { rle: { size: [r.height, r.width], counts: r.counts }, bbox: [r.bboxX, r.bboxY, r.bboxW, r.bboxH], area: r.area, score: r.score, polygons: null };
}

/** An engine mask as the GraphQL type (polygons when they were asked for). */
export function toMask(m: SegmentedMask): Mask {
  return { rle: m.rle, bbox: m.bbox, area: m.area, score: m.score, polygons: m.polygons ?? null };
}

/** A mask's stored columns (row fields other than the mask's are the caller's). */
export function maskColumns(m: MaskPayload | null, width: number, height: number): StoredMaskRow {
  return {
    height,
    width,
    counts: m ? m.rle.counts : compressCounts([width * height]),
    bboxX: m?.bbox[0] ?? 0,
    bboxY: m?.bbox[1] ?? 0,
    bboxW: m?.bbox[2] ?? 0,
    bboxH: m?.bbox[3] ?? 0,
    area: m?.area ?? 0,
    score: m?.score ?? 0,
  };
}

/** A frame's masks as FrameMask rows, one per object listed (absent ones as empty masks). */
export function frameToRows(sessionId: string, jobId: string | null, frame: FramePayload, width: number, height: number): FrameMaskRow[] {
  return frame.objects.map(({ objectId, mask }) => ({ sessionId, objectId, frameIndex: frame.frameIndex, jobId, ...maskColumns(mask, width, height) }));
}

/** A stored row's mask as topic payload; null for an empty (absent) one. */
export function rowToPayload(r: StoredMaskRow): MaskPayload | null {
  return r.area > 0 ? { rle: { size: [r.height, r.width], counts: r.counts }, bbox: [r.bboxX, r.bboxY, r.bboxW, r.bboxH], area: r.area, score: r.score } : null;
}

/** A tracker's frame as plain data for the session:events topic (the low-res logits stay behind). */
export function toFramePayload(frame: FrameResult): FramePayload {
  return {
    frameIndex: frame.frameIndex,
    objects: frame.objects.map(({ objectId, mask }) => ({
      objectId,
      mask: mask ? { rle: { size: [mask.rle.size[0], mask.rle.size[1]], counts: mask.rle.counts }, bbox: [...mask.bbox], area: mask.area, score: mask.score } : null,
    })),
  };
}

export function toFrameMasks(frame: FramePayload): FrameMasks {
  return {
    frameIndex: frame.frameIndex,
    objects: frame.objects.map(({ objectId, mask }) => ({
      objectId,
      mask: mask ? { rle: { size: mask.rle.size, counts: mask.rle.counts }, bbox: mask.bbox, area: mask.area, score: mask.score, polygons: null } : null,
    })),
  };
}

/** Stored rows as frames; with objectIds, each frame lists those objects too (null where no row). */
export function rowsToFrames(rows: FrameMaskRow[], objectIds: number[] = []): FrameMasks[] {
  const byFrame = new Map<number, FrameMasks>();
  for (const r of rows) {
    let f = byFrame.get(r.frameIndex);
    if (!f) byFrame.set(r.frameIndex, (f = { frameIndex: r.frameIndex, objects: [] }));
    f.objects.push({ objectId: r.objectId, mask: r.area > 0 ? rowToMask(r) : null });
  }
  for (const f of byFrame.values()) {
    for (const objectId of objectIds) if (!f.objects.some((o) => o.objectId === objectId)) f.objects.push({ objectId, mask: null });
    f.objects.sort((a, b) => a.objectId - b.objectId);
  }
  return [...byFrame.values()].sort((a, b) => a.frameIndex - b.frameIndex);
}

/** Stored rows as topic frames (ascending objectId), by frame index. */
export function rowsToPayloads(rows: FrameMaskRow[]): Map<number, FramePayload> {
  const frames = new Map<number, FramePayload>();
  for (const r of [...rows].sort((a, b) => a.objectId - b.objectId)) {
    let f = frames.get(r.frameIndex);
    if (!f) frames.set(r.frameIndex, (f = { frameIndex: r.frameIndex, objects: [] }));
    f.objects.push({ objectId: r.objectId, mask: rowToPayload(r) });
  }
  return frames;
}
