/**
 * (Over 300 lines: four generated graphs of one export layout, written node by node.)
 * The demo model's SAM 2 video modules, in the four-graph split of NVIDIA's SAM2-ONNX-TRT export
 * (the engine keeps the memory bank in TypeScript, src/engine/tracking/memory-bank.ts), with
 * hand-set weights that track flat-coloured shapes by colour affinity:
 *
 * video_encoder.onnx  image [1,3,1024,1024] (ImageNet-normalised RGB, square resize)
 *   -> high_res_feat0 [1,3,256,256]: the colours (RGB 0..1) average-pooled to 256 cells a side
 *      (as the image encoder's high_res_feats_0);
 *      high_res_feat1 [1,3,128,128]: the same pooled to 128;
 *      pix_feat = vision_feats [1,52,64,64]: channels 0..47 the 256 colour grid packed by
 *      SpaceToDepth(4) (channel (4*dy+dx)*3 + c), channels 48..51 zero (the slots memory
 *      attention fills, see below);
 *      vision_pos_embed [4096,1,52]: zeros (the demo's features carry no positional code).
 *
 * memory_encoder.onnx  mask_for_mem [1,1,1024,1024] (logits), pix_feat, occ_logit [1,1]
 *   -> maskmem_features [1,8,64,64]:
 *        0: the mask (mask_for_mem > 0) as its covered fraction of each 16x16 input block;
 *        1..3: the object's mean colour (over the mask's interior at 256, or the whole mask when
 *              it has no interior), broadcast;
 *        4: presence, 1 when occ_logit > 0 and the mask is not empty (broadcast);
 *        5..7: zero.
 *      All channels are zero when the object is absent.
 *      maskmem_pos_enc [1,4096,8]: the token's (x, y) in 0..1 in channels 0 and 1, zero elsewhere.
 *      temporal_code [7,1,1,8] (numMaskmem = 7): zero except channel 7 (RECENCY_CHANNEL), which
 *      encodes recency in SAM 2's order (the engine adds temporal_code[numMaskmem - t_pos - 1],
 *      t_pos 0 for conditioning frames, numMaskmem - i for the frame i steps back):
 *      temporal_code[6] = 0 (conditioning frames), temporal_code[i - 1] = (7 - i)/6 for the frame
 *      i steps back (1 for the previous frame, 1/6 for 6 back).
 *
 * memory_attention.onnx  current_vision_feat, current_vision_pos_embed, memory_0 [1,nPtr,8],
 *                        memory_1 [1,nMem,8,64,64], memory_pos_embed, cond_frame_id_diff
 *   -> image_embed [1,52,64,64] = current_vision_feat's colour channels 0..47, then the prior:
 *        48: the attended mask (at 64), 49..51: the attended object colour.
 *      Attention over the spatial memories (one weight per memory, softmax):
 *        logit_k = SHARPNESS * (PRESENT_WEIGHT * present_k + OVERLAP_WEIGHT * overlap_k + recency_k)
 *      where present_k is channel 4, overlap_k the fraction of memory k's mask whose colour in the
 *      CURRENT frame is still within MATCH_TOLERANCE of memory k's colour (the memory that still
 *      lies on the object), and recency_k is read from memory_pos_embed (row k*4096, channel 7:
 *      maskmem_pos_enc's channel 7 is zero, so it is the temporal code). So: present memories
 *      first, then the one that best overlaps the object now, the most recent one on ties; an
 *      absent (occluded) memory is used only when no memory holds the object. The prior is the
 *      weighted sum of the memories' channels. When no present memory overlaps the object now
 *      by more than NEAR_OVERLAP (it moved far since: a conditioning frame many frames away),
 *      the prior mask is instead every cell of the current frame within MATCH_TOLERANCE of the
 *      attended colour, anywhere: the object is found by appearance, as SAM 2's attention
 *      matches by content. Object pointers, the positional embeddings and cond_frame_id_diff
 *      enter only through a zero-weighted term (they stay real inputs).
 *
 * video_decoder.onnx  point_coords [N,P,2], point_labels [N,P], image_embed [N,52,64,64],
 *                     high_res_feats_0, high_res_feats_1
 *   -> pred_mask [N,1,256,256] (low-res logits), mask_for_mem [N,1,1024,1024] (pred_mask
 *      upsampled bilinearly x4), iou [N,1], occ_logit [N,1], obj_ptr [N,8].
 *   - Prompted (some label in 0..3): the image decoder's colour-affinity core
 *     (demo-decoder-core.ts) on high_res_feats_0 with those prompts; the best of its three
 *     masks by score.
 *   - Not prompted (padding only): tracking from the prior in image_embed. Seeds: cells of the
 *     256 grid whose prior (nearest-upsampled) is > 0.5 and whose colour is within
 *     SEED_TOLERANCE of the prior's colour. They go to the same core as mask_input (seeds and a
 *     mean-colour reference), with one positive point on the seed cell closest to the prior's
 *     colour, and a box: the bounding box of the prior (> 0.5) grown by WINDOW_MARGIN cells plus
 *     WINDOW_GROWTH of its size on each side, so growth stays near where the prior is (near the
 *     object's last position, a same-coloured shape elsewhere is not captured). No seeds: no prompt at all, an empty
 *     mask.
 *   - occ_logit = +LOGIT when pred_mask has a cell > 0, else -LOGIT (the object is lost).
 *   - iou: the chosen mask's stability score (see demo-decoder-core.ts); 0 when empty.
 *   - obj_ptr: [present, mean colour r, g, b (of the mask at 256), centroid x, y (0..1 of the
 *     input square), area (fraction of the grid), 0].
 */
