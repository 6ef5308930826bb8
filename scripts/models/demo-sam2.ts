/**
 * The demo model in the SAM 2 image-export layout (samexporter / sam2-onnx style):
 *
 * encoder.onnx  image [1,3,1024,1024] (ImageNet-normalised RGB, square resize)
 *            -> high_res_feats_0 [1,3,256,256], high_res_feats_1 [1,3,128,128], image_embed [1,3,64,64]
 *   The features are the image's colours (RGB 0..1, de-normalised) average-pooled to 256, 128
 *   and 64 cells a side.
 * decoder.onnx  image_embed, high_res_feats_0, high_res_feats_1, point_coords [N,P,2],
 *               point_labels [N,P], mask_input [N,1,256,256], has_mask_input [N]
 *            -> masks [N,3,256,256] (low-res logits: tight, medium, loose), iou_predictions [N,3]
 *   It segments on high_res_feats_0 with the colour-affinity core (demo-decoder-core.ts);
 *   image_embed and high_res_feats_1 enter the graph only through a zero-weighted term, so that
 *   they stay required inputs as in the real export.
 */
import { buildDecoderCore, GRID, NUM_MASKS } from './demo-decoder-core.js';
import { declareInputs, declareOutputs, encodeModel, Graph, type GraphIO } from './onnx-graph.js';

export const SAM2_INPUT_SIZE = 1024;
export const SAM2_MEAN = [0.485, 0.456, 0.406] as const;
export const SAM2_STD = [0.229, 0.224, 0.225] as const;
/** Feature channels of the demo (real SAM 2: 32, 64, 256). */
export const SAM2_CHANNELS = { highRes0: 3, highRes1: 3, embed: 3 } as const;

export const SAM2_ENCODER_IO: GraphIO = {
  inputs: { image: { type: 'float32', shape: [1, 3, SAM2_INPUT_SIZE, SAM2_INPUT_SIZE] } },
  outputs: {
    high_res_feats_0: { type: 'float32', shape: [1, SAM2_CHANNELS.highRes0, 256, 256] },
    high_res_feats_1: { type: 'float32', shape: [1, SAM2_CHANNELS.highRes1, 128, 128] },
    image_embed: { type: 'float32', shape: [1, SAM2_CHANNELS.embed, 64, 64] },
  },
};

export const SAM2_DECODER_IO: GraphIO = {
  inputs: {
    image_embed: { type: 'float32', shape: [1, SAM2_CHANNELS.embed, 64, 64] },
    high_res_feats_0: { type: 'float32', shape: [1, SAM2_CHANNELS.highRes0, 256, 256] },
    high_res_feats_1: { type: 'float32', shape: [1, SAM2_CHANNELS.highRes1, 128, 128] },
    point_coords: { type: 'float32', shape: ['num_labels', 'num_points', 2] },
    point_labels: { type: 'float32', shape: ['num_labels', 'num_points'] },
    mask_input: { type: 'float32', shape: ['num_labels', 1, GRID, GRID] },
    has_mask_input: { type: 'float32', shape: ['num_labels'] },
  },
  outputs: {
    masks: { type: 'float32', shape: ['num_labels', NUM_MASKS, GRID, GRID] },
    iou_predictions: { type: 'float32', shape: ['num_labels', NUM_MASKS] },
  },
};

const DOC =
  'maskql demo model (sam2 layout): real ONNX graph with hand-set weights that segments flat-coloured shapes by colour affinity.';

export function buildSam2Encoder(): Uint8Array {
  const g = new Graph('demo_sam2_encoder');
  const { image } = declareInputs(g, SAM2_ENCODER_IO);
  const pool = (x: string, k: number) => g.op('AveragePool', [x], { kernel_shape: [k, k], strides: [k, k] });
  // Pool first (linear), then undo the ImageNet normalisation on 16x fewer values.
  const pooled = pool(image, 4);
  const feats0 = g.op('Add', [
    g.op('Mul', [pooled, g.constant([...SAM2_STD], [1, 3, 1, 1])]),
    g.constant([...SAM2_MEAN], [1, 3, 1, 1]),
  ]);
  const feats1 = pool(feats0, 2);
  const embed = pool(feats1, 2);
  declareOutputs(g, SAM2_ENCODER_IO, { high_res_feats_0: feats0, high_res_feats_1: feats1, image_embed: embed });
  return encodeModel(g, { docString: DOC });
}

export function buildSam2Decoder(): Uint8Array {
  const g = new Graph('demo_sam2_decoder');
  const i = declareInputs(g, SAM2_DECODER_IO);
  // Keep image_embed and high_res_feats_1 in the graph (weight 0) so they remain real inputs.
  const unused = g.op('Mul', [
    g.op('Add', [
      g.op('ReduceMean', [i.image_embed], { keepdims: 0 }),
      g.op('ReduceMean', [i.high_res_feats_1], { keepdims: 0 }),
    ]),
    g.scalar(0),
  ]);
  const { lowRes, scores } = buildDecoderCore(g, {
    feat: i.high_res_feats_0,
    channels: SAM2_CHANNELS.highRes0,
    coords: i.point_coords,
    labels: i.point_labels,
    maskInput: i.mask_input,
    hasMaskInput: i.has_mask_input,
  });
  declareOutputs(g, SAM2_DECODER_IO, { masks: g.op('Add', [lowRes, unused]), iou_predictions: scores });
  return encodeModel(g, { docString: DOC });
}

export function buildSam2Demo(): { encoder: Uint8Array; decoder: Uint8Array; io: { encoder: GraphIO; decoder: GraphIO } } {
  return {
    encoder: buildSam2Encoder(),
    decoder: buildSam2Decoder(),
    io: { encoder: SAM2_ENCODER_IO, decoder: SAM2_DECODER_IO },
  };
}
