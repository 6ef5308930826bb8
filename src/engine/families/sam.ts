// The official segment-anything export: an encoder -> image_embeddings, and the decoder export
// (one object per call) whose `masks` output is already upsampled to orig_im_size.
import * as ort from 'onnxruntime-node';
import type { ObjectPrompt } from '../image-source.js';
import type { DecodeOptions, Embedding, ImageFamily, LoadedGraphs, MaskCandidate, Runner, EncoderInput } from './family.js';
import { lowResSize, readCandidates } from './decoder-output.js';
import { runEncoder } from '../encoder-input.js';
import { packBatch, promptPoints } from './prompt-tensors.js';

export const samFamily: ImageFamily = {
  kind: 'image',
  name: 'sam',
  contract: {
    encoder: { inputs: ['image'], outputs: ['image_embeddings'] },
    decoder: {
      inputs: ['image_embeddings', 'point_coords', 'point_labels', 'mask_input', 'has_mask_input', 'orig_im_size'],
      outputs: ['masks', 'iou_predictions', 'low_res_masks'],
    },
  },

  async encode(model: LoadedGraphs, input: EncoderInput, run: Runner) {
    const out = await runEncoder(model, input, run);
    return { image_embeddings: out.image_embeddings as ort.Tensor };
  },

  async decode(model: LoadedGraphs, emb: Embedding, objects: ObjectPrompt[], opts: DecodeOptions, run: Runner): Promise<MaskCandidate[][]> {
    const [lh, lw] = lowResSize(model.manifest);
    const origSize = new ort.Tensor('float32', new Float32Array([emb.height, emb.width]), [2]);
    const results: MaskCandidate[][] = [];
    for (const o of objects) {
      // The official decoder export takes one object per call.
      const b = packBatch([promptPoints(o, emb.geometry, emb.width, emb.height, true)]);
      const out = await run(model.sessions.decoder, {
        image_embeddings: emb.tensors.image_embeddings,
        point_coords: new ort.Tensor('float32', b.coords, [1, b.p, 2]),
        point_labels: new ort.Tensor('float32', b.labels, [1, b.p]),
        mask_input: new ort.Tensor('float32', o.maskInput ?? new Float32Array(lh * lw), [1, 1, lh, lw]),
        has_mask_input: new ort.Tensor('float32', new Float32Array([o.maskInput ? 1 : 0]), [1]),
        orig_im_size: origSize,
      });
      const [cands] = readCandidates(
        out.masks as ort.Tensor,
        out.iou_predictions as ort.Tensor,
        (logits, h, w) => thresholdMask(logits, w, h, opts.threshold),
        out.low_res_masks as ort.Tensor,
        opts.multimask,
      );
      results.push(cands);
    }
    return results;
  },
};

function thresholdMask(logits: Float32Array, width: number, height: number, threshold: number) {
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = logits[i] > threshold ? 1 : 0;
  return { width, height, data };
}