import { buildDecoderCore, CELL, GRID, LOGIT, NUM_MASKS, TOLERANCES } from './demo-decoder-core.js';
import { SAM2_INPUT_SIZE, SAM2_MEAN, SAM2_STD } from './demo-sam2.js';
import { declareInputs, declareOutputs, encodeModel, Graph, type GraphIO } from './onnx-graph.js';

/** Side of the 64x64 feature / memory grid. */
export const FEAT = 64;
/** Tokens of a 64x64 feature map. */
export const TOKENS = FEAT * FEAT;
/** Cells of the 256 grid per feature cell (side). */
export const BLOCK = GRID / FEAT;
/** Colour channels of pix_feat (the 256 colour grid packed 4x4 into channels). */
export const COLOUR_CHANNELS = 3 * BLOCK * BLOCK;
/** Channel of image_embed holding the prior mask; the next three hold its colour. */
export const PRIOR_CHANNEL = COLOUR_CHANNELS;
/** Channels of pix_feat / vision_feats / image_embed. */
export const EMBED_CHANNELS = COLOUR_CHANNELS + 4;
/** Channels of a spatial memory (maskmem_features, maskmem_pos_enc, temporal_code). */
export const MEM_CHANNELS = 8;
/** Channels of an object pointer. */
export const PTR_CHANNELS = 8;
/** Memories per object in SAM 2 (conditioning position + 6 recent frames). */
export const NUM_MASKMEM = 7;
/** Channel of the positional embeddings carrying the recency code. */
export const RECENCY_CHANNEL = 7;
/** Memory channels: mask, colour (3), presence. */
export const MEM = { mask: 0, colour: 1, present: 4 } as const;

/** Colour distance within which a memory's mask cell still matches the current frame. */
export const MATCH_TOLERANCE = TOLERANCES[1];
/** Colour distance within which a prior cell seeds the tracked mask. */
export const SEED_TOLERANCE = TOLERANCES[1];
/** Attention logit weights (see the header). */
export const PRESENT_WEIGHT = 10;
export const OVERLAP_WEIGHT = 2;
export const SHARPNESS = 8;
/** A present memory overlapping the object by more than this fraction of its mask locates it; else it is found by colour anywhere. */
export const NEAR_OVERLAP = 0.5;
/** Tracking window around the prior: margin in 256-grid cells, plus this fraction of its size. */
export const WINDOW_MARGIN = 16;
export const WINDOW_GROWTH = 0.25;

