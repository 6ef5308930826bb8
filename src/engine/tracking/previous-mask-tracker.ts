// Tracking with any image model: each frame is prompted with the previous frame's result — its
// box, enlarged for motion, and its low-res logits as mask_input — so every image model can track.
import type { Engine } from '../engine.js';
import { describeMask, type SegmentedMask } from '../masks/segmented-mask.js';
import { PRIORITY_BACKGROUND, PRIORITY_INTERACTIVE } from '../device-queue.js';
import { segmenter, selectCandidates, type Embedding } from '../families/family.js';
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
    const plan = framePlan(this.video.frameCount, opts);
    if (!plan.length) return;
    // An object is tracked from its own prompts, or from the previous frame's result. One with
    // neither at the start enters the pass from its nearest prompted frame: a lead-in tracks it
    // from there to the start (and on through the plan, when that frame lies ahead), as SAM 2's
    // memory of all conditioning frames does.
    const prev = new Map<number, SegmentedMask | null>();
    const leadIns = new Map<number, Map<number, SegmentedMask | null>>();
    const inPlan = new Set(plan);
    for (const id of this.objectIds()) {
      if (this.prompts.get(id, opts.start)) continue;
      const seed = this.memory.seed(id, opts.start - step);
      if (seed) prev.set(id, seed);
      else {
        const from = this.nearestPrompted(id, opts.start, step);
        if (from !== undefined) leadIns.set(id, await this.leadIn(id, from, opts.start, inPlan, opts.signal));
      }
    }
    for (let k = 0; k < plan.length; k++) {
      const f = plan[k];
      opts.signal?.throwIfAborted();
      const results = new Map<number, SegmentedMask | null>();
      const ids: number[] = [];
      const prompts: ObjectPrompt[] = [];
      for (const id of this.objectIds()) {
        const own = this.prompts.get(id, f);
        const p = prev.get(id);
        const lead = leadIns.get(id);
        if (!this.prompts.frames(id).length) results.set(id, null); // prompts cleared: its old results are stale
        else if (!own && lead?.has(f)) results.set(id, lead.get(f)!);
        else if (own) prompts.push(own);
        else if (p && p.area > 0) prompts.push(this.followPrompt(p));
        else results.set(id, null); // no mask yet, or lost
        if (!results.has(id)) ids.push(id);
      }
      // Prefetch while objects are decoded: the next frame is read, preprocessed and encoded
      // while this one decodes.
      if (ids.length && k + 1 < plan.length) this.embedding(plan[k + 1], PRIORITY_BACKGROUND).catch(() => undefined);
      const masks = ids.length ? await this.decode(f, prompts, PRIORITY_BACKGROUND) : [];
      ids.forEach((id, i) => results.set(id, masks[i]));
      const objects = this.objectIds().map((objectId) => ({ objectId, mask: results.get(objectId) ?? null }));
      for (const { objectId, mask } of objects) {
        this.memory.record(f, objectId, mask);
        prev.set(objectId, mask);
      }
      yield { frameIndex: f, objects };
    }
  }

  /** The object's prompted frame nearest to t; on a tie, the one behind in the direction of travel. */
  private nearestPrompted(objectId: number, t: number, step: 1 | -1): number | undefined {
    let best: number | undefined;
    for (const f of this.prompts.frames(objectId)) {
      const d = Math.abs(f - t);
      const bd = best === undefined ? Infinity : Math.abs(best - t);
      if (d < bd || (d === bd && (f - t) * step < 0)) best = f;
    }
    return best;
  }

  /**
   * Tracks one object from its prompted frame `from` to frame `to` (no prompted frame lies
   * between them), keeping the results of the frames in the plan.
   */
  private async leadIn(objectId: number, from: number, to: number, inPlan: Set<number>, signal?: AbortSignal): Promise<Map<number, SegmentedMask | null>> {
    const dir = to > from ? 1 : -1;
    const out = new Map<number, SegmentedMask | null>();
    let prev: SegmentedMask | null = null;
    for (let f = from; dir > 0 ? f <= to : f >= to; f += dir) {
      signal?.throwIfAborted();
      const prompt: ObjectPrompt | undefined = f === from ? this.prompts.get(objectId, f) : prev ? this.followPrompt(prev) : undefined;
      if (f !== to) this.embedding(f + dir, PRIORITY_BACKGROUND).catch(() => undefined);
      prev = prompt ? (await this.decode(f, [prompt], PRIORITY_BACKGROUND))[0] : null;
      if (inPlan.has(f)) out.set(f, prev);
      if (!prev) break; // lost: the pass has no mask for it until a prompted frame
    }
    return out;
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
    const cands = await segmenter(this.model).decode(this.model, embedding, prompts, { multimask: false, threshold: 0 }, this.engine.runner(this.model, priority));
    return cands.map((c) => {
      const m = describeMask(selectCandidates(c, false)[0], false);
      return m.area > 0 ? m : null;
    });
  }
}
