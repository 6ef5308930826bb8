/**
 * The demo model in the official segment-anything layout (scripts/export_onnx_model.py without
 * --return-single-mask, plus an image encoder):
 *
 * encoder.onnx  image [1,3,1024,1024] (longest side resized to 1024, mean/std in 0..255, padded
 *               bottom/right with zeros) -> image_embeddings [1,48,64,64]
 *   The image's colours (RGB 0..1, de-normalised) average-pooled to 256x256, packed into channels
 *   with SpaceToDepth (blocksize 4): channel (by*4 + bx)*3 + c holds colour c of cell
 *   (4y+by, 4x+bx). The padding (zeros after normalisation) becomes the mean colour.
 * decoder.onnx  image_embeddings, point_coords [1,P,2], point_labels [1,P], mask_input [1,1,256,256],
 *               has_mask_input [1], orig_im_size [2] (H, W, float)
 *            -> masks [1,4,H,W], iou_predictions [1,4], low_res_masks [1,4,256,256]
 *   DepthToSpace unpacks the colours, the colour-affinity core (demo-decoder-core.ts) segments.
 *   M = 4 as in the official multi-mask export: index 0 is the single-mask output (SAM's mask
 *   token 0; here a copy of the medium mask), 1..3 are the tight, medium and loose masks.
 *   masks are the official post-processing of low_res_masks: bilinear (align_corners=False)
 *   resize to 1024x1024, crop to [0:floor(H*s+0.5), 0:floor(W*s+0.5)] with s = 1024/max(H,W),
 *   bilinear resize to H x W. They are logits (threshold 0).
 */
import { buildDecoderCore, GRID, MEDIUM_MASK } from './demo-decoder-core.js';
import { declareInputs, declareOutputs, encodeModel, Graph, type GraphIO } from './onnx-graph.js';

export const SAM_INPUT_SIZE = 1024;
export const SAM_MEAN = [123.675, 116.28, 103.53] as const;
export const SAM_STD = [58.395, 57.12, 57.375] as const;
/** Side of the square of 256-grid cells packed into one embedding cell. */
const PACK = 4;
export const SAM_EMBED_CHANNELS = 3 * PACK * PACK;
/** Masks per call: the single-mask output, then tight, medium, loose. */
export const SAM_NUM_MASKS = 4;

export const SAM_ENCODER_IO: GraphIO = {
  inputs: { image: { type: 'float32', shape: [1, 3, SAM_INPUT_SIZE, SAM_INPUT_SIZE] } },
  outputs: { image_embeddings: { type: 'float32', shape: [1, SAM_EMBED_CHANNELS, 64, 64] } },
};

export const SAM_DECODER_IO: GraphIO = {
  inputs: {
    image_embeddings: { type: 'float32', shape: [1, SAM_EMBED_CHANNELS, 64, 64] },
    point_coords: { type: 'float32', shape: [1, 'num_points', 2] },
    point_labels: { type: 'float32', shape: [1, 'num_points'] },
    mask_input: { type: 'float32', shape: [1, 1, GRID, GRID] },
    has_mask_input: { type: 'float32', shape: [1] },
    orig_im_size: { type: 'float32', shape: [2] },
  },
  outputs: {
    masks: { type: 'float32', shape: [1, SAM_NUM_MASKS, 'orig_height', 'orig_width'] },
    iou_predictions: { type: 'float32', shape: [1, SAM_NUM_MASKS] },
    low_res_masks: { type: 'float32', shape: [1, SAM_NUM_MASKS, GRID, GRID] },
  },
};

const DOC =
  'maskql demo model (segment-anything layout): real ONNX graph with hand-set weights that segments flat-coloured shapes by colour affinity.';

export function buildSamEncoder(): Uint8Array {
  const g = new Graph('demo_sam_encoder');
  const { image } = declareInputs(g, SAM_ENCODER_IO);
  const pooled = g.op('AveragePool', [image], { kernel_shape: [PACK, PACK], strides: [PACK, PACK] });
  // (x * std + mean) / 255: colours in 0..1.
  const colour = g.op('Add', [
    g.op('Mul', [pooled, g.constant(SAM_STD.map((s) => s / 255), [1, 3, 1, 1])]),
    g.constant(SAM_MEAN.map((m) => m / 255), [1, 3, 1, 1]),
  ]);
  const packed = g.op('SpaceToDepth', [colour], { blocksize: PACK });
  declareOutputs(g, SAM_ENCODER_IO, { image_embeddings: packed });
  return encodeModel(g, { docString: DOC });
}

export function buildSamDecoder(): Uint8Array {
  const g = new Graph('demo_sam_decoder');
  const i = declareInputs(g, SAM_DECODER_IO);
  const feat = g.op('DepthToSpace', [i.image_embeddings], { blocksize: PACK, mode: 'DCR' }); // [1,3,256,256]
  const core = buildDecoderCore(g, {
    feat,
    channels: 3,
    coords: i.point_coords,
    labels: i.point_labels,
    maskInput: i.mask_input,
    hasMaskInput: i.has_mask_input,
  });
  const pick = (x: string, k: number) => g.op('Slice', [x, g.ints([k]), g.ints([k + 1]), g.ints([1])]);
  const lowRes = g.op('Concat', [pick(core.lowRes, MEDIUM_MASK), core.lowRes], { axis: 1 }); // [1,4,256,256]
  const scores = g.op('Concat', [pick(core.scores, MEDIUM_MASK), core.scores], { axis: 1 }); // [1,4]

  // Official mask_postprocessing.
  const resize = (x: string, sizes: string) =>
    g.op('Resize', [x, '', '', sizes], { mode: 'linear', coordinate_transformation_mode: 'half_pixel' });
  const up = resize(lowRes, g.ints([1, SAM_NUM_MASKS, SAM_INPUT_SIZE, SAM_INPUT_SIZE]));
  const scale = g.op('Div', [g.scalar(SAM_INPUT_SIZE), g.op('ReduceMax', [i.orig_im_size], { keepdims: 1 })]);
  const prepadded = g.op('Cast', [g.op('Floor', [g.op('Add', [g.op('Mul', [i.orig_im_size, scale]), g.scalar(0.5)])])], {
    to: 7,
  });
  const cropped = g.op('Slice', [up, g.ints([0, 0]), prepadded, g.ints([2, 3])]);
  const origSize = g.op('Cast', [i.orig_im_size], { to: 7 });
  const masks = resize(cropped, g.op('Concat', [g.ints([1, SAM_NUM_MASKS]), origSize], { axis: 0 }));

  declareOutputs(g, SAM_DECODER_IO, { masks, iou_predictions: scores, low_res_masks: lowRes });
  return encodeModel(g, { docString: DOC });
}

export function buildSamDemo(): { encoder: Uint8Array; decoder: Uint8Array; io: { encoder: GraphIO; decoder: GraphIO } } {
  return {
    encoder: buildSamEncoder(),
    decoder: buildSamDecoder(),
    io: { encoder: SAM_ENCODER_IO, decoder: SAM_DECODER_IO },
  };
}
