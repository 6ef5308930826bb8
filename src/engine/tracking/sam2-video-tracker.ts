// SAM 2's video path through the four ONNX modules (families/sam2-video.ts), with one memory
// bank per object in TypeScript. A prompted frame is decoded from its own features and prompts;
// any other frame from features conditioned by memory attention on the object's memories.
import * as ort from 'onnxruntime-node';
import { PRIORITY_BACKGROUND, PRIORITY_INTERACTIVE } from '../device-queue.js';
import type { Engine } from '../engine.js';
import { describeMask, type SegmentedMask } from '../masks/segmented-mask.js';
import type { ObjectPrompt } from '../image-source.js';
import { logitsToMask } from '../masks/upsample.js';
import type { LoadedModel } from '../model-registry.js';
import { preprocess, resizeGeometry } from '../preprocess.js';
import { packBatch, promptPoints } from '../families/prompt-tensors.js';
import { FeatureWindow } from './feature-window.js';
import { MemoryBank, type BankShape } from './memory-bank.js';
import { TrackerBase } from './tracker-base.js';
import { framePlan, type FrameResult, type FrameSource, type PropagateOptions } from './tracker.js';

type Tensors = Record<string, ort.Tensor>;
type Runner = ReturnType<Engine['runner']>;
interface Item {
  /** Position in the frame's object list. */
  k: number;
  objectId: number;
  prompt: ObjectPrompt | undefined;
  embed: { tensor: ort.Tensor; own: boolean };
  pts: { coords: number[]; labels: number[] };
}

export function hasVideoModules(model: LoadedModel): boolean {
  return 'memory_attention' in model.sessions && 'video_encoder' in model.sessions;
}

const f32 = (t: ort.Tensor) => t.data as Float32Array;

export class Sam2VideoTracker extends TrackerBase {
  readonly kind = 'sam2-video' as const;
  private readonly banks = new Map<number, MemoryBank>();
  private shape?: BankShape & { memH: number; memW: number };
  /** The frame being tracked, the one prefetched, and the last prompted one. */
  private readonly window = new FeatureWindow<Tensors>(3);

  constructor(
    private readonly engine: Engine,
    private readonly model: LoadedModel,
    private readonly video: FrameSource,
  ) {
    // The memory bank holds what tracking needs; the frame memory only the last masks seen.
    super(8 * 1024 * 1024);
  }

  private bank(objectId: number): MemoryBank {
    let b = this.banks.get(objectId);
    if (!b) this.banks.set(objectId, (b = new MemoryBank()));
    return b;
  }

  async addPrompt(frameIndex: number, objectId: number, prompt: ObjectPrompt, clearExisting: boolean): Promise<FrameResult> {
    const merged = this.prompts.add(objectId, frameIndex, prompt, clearExisting);
    const feats = await this.features(frameIndex, PRIORITY_INTERACTIVE);
    const mask = await this.step(objectId, frameIndex, 1, feats, merged, PRIORITY_INTERACTIVE);
    this.memory.record(frameIndex, objectId, mask);
    return this.memory.frame(frameIndex);
  }

  protected forgetState(objectId?: number, frameIndex?: number): void {
    if (objectId === undefined) {
      this.banks.clear();
      this.window.clear();
    } else if (frameIndex === undefined) this.banks.delete(objectId);
    else this.banks.get(objectId)?.forgetFrame(frameIndex);
  }

  protected stateBytes(): number {
    let n = 0;
    for (const b of this.banks.values()) n += b.bytes();
    return n + this.window.bytes();
  }

  async *propagate(opts: PropagateOptions): AsyncGenerator<FrameResult> {
    const step = opts.direction === 'forward' ? 1 : -1;
    const plan = framePlan(this.video.frameCount, opts);
    // Prefetch: the next frame's encoder features are computed while this frame decodes.
    let next = plan.length ? this.features(plan[0], PRIORITY_BACKGROUND) : undefined;
    for (let k = 0; k < plan.length; k++) {
      const t = plan[k];
      opts.signal?.throwIfAborted();
      const feats = await next!;
      next = k + 1 < plan.length ? this.features(plan[k + 1], PRIORITY_BACKGROUND) : undefined;
      next?.catch(() => undefined);
      // Every object on every frame, whichever frames it was prompted on: its memory holds its
      // conditioning frames on both sides of t (null only when it has none, or is absent).
      const ids = this.objectIds();
      const masks = await this.stepAll(ids, t, step, feats, PRIORITY_BACKGROUND);
      const objects: FrameResult['objects'] = ids.map((id, k) => {
        this.memory.record(t, id, masks[k]!);
        return { objectId: id, mask: masks[k]! };
      });
      for (const b of this.banks.values()) b.prune(t, opts.start);
      yield { frameIndex: t, objects };
    }
  }

