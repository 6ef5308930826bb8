// Picks the tracking path for a model: SAM 2's memory bank when the model ships the four video
// modules, else propagation from the previous frame's mask (any image model).
import type { Engine } from '../engine.js';
import type { LoadedModel } from '../model-registry.js';
import { PreviousMaskTracker } from './previous-mask-tracker.js';
import { Sam2VideoTracker, hasVideoModules } from './sam2-video-tracker.js';
import type { FrameSource, Tracker } from './tracker.js';

export function createTracker(engine: Engine, model: LoadedModel, video: FrameSource, memoryBytes: number): Tracker {
  if (hasVideoModules(model)) return new Sam2VideoTracker(engine, model, video);
  return new PreviousMaskTracker(engine, model, video, memoryBytes);
}
