// The engine's public face: code outside src/engine imports from here only. What is not listed
// (families, sessions, workers, the device queue) stays the engine's own business.
export { Engine, DETECT_DEFAULTS, type EngineOptions, type GroupPrompt, type SegmentRequest, type SegmentedObject, type SegmentResult } from './engine.js';
export type { SegmentedMask } from './masks/segmented-mask.js';
export { EngineError, type EngineErrorCode } from './engine-error.js';
export { EVERYTHING_DEFAULTS, type EverythingOptions } from './everything.js';
export type { DetectOptions } from './text-grounding.js';
export type { ImageSource, ObjectPrompt, PixelSource } from './image-source.js';
export { PRIORITY_BACKGROUND, PRIORITY_INTERACTIVE } from './device-queue.js';
export { compressCounts, decompressCounts, decodeRle, encodeRle, rleArea, rleToBbox, type AnyRle, type Bbox, type CocoRle } from './masks/coco-rle.js';
export { framePlan, type Direction, type FrameResult, type FrameSource, type ObjectFrameResult, type PropagateOptions, type Tracker } from './tracking/tracker.js';
export { createTracker as openTracker } from './tracking/create-tracker.js';
