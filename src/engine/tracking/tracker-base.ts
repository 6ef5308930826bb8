// What both trackers keep alike: the prompts of each object, and the masks of frames they saw.
// Subclasses decode frames and keep their own model state (forgetState).
import type { ObjectPrompt } from '../image-source.js';
import { FrameMemory } from './frame-memory.js';
import { PromptStore } from './prompt-store.js';
import type { FrameResult, PropagateOptions, Tracker } from './tracker.js';

export abstract class TrackerBase implements Tracker {
  abstract readonly kind: Tracker['kind'];
  protected readonly prompts = new PromptStore();
  protected readonly memory: FrameMemory;

  constructor(memoryBytes: number) {
    this.memory = new FrameMemory(memoryBytes);
  }

  abstract addPrompt(frameIndex: number, objectId: number, prompt: ObjectPrompt, clearExisting: boolean): Promise<FrameResult>;
  abstract propagate(opts: PropagateOptions): AsyncGenerator<FrameResult>;
  /** Drops model state of an object (on one frame, or all of it; all objects when objectId is undefined). */
  protected abstract forgetState(objectId?: number, frameIndex?: number): void;
  protected abstract stateBytes(): number;

  clearPrompts(objectId: number, frameIndex?: number): void {
    this.prompts.clear(objectId, frameIndex);
    this.forgetState(objectId, frameIndex);
    this.memory.forget(objectId, frameIndex);
  }

  removeObject(objectId: number): void {
    this.prompts.remove(objectId);
    this.forgetState(objectId);
    this.memory.forget(objectId);
  }

  reset(): void {
    this.prompts.reset();
    this.forgetState();
    this.memory.clear();
  }

  objectIds(): number[] {
    return this.prompts.objectIds();
  }

  hasPrompts(): boolean {
    return this.prompts.hasAny();
  }

  memoryBytes(): number {
    return this.memory.bytes() + this.stateBytes();
  }

  dispose(): void {
    this.reset();
  }
}
