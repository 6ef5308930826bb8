// The prompts of each object on each of its conditioning frames.
import type { ObjectPrompt } from '../image-source.js';
import { mergePrompt } from './tracker.js';

export class PromptStore {
  private readonly byObject = new Map<number, Map<number, ObjectPrompt>>();

  add(objectId: number, frameIndex: number, prompt: ObjectPrompt, clearExisting: boolean): ObjectPrompt {
    let frames = this.byObject.get(objectId);
    if (!frames) this.byObject.set(objectId, (frames = new Map()));
    const merged = mergePrompt(frames.get(frameIndex), prompt, clearExisting);
    frames.set(frameIndex, merged);
    return merged;
  }

  get(objectId: number, frameIndex: number): ObjectPrompt | undefined {
    return this.byObject.get(objectId)?.get(frameIndex);
  }

  /** Conditioning frames of an object, ascending. */
  frames(objectId: number): number[] {
    return [...(this.byObject.get(objectId)?.keys() ?? [])].sort((a, b) => a - b);
  }

  clear(objectId: number, frameIndex?: number): void {
    if (frameIndex === undefined) this.byObject.get(objectId)?.clear();
    else this.byObject.get(objectId)?.delete(frameIndex);
  }

  remove(objectId: number): void {
    this.byObject.delete(objectId);
  }

  reset(): void {
    this.byObject.clear();
  }

  objectIds(): number[] {
    return [...this.byObject.keys()].sort((a, b) => a - b);
  }

  hasAny(): boolean {
    for (const frames of this.byObject.values()) if (frames.size > 0) return true;
    return false;
  }
}