/** Recency code of temporal position tpos (0 = conditioning frame, i = i frames back). */
export function recency(tpos: number): number {
  return tpos === 0 ? 0 : (NUM_MASKMEM - tpos) / (NUM_MASKMEM - 1);
}

const N = 'num_labels';

export const VIDEO_ENCODER_IO: GraphIO = {
  inputs: { image: { type: 'float32', shape: [1, 3, SAM2_INPUT_SIZE, SAM2_INPUT_SIZE] } },
  outputs: {
    pix_feat: { type: 'float32', shape: [1, EMBED_CHANNELS, FEAT, FEAT] },
    high_res_feat0: { type: 'float32', shape: [1, 3, GRID, GRID] },
    high_res_feat1: { type: 'float32', shape: [1, 3, GRID / 2, GRID / 2] },
    vision_feats: { type: 'float32', shape: [1, EMBED_CHANNELS, FEAT, FEAT] },
    vision_pos_embed: { type: 'float32', shape: [TOKENS, 1, EMBED_CHANNELS] },
  },
};

export const VIDEO_DECODER_IO: GraphIO = {
  inputs: {
    point_coords: { type: 'float32', shape: [N, 'num_points', 2] },
    point_labels: { type: 'float32', shape: [N, 'num_points'] },
    image_embed: { type: 'float32', shape: [N, EMBED_CHANNELS, FEAT, FEAT] },
    high_res_feats_0: { type: 'float32', shape: [1, 3, GRID, GRID] },
    high_res_feats_1: { type: 'float32', shape: [1, 3, GRID / 2, GRID / 2] },
  },
  outputs: {
    obj_ptr: { type: 'float32', shape: [N, PTR_CHANNELS] },
    mask_for_mem: { type: 'float32', shape: [N, 1, SAM2_INPUT_SIZE, SAM2_INPUT_SIZE] },
    pred_mask: { type: 'float32', shape: [N, 1, GRID, GRID] },
    iou: { type: 'float32', shape: [N, 1] },
    occ_logit: { type: 'float32', shape: [N, 1] },
  },
};

export const MEMORY_ATTENTION_IO: GraphIO = {
  inputs: {
    current_vision_feat: { type: 'float32', shape: [1, EMBED_CHANNELS, FEAT, FEAT] },
    current_vision_pos_embed: { type: 'float32', shape: [TOKENS, 1, EMBED_CHANNELS] },
    memory_0: { type: 'float32', shape: [1, 'num_obj_ptrs', PTR_CHANNELS] },
    memory_1: { type: 'float32', shape: [1, 'num_memories', MEM_CHANNELS, FEAT, FEAT] },
    memory_pos_embed: { type: 'float32', shape: [1, 'num_memory_tokens', MEM_CHANNELS] },
    cond_frame_id_diff: { type: 'float32', shape: [] },
  },
  outputs: {
    image_embed: { type: 'float32', shape: [1, EMBED_CHANNELS, FEAT, FEAT] },
  },
};

export const MEMORY_ENCODER_IO: GraphIO = {
  inputs: {
    mask_for_mem: { type: 'float32', shape: [1, 1, SAM2_INPUT_SIZE, SAM2_INPUT_SIZE] },
    pix_feat: { type: 'float32', shape: [1, EMBED_CHANNELS, FEAT, FEAT] },
    occ_logit: { type: 'float32', shape: [1, 1] },
  },
  outputs: {
    maskmem_features: { type: 'float32', shape: [1, MEM_CHANNELS, FEAT, FEAT] },
    maskmem_pos_enc: { type: 'float32', shape: [1, TOKENS, MEM_CHANNELS] },
    temporal_code: { type: 'float32', shape: [NUM_MASKMEM, 1, 1, MEM_CHANNELS] },
  },
};

const DOC =
  'maskql demo model (sam2 video modules): real ONNX graphs with hand-set weights that track flat-coloured shapes by colour affinity.';