  /** Encoder outputs of a frame, from the session's window or one encoder run. */
  private features(frameIndex: number, priority: number): Promise<Tensors> {
    return this.window.get(frameIndex, async () => {
      const image = this.video.frame(frameIndex);
      const pre = this.model.manifest.preprocessing;
      const input = await preprocess(await image.pixels(), pre, image.width, image.height);
      this.engine.encoderRuns++;
      const size = pre.inputSize;
      const tensors = await this.engine.runner(this.model, priority)(this.model.sessions.video_encoder, { image: new ort.Tensor('float32', input, [1, 3, size, size]) }, { transfer: ['image'], keepOutputs: true });
      return { value: tensors, bytes: Object.values(tensors).reduce((n, t) => n + f32(t).byteLength, 0) };
    });
  }

  /** Decodes one object on one frame and writes its memory; null when the object is absent. */
  private async step(objectId: number, t: number, step: 1 | -1, feats: Tensors, prompt: ObjectPrompt | undefined, priority: number): Promise<SegmentedMask | null> {
    return (await this.stepAll([objectId], t, step, feats, priority, prompt))[0]!;
  }

  /**
   * Decodes objects on one frame and writes their memories. Memory attention and the memory
   * encoder take one object at a time (their graphs have a batch of 1); the mask decoder takes
   * every object of the frame in one run, grouped by prompt length (no padding point is added,
   * so each object's mask is the one a run of its own gives).
   */
  private async stepAll(ids: number[], t: number, step: 1 | -1, feats: Tensors, priority: number, prompt?: ObjectPrompt): Promise<(SegmentedMask | null)[]> {
    const run = this.engine.runner(this.model, priority);
    const geom = resizeGeometry(this.model.manifest.preprocessing, this.video.width, this.video.height);
    const items: Item[] = [];
    for (const [k, objectId] of ids.entries()) {
      const own = prompt ?? this.prompts.get(objectId, t);
      const embed = await this.conditioned(objectId, t, step, feats, own, run);
      if (!embed) continue;
      const pts = own ? promptPoints(own, geom, this.video.width, this.video.height, false) : { coords: [0, 0], labels: [-1] };
      items.push({ k, objectId, prompt: own, embed, pts });
    }
    const out: (SegmentedMask | null)[] = ids.map(() => null);
    const groups = new Map<number, Item[]>();
    for (const it of items) groups.set(it.pts.labels.length, [...(groups.get(it.pts.labels.length) ?? []), it]);
    for (const group of groups.values()) {
      const decoded = await this.decodeBatch(group, feats, run);
      for (const [g, it] of group.entries()) out[it.k] = await this.remember(it, t, feats, decoded[g]!, run, geom);
    }
    return out;
  }

  /** The object's image embedding on frame t: the frame's own when prompted there, else memory-conditioned; null when absent. */
  private async conditioned(objectId: number, t: number, step: 1 | -1, feats: Tensors, prompt: ObjectPrompt | undefined, run: Runner): Promise<{ tensor: ort.Tensor; own: boolean } | null> {
    const bank = this.bank(objectId);
    // An object whose prompts were all cleared has nothing to track from (its old results are stale).
    if (!prompt && bank.cond.size === 0) return null;
    const memIn = prompt || !this.shape ? null : bank.inputs(t, step, this.shape, this.video.frameCount);
    if (!memIn) return prompt ? { tensor: feats.pix_feat, own: true } : null; // nothing to track from
    const { memDim, memH, memW } = this.shape!;
    const out = await run(this.model.sessions.memory_attention, {
      current_vision_feat: feats.vision_feats,
      current_vision_pos_embed: feats.vision_pos_embed,
      memory_0: new ort.Tensor('float32', memIn.objPtrs, [1, memIn.nPtr, this.shape!.ptrDim]),
      memory_1: new ort.Tensor('float32', memIn.memories, [1, memIn.nMem, memDim, memH, memW]),
      memory_pos_embed: new ort.Tensor('float32', memIn.posEmbed, [1, memIn.posRows, memDim]),
      cond_frame_id_diff: new ort.Tensor('float32', new Float32Array([memIn.condFrameDistance]), []),
    }, { transfer: ['memory_0', 'memory_1', 'memory_pos_embed'] });
    return { tensor: out.image_embed as ort.Tensor, own: false };
  }

