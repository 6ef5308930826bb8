// SAM 2 image export: encoder -> image_embed, high_res_feats_0, high_res_feats_1; one decoder
// call for all objects (batched prompts) -> low-res logits the caller upsamples.
import * as ort from 'onnxruntime-node';
import { logitsToMask } from '../masks/upsample.js';
import type { ObjectPrompt } from '../image-source.js';
import type { DecodeOptions, Embedding, ImageFamily, LoadedGraphs, MaskCandidate, Runner, EncoderInput } from './family.js';
import { lowResSize, readCandidates } from './decoder-output.js';
import { runEncoder } from '../encoder-input.js';
import { packBatch, promptPoints } from './prompt-tensors.js';

const FEATURES = ['image_embed', 'high_res_feats_0', 'high_res_feats_1'] as const;

export const sam2Family: ImageFamily = {
  kind: 'image',
  name: 'sam2',
  contract: {
    encoder: { inputs: ['image'], outputs: [...FEATURES] },
    decoder: {
      inputs: [...FEATURES, 'point_coords', 'point_labels', 'mask_input', 'has_mask_input'],
      outputs: ['masks', 'iou_predictions'],
    },
  },

  async encode(model: LoadedGraphs, input: EncoderInput, run: Runner) {
    const out = await runEncoder(model, input, run);
    return Object.fromEntries(FEATURES.map((k) => [k, out[k]]));
  },

  async decode(model: LoadedGraphs, emb: Embedding, objects: ObjectPrompt[], opts: DecodeOptions, run: Runner): Promise<MaskCandidate[][]> {
    const [lh, lw] = lowResSize(model.manifest);
    const batch = packBatch(objects.map((o) => promptPoints(o, emb.geometry, emb.width, emb.height, false)));
    const maskInput = new Float32Array(batch.n * lh * lw);
    const hasMask = new Float32Array(batch.n);
    objects.forEach((o, i) => {
      if (o.maskInput) {
        maskInput.set(o.maskInput, i * lh * lw);
        hasMask[i] = 1;
      }
    });
    const out = await run(model.sessions.decoder, {
      ...Object.fromEntries(FEATURES.map((k) => [k, emb.tensors[k]])),
      point_coords: new ort.Tensor('float32', batch.coords, [batch.n, batch.p, 2]),
      point_labels: new ort.Tensor('float32', batch.labels, [batch.n, batch.p]),
      mask_input: new ort.Tensor('float32', maskInput, [batch.n, 1, lh, lw]),
      has_mask_input: new ort.Tensor('float32', hasMask, [batch.n]),
    }, { transfer: ['point_coords', 'point_labels', 'mask_input', 'has_mask_input'] });
    const g = emb.geometry;
    return readCandidates(out.masks as ort.Tensor, out.iou_predictions as ort.Tensor, (logits, h, w) =>
      logitsToMask({
        logits,
        lowW: w,
        lowH: h,
        // The image fills the whole input square for a square resize; otherwise only its top-left part.
        upscale: g.inputSize / w,
        crop: g.resizedWidth < g.inputSize || g.resizedHeight < g.inputSize ? { width: (w * g.resizedWidth) / g.inputSize, height: (h * g.resizedHeight) / g.inputSize } : undefined,
        width: emb.width,
        height: emb.height,
        threshold: opts.threshold,
      }),
      undefined,
      opts.multimask,
    );
  },
};