/** Small graph helpers shared by the four builders. */
function helpers(g: Graph) {
  const f = (v: number) => g.scalar(v);
  return {
    f,
    toFloat: (x: string) => g.op('Cast', [x], { to: 1 }),
    slice: (x: string, start: number, end: number, axis: number) =>
      g.op('Slice', [x, g.ints([start]), g.ints([end]), g.ints([axis])]),
    sum: (x: string, axes: number[], keepdims = 1) => g.op('ReduceSum', [x, g.ints(axes)], { keepdims }),
    mean: (x: string, axes: number[], keepdims = 1) => g.op('ReduceMean', [x], { axes, keepdims }),
    max: (x: string, axes: number[], keepdims = 1) => g.op('ReduceMax', [x], { axes, keepdims }),
    min: (x: string, axes: number[], keepdims = 1) => g.op('ReduceMin', [x], { axes, keepdims }),
    /** 0 * sum(x): keeps x a real input of the graph without changing anything (0 when x is empty). */
    zeroTerm: (xs: string[]) =>
      g.op('Mul', [xs.map((x) => g.op('ReduceSum', [x], { keepdims: 0 })).reduce((a, b) => g.op('Add', [a, b])), f(0)]),
    /** Colours [1,3,256,256] from the packed colour channels of a [1,C,64,64] feature map. */
    unpack: (feat: string) =>
      g.op('DepthToSpace', [g.op('Slice', [feat, g.ints([0]), g.ints([COLOUR_CHANNELS]), g.ints([1])])], {
        blocksize: BLOCK,
        mode: 'DCR',
      }),
  };
}

export function buildVideoEncoder(): Uint8Array {
  const g = new Graph('demo_sam2_video_encoder');
  const h = helpers(g);
  const { image } = declareInputs(g, VIDEO_ENCODER_IO);
  const pool = (x: string, k: number) => g.op('AveragePool', [x], { kernel_shape: [k, k], strides: [k, k] });
  const colour = g.op('Add', [
    g.op('Mul', [pool(image, SAM2_INPUT_SIZE / GRID), g.constant([...SAM2_STD], [1, 3, 1, 1])]),
    g.constant([...SAM2_MEAN], [1, 3, 1, 1]),
  ]);
  const packed = g.op('SpaceToDepth', [colour], { blocksize: BLOCK });
  const feat = g.op('Pad', [packed, g.ints([0, 0, 0, 0, 0, EMBED_CHANNELS - COLOUR_CHANNELS, 0, 0])]);
  const pos = g.op('Expand', [h.f(0), g.ints([TOKENS, 1, EMBED_CHANNELS])]);
  declareOutputs(g, VIDEO_ENCODER_IO, {
    pix_feat: feat,
    high_res_feat0: colour,
    high_res_feat1: pool(colour, 2),
    vision_feats: feat,
    vision_pos_embed: pos,
  });
  return encodeModel(g, { docString: DOC });
}

