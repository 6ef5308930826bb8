// SAM 2's video path through the four ONNX modules (families/sam2-video.ts), with one memory
// bank per object in TypeScript. A prompted frame is decoded from its own features and prompts;
// any other frame from features conditioned by memory attention on the object's memories.
import * as ort from 'onnxruntime-node';
import { PRIORITY_BACKGROUND, PRIORITY_INTERACTIVE } from '../device-queue.js';
import type { Engine, SegmentedMask } from '../engine.js';
import { describeMask } from '../engine.js';
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
      const objects: FrameResult['objects'] = [];
      // Every object on every frame, whichever frames it was prompted on: its memory holds its
      // conditioning frames on both sides of t (null only when it has none, or is absent).
      for (const id of this.objectIds()) {
        const own = this.prompts.get(id, t);
        const mask = await this.step(id, t, step, feats, own, PRIORITY_BACKGROUND);
        this.memory.record(t, id, mask);
        objects.push({ objectId: id, mask });
      }
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
    const run = this.engine.runner(this.model, priority);
    const s = this.model.sessions;
    const bank = this.bank(objectId);
    let imageEmbed = feats.pix_feat;
    // An object whose prompts were all cleared has nothing to track from (its old results are stale).
    if (!prompt && bank.cond.size === 0) return null;
    const memIn = prompt || !this.shape ? null : bank.inputs(t, step, this.shape, this.video.frameCount);
    if (memIn) {
      const { memDim, memH, memW } = this.shape!;
      const out = await run(s.memory_attention, {
        current_vision_feat: feats.vision_feats,
        current_vision_pos_embed: feats.vision_pos_embed,
        memory_0: new ort.Tensor('float32', memIn.objPtrs, [1, memIn.nPtr, this.shape!.ptrDim]),
        memory_1: new ort.Tensor('float32', memIn.memories, [1, memIn.nMem, memDim, memH, memW]),
        memory_pos_embed: new ort.Tensor('float32', memIn.posEmbed, [1, memIn.posRows, memDim]),
        cond_frame_id_diff: new ort.Tensor('float32', new Float32Array([memIn.condFrameDistance]), []),
      }, { transfer: ['memory_0', 'memory_1', 'memory_pos_embed'] });
      imageEmbed = out.image_embed as ort.Tensor;
    } else if (!prompt) {
      return null; // nothing to track from
    }
    const geom = resizeGeometry(this.model.manifest.preprocessing, this.video.width, this.video.height);
    const pts = prompt ? promptPoints(prompt, geom, this.video.width, this.video.height, false) : { coords: [0, 0], labels: [-1] };
    const b = packBatch([pts]);
    const dec = await run(s.video_decoder, {
      point_coords: new ort.Tensor('float32', b.coords, [1, b.p, 2]),
      point_labels: new ort.Tensor('float32', b.labels, [1, b.p]),
      image_embed: imageEmbed,
      high_res_feats_0: feats.high_res_feat0,
      high_res_feats_1: feats.high_res_feat1,
    }, { transfer: memIn ? ['point_coords', 'point_labels', 'image_embed'] : ['point_coords', 'point_labels'] }); // the frame's own features are not ours to give
    const enc = await run(s.memory_encoder, { mask_for_mem: dec.mask_for_mem, pix_feat: feats.pix_feat, occ_logit: dec.occ_logit }, { transfer: ['mask_for_mem'] });
    const features = enc.maskmem_features as ort.Tensor;
    const posEnc = enc.maskmem_pos_enc as ort.Tensor;
    const objPtr = dec.obj_ptr as ort.Tensor;
    if (!this.shape) {
      const tc = enc.temporal_code as ort.Tensor;
      const [, memTokens, memDim] = posEnc.dims as number[];
      const [, , memH, memW] = features.dims as number[];
      this.shape = { temporalCode: f32(tc).slice(), numMaskmem: tc.dims[0] as number, memDim, memTokens, memH, memW, ptrDim: objPtr.dims[1] as number };
    }
    bank.add({ frame: t, features: f32(features).slice(), posEnc: f32(posEnc).slice(), objPtr: f32(objPtr).slice() }, !!prompt);
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
