// What a tracker remembers of frames it processed: every object's mask (RLE, small) per frame,
// and the low-res logits of recent results (large) in an LRU bounded in bytes.
import { LRUCache } from 'lru-cache';
import type { SegmentedMask } from '../masks/segmented-mask.js';
import type { FrameResult } from './tracker.js';

export type StoredMask = Omit<SegmentedMask, 'lowRes'>;

export class FrameMemory {
  private readonly masks = new Map<number, Map<number, StoredMask | null>>();
  private readonly lowRes: LRUCache<string, Float32Array>;

  constructor(maxLowResBytes: number) {
    this.lowRes = new LRUCache({ maxSize: Math.max(1, maxLowResBytes), sizeCalculation: (a) => Math.max(1, a.byteLength) });
  }

  record(frameIndex: number, objectId: number, mask: SegmentedMask | null): void {
    let frame = this.masks.get(frameIndex);
    if (!frame) this.masks.set(frameIndex, (frame = new Map()));
    if (!mask) {
      frame.set(objectId, null);
      this.lowRes.delete(`${objectId}:${frameIndex}`);
      return;
    }
    const { lowRes, ...rest } = mask;
    frame.set(objectId, rest);
    this.lowRes.set(`${objectId}:${frameIndex}`, lowRes);
  }

  /** The object's mask on a frame with its low-res logits, when both are still held. */
  seed(objectId: number, frameIndex: number): SegmentedMask | undefined {
    const mask = this.masks.get(frameIndex)?.get(objectId);
    const lowRes = this.lowRes.get(`${objectId}:${frameIndex}`);
    return mask && lowRes ? { ...mask, lowRes } : undefined;
  }

  frame(frameIndex: number): FrameResult {
    const objects = [...(this.masks.get(frameIndex) ?? new Map<number, StoredMask | null>())].map(([objectId, m]) => ({
      objectId,
      mask: m ? { ...m, lowRes: new Float32Array(0) } : null,
    }));
    return { frameIndex, objects: objects.sort((a, b) => a.objectId - b.objectId) };
  }

  forget(objectId: number, frameIndex?: number): void {
    for (const [f, objs] of this.masks) {
      if (frameIndex === undefined || f === frameIndex) {
        objs.delete(objectId);
        this.lowRes.delete(`${objectId}:${f}`);
      }
    }
  }

  clear(): void {
    this.masks.clear();
    this.lowRes.clear();
  }

  bytes(): number {
    let rle = 0;
    for (const objs of this.masks.values()) for (const m of objs.values()) rle += 64 + (m ? m.rle.counts.length : 0);
    return rle + this.lowRes.calculatedSize;
  }
}