export function buildMemoryEncoder(): Uint8Array {
  const g = new Graph('demo_sam2_memory_encoder');
  const h = helpers(g);
  const { f, toFloat, sum } = h;
  const i = declareInputs(g, MEMORY_ENCODER_IO);
  const pool = (x: string, k: number) => g.op('AveragePool', [x], { kernel_shape: [k, k], strides: [k, k] });
  const bin1024 = toFloat(g.op('Greater', [i.mask_for_mem, f(0)]));
  const frac256 = pool(bin1024, SAM2_INPUT_SIZE / GRID); // [1,1,256,256]
  const frac64 = pool(frac256, BLOCK); // [1,1,64,64]
  const bin256 = toFloat(g.op('Greater', [frac256, f(0.5)]));
  // Interior: cells whose 3x3 neighbourhood is all in the mask (pure object colour).
  const interior = g.op('Sub', [
    f(1),
    g.op('MaxPool', [g.op('Sub', [f(1), bin256])], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] }),
  ]);
  const area = sum(bin256, [1, 2, 3]); // [1,1,1,1]
  const noInterior = toFloat(g.op('Equal', [sum(interior, [1, 2, 3]), f(0)]));
  const w = g.op('Add', [interior, g.op('Mul', [bin256, noInterior])]);
  const colour = h.unpack(i.pix_feat); // [1,3,256,256]
  const meanColour = g.op('Div', [sum(g.op('Mul', [colour, w]), [2, 3]), g.op('Max', [sum(w, [2, 3]), f(1)])]); // [1,3,1,1]
  const present = g.op('Mul', [
    g.op('Reshape', [toFloat(g.op('Greater', [i.occ_logit, f(0)])), g.ints([1, 1, 1, 1])]),
    toFloat(g.op('Greater', [area, f(0)])),
  ]); // [1,1,1,1]
  const plane = g.ints([1, 1, FEAT, FEAT]);
  const features = g.op(
    'Concat',
    [
      g.op('Mul', [frac64, present]),
      g.op('Expand', [g.op('Mul', [meanColour, present]), g.ints([1, 3, FEAT, FEAT])]),
      g.op('Expand', [present, plane]),
      g.op('Expand', [f(0), g.ints([1, MEM_CHANNELS - 5, FEAT, FEAT])]),
    ],
    { axis: 1 },
  );
  const posEnc = new Float32Array(TOKENS * MEM_CHANNELS);
  for (let t = 0; t < TOKENS; t++) {
    posEnc[t * MEM_CHANNELS] = ((t % FEAT) + 0.5) / FEAT;
    posEnc[t * MEM_CHANNELS + 1] = (Math.floor(t / FEAT) + 0.5) / FEAT;
  }
  const temporal = new Float32Array(NUM_MASKMEM * MEM_CHANNELS);
  // SAM 2 adds maskmem_tpos_enc[numMaskmem - t_pos - 1]: code j is the frame j + 1 steps back, the last one conditioning frames.
  for (let j = 0; j < NUM_MASKMEM; j++) temporal[j * MEM_CHANNELS + RECENCY_CHANNEL] = recency(j === NUM_MASKMEM - 1 ? 0 : j + 1);
  declareOutputs(g, MEMORY_ENCODER_IO, {
    maskmem_features: features,
    maskmem_pos_enc: g.constant(posEnc, [1, TOKENS, MEM_CHANNELS], 'float32', 'pos_enc'),
    temporal_code: g.constant(temporal, [NUM_MASKMEM, 1, 1, MEM_CHANNELS], 'float32', 'temporal_code'),
  });
  return encodeModel(g, { docString: DOC });
}

