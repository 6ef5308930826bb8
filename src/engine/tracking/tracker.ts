// Tracking: the engine's side of a video session, the counterpart of SAM 2's video predictor
// (add_new_points_or_box, propagate_in_video, remove_object, reset_state). It knows frames,
// objects and prompts; persistence and GraphQL belong to the session service.
import type { ImageSource, ObjectPrompt } from '../image-source.js';
import type { SegmentedMask } from '../masks/segmented-mask.js';

export interface FrameSource {
  width: number;
  height: number;
  frameCount: number;
  frame(index: number): ImageSource;
}

export type Direction = 'forward' | 'backward';

/** One object's result on one frame; mask null when the object is absent (occluded or lost). */
export interface ObjectFrameResult {
  objectId: number;
  mask: SegmentedMask | null;
}

export interface FrameResult {
  frameIndex: number;
  objects: ObjectFrameResult[];
}

export interface PropagateOptions {
  start: number;
  direction: Direction;
  /** Frames to process at most, the start frame included. */
  maxFrames?: number;
  signal?: AbortSignal;
}

export interface Tracker {
  readonly kind: 'sam2-video' | 'previous-mask';
  /** Adds prompts for an object on a frame (a conditioning frame) and returns every known object's mask there. */
  addPrompt(frameIndex: number, objectId: number, prompt: ObjectPrompt, clearExisting: boolean): Promise<FrameResult>;
  /** Removes an object's prompts (on one frame, or all) and what was tracked from them. */
  clearPrompts(objectId: number, frameIndex?: number): void;
  removeObject(objectId: number): void;
  reset(): void;
  objectIds(): number[];
  hasPrompts(): boolean;
  /** Frames in processing order, one result per frame with every object tracked there. */
  propagate(opts: PropagateOptions): AsyncGenerator<FrameResult>;
  /** Bytes of model state held (memory bank, cached outputs). */
  memoryBytes(): number;
  dispose(): void;
}

/** The frames a propagation visits, in order: start first, then away from it. */
export function framePlan(frameCount: number, opts: PropagateOptions): number[] {
  const step = opts.direction === 'forward' ? 1 : -1;
  const out: number[] = [];
  for (let f = opts.start; f >= 0 && f < frameCount; f += step) {
    if (opts.maxFrames !== undefined && out.length >= opts.maxFrames) break;
    out.push(f);
  }
  return out;
}

/** Merges new prompts into an object's prompts on a frame, as SAM 2 accumulates clicks. */
export function mergePrompt(existing: ObjectPrompt | undefined, next: ObjectPrompt, clearExisting: boolean): ObjectPrompt {
  if (!existing || clearExisting) return { points: [...next.points], box: next.box };
  return { points: [...existing.points, ...next.points], box: next.box ?? existing.box };
}