  /** One mask decoder run for objects with prompts of the same length; its outputs split per object. */
  private async decodeBatch(group: Item[], feats: Tensors, run: Runner): Promise<Tensors[]> {
    const n = group.length;
    const b = packBatch(group.map((it) => it.pts));
    let embed = group[0]!.embed.tensor;
    if (n > 1) {
      const one = f32(embed).length;
      const data = new Float32Array(n * one);
      group.forEach((it, g) => data.set(f32(it.embed.tensor), g * one));
      embed = new ort.Tensor('float32', data, [n, ...(embed.dims as number[]).slice(1)]);
    }
    const dec = await run(this.model.sessions.video_decoder, {
      point_coords: new ort.Tensor('float32', b.coords, [n, b.p, 2]),
      point_labels: new ort.Tensor('float32', b.labels, [n, b.p]),
      image_embed: embed,
      high_res_feats_0: feats.high_res_feat0,
      high_res_feats_1: feats.high_res_feat1,
    }, { transfer: n > 1 || !group[0]!.embed.own ? ['point_coords', 'point_labels', 'image_embed'] : ['point_coords', 'point_labels'] }); // the frame's own features are not ours to give
    if (n === 1) return [dec];
    return group.map((_, g) => {
      const part: Tensors = {};
      for (const [name, t] of Object.entries(dec)) {
        const one = f32(t).length / n;
        part[name] = new ort.Tensor('float32', f32(t).slice(g * one, (g + 1) * one), [1, ...(t.dims as number[]).slice(1)]);
      }
      return part;
    });
  }

  /** Writes the object's memory from its decoder outputs; its mask, null when absent. */
  private async remember(it: Item, t: number, feats: Tensors, dec: Tensors, run: Runner, geom: ReturnType<typeof resizeGeometry>): Promise<SegmentedMask | null> {
    const enc = await run(this.model.sessions.memory_encoder, { mask_for_mem: dec.mask_for_mem, pix_feat: feats.pix_feat, occ_logit: dec.occ_logit }, { transfer: ['mask_for_mem'] });
    const features = enc.maskmem_features as ort.Tensor;
    const posEnc = enc.maskmem_pos_enc as ort.Tensor;
    const objPtr = dec.obj_ptr as ort.Tensor;
    if (!this.shape) {
      const tc = enc.temporal_code as ort.Tensor;
      const [, memTokens, memDim] = posEnc.dims as number[];
      const [, , memH, memW] = features.dims as number[];
      this.shape = { temporalCode: f32(tc).slice(), numMaskmem: tc.dims[0] as number, memDim, memTokens, memH, memW, ptrDim: objPtr.dims[1] as number };
    }
    this.bank(it.objectId).add({ frame: t, features: f32(features).slice(), posEnc: f32(posEnc).slice(), objPtr: f32(objPtr).slice() }, !!it.prompt);
    const occluded = f32(dec.occ_logit as ort.Tensor)[0] <= 0;
    if (occluded) return null;
    const pred = dec.pred_mask as ort.Tensor;
    const [, , lh, lw] = pred.dims as number[];
    const logits = f32(pred);
    const mask = logitsToMask({ logits, lowW: lw, lowH: lh, upscale: geom.inputSize / lw, width: this.video.width, height: this.video.height, threshold: 0 });
    const described = describeMask({ mask, score: f32(dec.iou as ort.Tensor)[0], lowRes: logits, lowResSize: [lh, lw] }, false);
    return described.area > 0 ? described : null;
  }
}