export function buildMemoryAttention(): Uint8Array {
  const g = new Graph('demo_sam2_memory_attention');
  const h = helpers(g);
  const { f, toFloat, slice, sum } = h;
  const i = declareInputs(g, MEMORY_ATTENTION_IO);
  const mem = g.op('Reshape', [i.memory_1, g.ints([-1, MEM_CHANNELS, FEAT, FEAT])]); // [M,8,64,64]
  const masks = slice(mem, MEM.mask, MEM.mask + 1, 1); // [M,1,64,64]
  const colours = h.mean(slice(mem, MEM.colour, MEM.colour + 3, 1), [2, 3]); // [M,3,1,1]
  const present = h.max(slice(mem, MEM.present, MEM.present + 1, 1), [1, 2, 3], 0); // [M]
  // The current frame's colours at 64: the mean of the 16 packed cells of each block.
  const packed = slice(i.current_vision_feat, 0, COLOUR_CHANNELS, 1);
  const current = h.mean(g.op('Reshape', [packed, g.ints([1, BLOCK * BLOCK, 3, FEAT, FEAT])]), [1], 0); // [1,3,64,64]
  const diff = g.op('Sub', [current, colours]);
  const d2 = sum(g.op('Mul', [diff, diff]), [1]); // [M,1,64,64]
  const match = toFloat(g.op('Less', [d2, f(MATCH_TOLERANCE * MATCH_TOLERANCE)]));
  const overlap = g.op('Div', [sum(g.op('Mul', [masks, match]), [1, 2, 3], 0), g.op('Max', [sum(masks, [1, 2, 3], 0), f(1e-3)])]); // [M]
  // Recency: row k*4096 of memory_pos_embed, channel RECENCY_CHANNEL.
  const nMem = g.op('Slice', [g.op('Shape', [i.memory_1]), g.ints([1]), g.ints([2]), g.ints([0])]); // [1]
  const spatialRows = g.op('Mul', [nMem, g.ints([TOKENS])]);
  const spatialPos = g.op('Slice', [i.memory_pos_embed, g.ints([0]), spatialRows, g.ints([1])]); // [1,M*4096,8]
  const firstRows = g.op('Gather', [g.op('Reshape', [spatialPos, g.ints([-1, TOKENS, MEM_CHANNELS])]), g.int(0)], { axis: 1 }); // [M,8]
  const rec = g.op('Gather', [firstRows, g.int(RECENCY_CHANNEL)], { axis: 1 }); // [M]
  const logits = g.op('Mul', [
    g.op('Add', [
      g.op('Add', [g.op('Mul', [present, f(PRESENT_WEIGHT)]), g.op('Mul', [overlap, f(OVERLAP_WEIGHT)])]),
      rec,
    ]),
    f(SHARPNESS),
  ]);
  const weights = g.op('Softmax', [g.op('Unsqueeze', [logits, g.ints([0])])], { axis: 1 }); // [1,M]
  const prior = g.op('Reshape', [
    g.op('MatMul', [weights, g.op('Reshape', [mem, g.ints([-1, MEM_CHANNELS * TOKENS])])]),
    g.ints([1, MEM_CHANNELS, FEAT, FEAT]),
  ]);
  // Appearance: where the current frame has the attended colour, anywhere. It is the prior when
  // no present memory still lies on the object (it moved far since memory saw it, e.g. a
  // conditioning frame many frames away), as SAM 2's attention matches tokens by content.
  const priorColour = slice(prior, MEM.colour, MEM.colour + 3, 1); // [1,3,64,64], constant planes
  const seen = g.op('Sub', [current, priorColour]);
  const anywhere = toFloat(g.op('Less', [sum(g.op('Mul', [seen, seen]), [1]), f(MATCH_TOLERANCE * MATCH_TOLERANCE)])); // [1,1,64,64]
  const near = toFloat(g.op('Greater', [h.max(g.op('Mul', [present, overlap]), [0], 1), f(NEAR_OVERLAP)])); // [1]
  const anyPresent = toFloat(g.op('Greater', [h.max(present, [0], 1), f(0.5)])); // [1]
  const global = g.op('Mul', [g.op('Sub', [f(1), near]), anyPresent]);
  const priorMask = g.op('Add', [
    g.op('Mul', [slice(prior, MEM.mask, MEM.mask + 1, 1), g.op('Sub', [f(1), global])]),
    g.op('Mul', [anywhere, global]),
  ]);
  const unused = h.zeroTerm([i.current_vision_pos_embed, i.memory_0, i.cond_frame_id_diff]);
  const embed = g.op('Concat', [packed, g.op('Add', [g.op('Concat', [priorMask, priorColour], { axis: 1 }), unused])], { axis: 1 });
  declareOutputs(g, MEMORY_ATTENTION_IO, { image_embed: embed });
  return encodeModel(g, { docString: DOC });
}

