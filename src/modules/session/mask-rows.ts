// FrameMask rows <-> GraphQL masks. An absent object is stored as an empty mask (area 0).
import { compressCounts, type FrameResult } from '../../engine/index.js';
import type { FramePayload } from '../../events/topics.js';
import type { FrameMasks } from './session.type.js';
import { rowToMask, type StoredMaskRow } from '../segmentation/mask.mapper.js';

export interface FrameMaskRow extends StoredMaskRow {
  sessionId: string;
  objectId: number;
  frameIndex: number;
  jobId: string | null;
}

export function toRows(sessionId: string, jobId: string | null, frame: FramePayload, width: number, height: number): FrameMaskRow[] {
  return frame.objects.map(({ objectId, mask }) => {
    const m = mask;
    return {
      sessionId,
      objectId,
      frameIndex: frame.frameIndex,
      height,
      width,
      counts: m ? m.rle.counts : compressCounts([width * height]),
      bboxX: m?.bbox[0] ?? 0,
      bboxY: m?.bbox[1] ?? 0,
      bboxW: m?.bbox[2] ?? 0,
      bboxH: m?.bbox[3] ?? 0,
      area: m?.area ?? 0,
      score: m?.score ?? 0,
      jobId,
    };
  });
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
    f.objects.push({
      objectId: r.objectId,
      mask: r.area > 0 ? rowToMask(r) : null,
    });
  }
  for (const f of byFrame.values()) {
    for (const objectId of objectIds) if (!f.objects.some((o) => o.objectId === objectId)) f.objects.push({ objectId, mask: null });
    f.objects.sort((a, b) => a.objectId - b.objectId);
  }
  return [...byFrame.values()].sort((a, b) => a.frameIndex - b.frameIndex);
}
