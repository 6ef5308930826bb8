// Tracking with any image model: each frame is prompted with the previous frame's result — its
// box, enlarged for motion, and its low-res logits as mask_input — so every image model can track.
import type { Engine, SegmentedMask } from '../engine.js';
import { describeMask } from '../engine.js';
import { PRIORITY_BACKGROUND, PRIORITY_INTERACTIVE } from '../device-queue.js';
import { selectCandidates, type Embedding } from '../families/family.js';
import type { ObjectPrompt } from '../image-source.js';
import type { LoadedModel } from '../model-registry.js';
import { FeatureWindow } from './feature-window.js';
import { TrackerBase } from './tracker-base.js';
import { framePlan, type FrameResult, type FrameSource, type PropagateOptions } from './tracker.js';

/** How far the previous box is grown on each side, as a fraction of its size, plus pixels. */
const BOX_MARGIN = 0.25;
const BOX_MARGIN_PX = 4;

export class PreviousMaskTracker extends TrackerBase {
  readonly kind = 'previous-mask' as const;
  /** The frame being tracked, the one prefetched, and the last prompted one. */
  private readonly window = new FeatureWindow<Embedding>(3);

  constructor(
    private readonly engine: Engine,
    private readonly model: LoadedModel,
    private readonly video: FrameSource,
    memoryBytes: number,
  ) {
    super(memoryBytes);
  }

  async addPrompt(frameIndex: number, objectId: number, prompt: ObjectPrompt, clearExisting: boolean): Promise<FrameResult> {
    const merged = this.prompts.add(objectId, frameIndex, prompt, clearExisting);
    const [mask] = await this.decode(frameIndex, [merged], PRIORITY_INTERACTIVE);
    this.memory.record(frameIndex, objectId, mask);
    return this.memory.frame(frameIndex);
  }

  /** Its state is the frame memory the base class keeps, and the window of frame embeddings. */
  protected forgetState(objectId?: number): void {
    if (objectId === undefined) this.window.clear();
  }

  protected stateBytes(): number {
    return this.window.bytes();
  }

  async *propagate(opts: PropagateOptions): AsyncGenerator<FrameResult> {
    const step = opts.direction === 'forward' ? 1 : -1;
    // An object is tracked from its own prompts, or from the previous frame's result.
    const prev = new Map<number, SegmentedMask | undefined>(this.objectIds().map((id) => [id, this.memory.seed(id, opts.start - step)]));
    const plan = framePlan(this.video.frameCount, opts);
    for (let k = 0; k < plan.length; k++) {
      const f = plan[k];
      opts.signal?.throwIfAborted();
      const ids: number[] = [];
      const prompts: ObjectPrompt[] = [];
      for (const id of this.objectIds()) {
        const own = this.prompts.get(id, f);
        const p = prev.get(id);
        if (own) prompts.push(own);
        else if (p && p.area > 0) prompts.push(this.followPrompt(p));
        else continue;
        ids.push(id);
      }
      // Prefetch while objects are tracked: the next frame is read, preprocessed and encoded
      // while this one decodes.
      if (ids.length && k + 1 < plan.length) this.embedding(plan[k + 1], PRIORITY_BACKGROUND).catch(() => undefined);
      const masks = ids.length ? await this.decode(f, prompts, PRIORITY_BACKGROUND) : [];
      ids.forEach((id, i) => {
        this.memory.record(f, id, masks[i]);
        prev.set(id, masks[i] ?? undefined);
      });
      yield { frameIndex: f, objects: ids.map((objectId, i) => ({ objectId, mask: masks[i] })) };
    }
  }

  /** A frame's embedding, from the session's window or one encoder run. */
  private embedding(frameIndex: number, priority: number): Promise<Embedding> {
    return this.window.get(frameIndex, async () => {
      const e = await this.engine.encode(this.model, this.video.frame(frameIndex), priority);
      return { value: e, bytes: e.bytes };
    });
  }

  private followPrompt(p: SegmentedMask): ObjectPrompt {
    const [x, y, w, h] = p.bbox;
    const mx = w * BOX_MARGIN + BOX_MARGIN_PX;
    const my = h * BOX_MARGIN + BOX_MARGIN_PX;
    return {
      points: [],
      box: { x0: Math.max(0, x - mx), y0: Math.max(0, y - my), x1: Math.min(this.video.width, x + w + mx), y1: Math.min(this.video.height, y + h + my) },
      maskInput: p.lowRes,
    };
  }

  /** One decoder call for all prompts on a frame; an empty mask means the object is lost. */
  private async decode(frameIndex: number, prompts: ObjectPrompt[], priority: number): Promise<(SegmentedMask | null)[]> {
    const embedding = await this.embedding(frameIndex, priority);
    const cands = await this.model.family.decode(this.model, embedding, prompts, { multimask: false, threshold: 0 }, this.engine.runner(this.model, priority));
    return cands.map((c) => {
      const m = describeMask(selectCandidates(c, false)[0], false);
      return m.area > 0 ? m : null;
    });
  }
}