export function buildVideoDecoder(): Uint8Array {
  const g = new Graph('demo_sam2_video_decoder');
  const h = helpers(g);
  const { f, toFloat, slice, sum } = h;
  const i = declareInputs(g, VIDEO_DECODER_IO);
  const labels = i.point_labels;
  const shapeN = (rest: number[]) =>
    g.op('Concat', [g.op('Slice', [g.op('Shape', [labels]), g.ints([0]), g.ints([1]), g.ints([0])]), g.ints(rest)], { axis: 0 });

  // Prompted rows: some label in 0..3.
  const real = toFloat(g.op('And', [g.op('GreaterOrEqual', [labels, f(0)]), g.op('LessOrEqual', [labels, f(3)])]));
  const tracking = g.op('Sub', [f(1), h.max(real, [1])]); // [N,1]

  // --- Tracking: seeds from the prior (channel 48) and its colour (49..51) ---
  const colour = i.high_res_feats_0; // [1,3,256,256]
  // image_embed may have batch 1 for N objects (one frame's features): broadcast it to N.
  const prior64 = g.op('Expand', [slice(i.image_embed, PRIOR_CHANNEL, PRIOR_CHANNEL + 1, 1), shapeN([1, FEAT, FEAT])]); // [N,1,64,64]
  const ref = g.op('Expand', [h.mean(slice(i.image_embed, PRIOR_CHANNEL + 1, PRIOR_CHANNEL + 4, 1), [2, 3]), shapeN([3, 1, 1])]); // [N,3,1,1]
  const in64 = toFloat(g.op('Greater', [prior64, f(0.5)]));
  const in256 = g.op('Resize', [in64, '', g.constant([1, 1, BLOCK, BLOCK], [4])], {
    mode: 'nearest',
    coordinate_transformation_mode: 'asymmetric',
    nearest_mode: 'floor',
  });
  const diff = g.op('Sub', [colour, ref]);
  const d2 = sum(g.op('Mul', [diff, diff]), [1]); // [N,1,256,256]
  const tracking4 = g.op('Reshape', [tracking, g.ints([-1, 1, 1, 1])]);
  const seeds = g.op('Mul', [g.op('Mul', [in256, toFloat(g.op('Less', [d2, f(SEED_TOLERANCE * SEED_TOLERANCE)]))]), tracking4]); // [N,1,256,256]
  const active = toFloat(g.op('Greater', [sum(seeds, [1, 2, 3], 0), f(0)])); // [N]
  const active2 = g.op('Unsqueeze', [active, g.ints([1])]); // [N,1]

  // The point: the seed cell whose colour is closest to the prior's.
  const score = g.op('Reshape', [g.op('Add', [d2, g.op('Mul', [g.op('Sub', [f(1), seeds]), f(1e4)])]), g.ints([-1, GRID * GRID])]);
  const best = toFloat(g.op('ArgMin', [score], { axis: 1, keepdims: 1 })); // [N,1]
  const row = g.op('Floor', [g.op('Mul', [best, f(1 / GRID)])]);
  const col = g.op('Sub', [best, g.op('Mul', [row, f(GRID)])]);
  const toInput = (cell: string) => g.op('Add', [g.op('Mul', [cell, f(CELL)]), f(CELL / 2)]);
  // The window: the prior's bounding box (in 256 cells), grown.
  const idx = g.constant(
    Array.from({ length: FEAT }, (_, k) => k),
    [1, 1, FEAT],
  );
  const extent = (any: string) => {
    const none = g.op('Mul', [g.op('Sub', [f(1), any]), f(1e4)]);
    const lo = g.op('Mul', [h.min(g.op('Add', [idx, none]), [2], 0), f(BLOCK)]); // [N,1]
    const hi = g.op('Add', [g.op('Mul', [h.max(g.op('Sub', [idx, none]), [2], 0), f(BLOCK)]), f(BLOCK - 1)]);
    const margin = g.op('Add', [f(WINDOW_MARGIN), g.op('Mul', [g.op('Add', [g.op('Sub', [hi, lo]), f(1)]), f(WINDOW_GROWTH)])]);
    return [
      g.op('Mul', [g.op('Sub', [lo, margin]), f(CELL)]),
      g.op('Add', [g.op('Mul', [g.op('Add', [hi, margin]), f(CELL)]), f(CELL - 1)]),
    ];
  };
  const [x1, x2] = extent(g.op('Reshape', [h.max(in64, [2]), g.ints([-1, 1, FEAT])])); // columns
  const [y1, y2] = extent(g.op('Reshape', [h.max(in64, [3]), g.ints([-1, 1, FEAT])])); // rows
  const xs = g.op('Concat', [toInput(col), x1, x2], { axis: 1 }); // [N,3]
  const ys = g.op('Concat', [toInput(row), y1, y2], { axis: 1 });
  const trackCoords = g.op('Concat', [g.op('Unsqueeze', [xs, g.ints([2])]), g.op('Unsqueeze', [ys, g.ints([2])])], { axis: 2 }); // [N,3,2]
  const trackLabels = g.op('Sub', [g.op('Mul', [g.constant([2, 3, 4], [1, 3]), active2]), f(1)]); // [1,2,3] or -1
  const maskInput = g.op('Sub', [g.op('Mul', [seeds, f(2 * LOGIT)]), f(LOGIT)]); // [N,1,256,256]

  const { lowRes, scores } = buildDecoderCore(g, {
    feat: colour,
    channels: 3,
    coords: g.op('Concat', [i.point_coords, trackCoords], { axis: 1 }),
    labels: g.op('Concat', [labels, trackLabels], { axis: 1 }),
    maskInput,
    hasMaskInput: active,
  });

  // --- The best of the three masks ---
  const bestTier = g.op('ArgMax', [scores], { axis: 1, keepdims: 1 }); // [N,1]
  const oneHot = toFloat(g.op('Equal', [g.constant([0, 1, 2], [1, NUM_MASKS], 'int64'), bestTier])); // [N,3]
  const pred = sum(g.op('Mul', [lowRes, g.op('Unsqueeze', [oneHot, g.ints([2, 3])])]), [1]); // [N,1,256,256]
  const maskBin = toFloat(g.op('Greater', [pred, f(0)]));
  const area = sum(maskBin, [1, 2, 3], 0); // [N]
  const present = g.op('Unsqueeze', [toFloat(g.op('Greater', [area, f(0)])), g.ints([1])]); // [N,1]
  const iou = g.op('Mul', [sum(g.op('Mul', [scores, oneHot]), [1]), present]);
  const occ = g.op('Sub', [g.op('Mul', [present, f(2 * LOGIT)]), f(LOGIT)]);
  const maskForMem = g.op('Resize', [pred, '', g.constant([1, 1, CELL, CELL], [4])], {
    mode: 'linear',
    coordinate_transformation_mode: 'half_pixel',
  });

  // --- Object pointer ---
  const area2 = g.op('Max', [sum(maskBin, [2, 3]), f(1)]); // [N,1,1,1] -> [N,1]
  const meanColour = g.op('Div', [sum(g.op('Mul', [colour, maskBin]), [2, 3]), area2]); // [N,3,1,1]
  const coord = g.constant(
    Array.from({ length: GRID }, (_, k) => (k + 0.5) / GRID),
    [GRID],
  );
  const cx = g.op('Div', [sum(g.op('Mul', [maskBin, coord]), [2, 3]), area2]);
  const cy = g.op('Div', [sum(g.op('Mul', [maskBin, g.op('Reshape', [coord, g.ints([GRID, 1])])]), [2, 3]), area2]);
  const flat = (x: string) => g.op('Reshape', [x, g.ints([-1, 1])]);
  const objPtr = g.op(
    'Concat',
    [
      present,
      g.op('Reshape', [meanColour, g.ints([-1, 3])]),
      flat(cx),
      flat(cy),
      flat(g.op('Mul', [area, f(1 / (GRID * GRID))])),
      g.op('Mul', [present, f(0)]),
    ],
    { axis: 1 },
  );
  const unused = h.zeroTerm([i.high_res_feats_1]);
  declareOutputs(g, VIDEO_DECODER_IO, {
    obj_ptr: objPtr,
    mask_for_mem: maskForMem,
    pred_mask: g.op('Add', [pred, unused]),
    iou,
    occ_logit: occ,
  });
  return encodeModel(g, { docString: DOC });
}

export type VideoGraphName = 'video_encoder' | 'video_decoder' | 'memory_attention' | 'memory_encoder';
export const VIDEO_GRAPHS: readonly VideoGraphName[] = ['video_encoder', 'video_decoder', 'memory_attention', 'memory_encoder'];

export function buildSam2VideoDemo(): { graphs: Record<VideoGraphName, Uint8Array>; io: Record<VideoGraphName, GraphIO> } {
  return {
    graphs: {
      video_encoder: buildVideoEncoder(),
      video_decoder: buildVideoDecoder(),
      memory_attention: buildMemoryAttention(),
      memory_encoder: buildMemoryEncoder(),
    },
    io: {
      video_encoder: VIDEO_ENCODER_IO,
      video_decoder: VIDEO_DECODER_IO,
      memory_attention: MEMORY_ATTENTION_IO,
      memory_encoder: MEMORY_ENCODER_IO,
    },
  };
}
