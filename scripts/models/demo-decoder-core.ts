/**
 * (Over 300 lines: one ONNX subgraph written node by node.)
 * The demo decoder's shared subgraph: promptable segmentation of flat-coloured shapes by colour
 * affinity, on a 256x256 grid of colours (RGB in 0..1). Used by both the sam2 and the sam
 * layouts; it knows nothing about either contract.
 *
 * Semantics (all inside the graph):
 * - Prompt point (x, y) in the 1024x1024 input space falls in grid cell (floor(x/4), floor(y/4)),
 *   clamped to 0..255. Labels: 1 positive, 0 negative, 2 box top-left, 3 box bottom-right,
 *   anything else (-1 padding) ignored.
 * - Box: the mean of the label-2 points and the mean of the label-3 points (corners may come in
 *   either order) give a box; a cell is inside when its centre (4i+2) lies in the box, bounds
 *   included. Without a complete box the box mask B is all ones. Outside B every mask is empty.
 *   A box with no positive point seeds at the cell under the box centre.
 * - mask_input (with has_mask_input = 1): cells with mask_input > 0 (inside B) are positive seeds
 *   (the mask's border cells only when their colour passes the tier's test, its interior always)
 *   and their mean colour is one more positive reference. It is ignored when the prompt has a
 *   negative point, so that negative points can cut into a previous mask: the points alone then
 *   decide (callers send all accumulated points with each call, as with SAM).
 * - Reference colours: the colour under each positive point (and the box-centre / mask
 *   references above). A cell is similar at tolerance t when its squared RGB distance to the
 *   NEAREST positive reference is below t^2. Negative points likewise, with their own colours.
 * - Growth: geodesic, not a global threshold. A Loop grows the positive region from its seeds,
 *   one ring per step (MaxPool, stride 1, pad 1), into similar cells inside B, until nothing
 *   changes or MAX_STEPS steps (STEPS_PER_ITERATION steps per Loop iteration between
 *   convergence tests). A click therefore selects the connected same-coloured region under it,
 *   not every cell of that colour.
 * - Negative points: when the batch has any, an If switches to a second Loop that grows the
 *   negative region too (from the negative points, through cells similar to the negative
 *   colours), simultaneously: a cell held by one front is closed to the other, and a cell both
 *   reach in the same step goes to the negative one (a geodesic Voronoi split). Steps alternate
 *   the 3x3 square and the 3x3 cross, so the fronts advance in the octagonal metric (the plain
 *   square's chessboard metric leaves wide tied wedges between two fronts). Without negatives
 *   only reachability matters and the cheaper one-front Loop (3x3 square steps) runs.
 * - Tiers: the TOLERANCES tiers grow in the same Loop, as channels (and objects N as the batch):
 *   masks 0, 1, 2 = tight, medium, loose.
 * - Logits, on the 256 grid: +LOGIT inside, -LOGIT outside; bilinear upsampling
 *   (align_corners=False) then threshold 0 puts the boundary on the cell edges. Cells just outside
 *   a mask that were left out for their colour (mixed cells on the shape's edge) get a softer
 *   logit from their estimated object fraction, which moves the boundary inside them (see the
 *   end of buildDecoderCore).
 * - Scores (iou_predictions): stability, i.e. the IoU of a mask with the mask grown at the
 *   neighbouring tolerance: tight = IoU(tight, medium), medium = max(IoU(tight, medium),
 *   IoU(medium, loose)), loose = IoU(medium, loose); times SCORE_WEIGHTS = [0.96, 0.98, 0.94],
 *   so that when the tiers agree (a clean flat shape: every stability is 1) the medium mask wins
 *   the argmax, and when the loose tolerance leaks into a neighbouring similar colour, the
 *   loose mask scores low. An empty mask scores 0.
 */
import { Graph, type ValueSpec } from './onnx-graph.js';

/** Cells per side of the working grid (the 256x256 low-res mask grid). */
export const GRID = 256;
/** Input pixels per grid cell (1024 / 256). */
export const CELL = 4;
/**
 * Colour tolerances (Euclidean distance in RGB 0..1) of the tiers: tight, medium, loose.
 * 0.16 (about 41/255) separates clearly different colours and tolerates antialiasing, resampling
 * ringing and JPEG noise, which the 4x4 average pooling of the encoder already smooths.
 */
export const TOLERANCES = [0.08, 0.16, 0.3] as const;
/** Number of output masks per object (tiers 0..2). */
export const NUM_MASKS = 3;
/** Index of the medium mask (the default when the scores tie). */
export const MEDIUM_MASK = 1;
/** Score weights applied to the stability scores of the tight, medium and loose masks. */
export const SCORE_WEIGHTS = [0.96, 0.98, 0.94] as const;
/** Logit magnitude inside/outside. */
export const LOGIT = 10;
/** Cap on growth steps (one ring of cells per step), i.e. on the geodesic radius in cells. */
export const MAX_STEPS = 512;
/** Block side of the coarse pre-pass (64x64 blocks of 4x4 cells) used when there is no negative point. */
export const COARSE = 4;
/** Growth steps per Loop iteration (between convergence tests); even, so square and cross steps alternate. */
export const STEPS_PER_ITERATION = 2;

export interface DecoderCoreInputs {
  /** float32 [1,C,256,256], RGB colour in 0..1 in channels 0..2 (C >= 3; extra channels ignored). */
  feat: string;
  channels: number;
  /** float32 [N,P,2], (x, y) in the 1024x1024 input space. */
  coords: string;
  /** float32 [N,P]. */
  labels: string;
  /** float32 [N,1,256,256], logits of a previous mask. */
  maskInput: string;
  /** float32 [N], 1 or 0. */
  hasMaskInput: string;
}

export interface DecoderCoreOutputs {
  /** float32 [N,3,256,256]: logits of the tight, medium and loose masks. */
  lowRes: string;
  /** float32 [N,3]: scores of the three masks. */
  scores: string;
}

export function buildDecoderCore(g: Graph, io: DecoderCoreInputs): DecoderCoreOutputs {
  const T = TOLERANCES.length;
  const cells = GRID * GRID;
  const f = (v: number) => g.scalar(v);
  const toFloat = (x: string) => g.op('Cast', [x], { to: 1 });
  const sum = (x: string, axes: number[], keepdims = 1) => g.op('ReduceSum', [x, g.ints(axes)], { keepdims });

  // Colours as a [3, 65536] matrix and as a [65536, 3] table.
  let feat = io.feat;
  if (io.channels !== 3) {
    feat = g.op('Slice', [feat, g.ints([0]), g.ints([3]), g.ints([1])]);
  }
  const fm = g.op('Reshape', [feat, g.ints([3, cells])]);
  const ftab = g.op('Transpose', [fm], { perm: [1, 0] });

  // --- Points: coordinates, cells, label masks ([N,P]) ---
  const px = g.op('Gather', [io.coords, g.int(0)], { axis: 2 });
  const py = g.op('Gather', [io.coords, g.int(1)], { axis: 2 });
  const toCell = (v: string) => g.op('Clip', [g.op('Floor', [g.op('Mul', [v, f(1 / CELL)])]), f(0), f(GRID - 1)]);
  const cx = toCell(px);
  const cy = toCell(py);
  const isLabel = (l: number) => toFloat(g.op('Equal', [io.labels, f(l)]));
  const isPos = isLabel(1);
  const isNeg = isLabel(0);
  const isTL = isLabel(2);
  const isBR = isLabel(3);

  // --- Box ---
  const cntTL = sum(isTL, [1]); // [N,1]
  const cntBR = sum(isBR, [1]);
  const meanOf = (v: string, w: string, cnt: string) =>
    g.op('Div', [sum(g.op('Mul', [v, w]), [1]), g.op('Max', [cnt, f(1)])]);
  const ax = meanOf(px, isTL, cntTL);
  const ay = meanOf(py, isTL, cntTL);
  const bx = meanOf(px, isBR, cntBR);
  const by = meanOf(py, isBR, cntBR);
  const x1 = g.op('Min', [ax, bx]);
  const x2 = g.op('Max', [ax, bx]);
  const y1 = g.op('Min', [ay, by]);
  const y2 = g.op('Max', [ay, by]);
  const hasBox = toFloat(g.op('And', [g.op('Greater', [cntTL, f(0)]), g.op('Greater', [cntBR, f(0)])])); // [N,1]
  const centres = g.constant(
    Array.from({ length: GRID }, (_, i) => CELL * i + CELL / 2),
    [1, GRID],
  );
  const within = (lo: string, hi: string) =>
    toFloat(g.op('And', [g.op('GreaterOrEqual', [centres, lo]), g.op('LessOrEqual', [centres, hi])])); // [N,256]
  const inX = g.op('Reshape', [within(x1, x2), g.ints([0, 1, 1, GRID])]);
  const inY = g.op('Reshape', [within(y1, y2), g.ints([0, 1, GRID, 1])]);
  const boxMask = g.op('Mul', [inY, inX]); // [N,1,256,256]
  const hasBox4 = g.op('Reshape', [hasBox, g.ints([0, 1, 1, 1])]);
  // B = box mask with a box, ones without.
  const B = g.op('Add', [g.op('Mul', [boxMask, hasBox4]), g.op('Sub', [f(1), hasBox4])]);
  const numPos = sum(isPos, [1]);
  const numNeg = sum(isNeg, [1]);
  const boxSeedW = g.op('Mul', [hasBox, toFloat(g.op('Equal', [numPos, f(0)]))]); // [N,1]
  const bcx = toCell(g.op('Mul', [g.op('Add', [x1, x2]), f(0.5)]));
  const bcy = toCell(g.op('Mul', [g.op('Add', [y1, y2]), f(0.5)]));

  // --- References: the P points plus the box centre ([N,K], K = P+1) ---
  const kx = g.op('Concat', [cx, bcx], { axis: 1 });
  const ky = g.op('Concat', [cy, bcy], { axis: 1 });
  const wPos = g.op('Concat', [isPos, boxSeedW], { axis: 1 });
  const wNeg = g.op('Concat', [isNeg, g.op('Mul', [boxSeedW, f(0)])], { axis: 1 });
  const flat = g.op('Cast', [g.op('Add', [g.op('Mul', [ky, f(GRID)]), kx])], { to: 7 });
  const refs = g.op('Gather', [ftab, flat], { axis: 0 }); // [N,K,3]

  // mask_input: seeds and a mean-colour reference, unless the prompt has a negative point.
  const useMask = g.op('Mul', [
    g.op('Reshape', [io.hasMaskInput, g.ints([-1, 1])]),
    toFloat(g.op('Equal', [numNeg, f(0)])),
  ]); // [N,1]
  const maskBin = g.op('Mul', [
    toFloat(g.op('Greater', [io.maskInput, f(0)])),
    g.op('Reshape', [useMask, g.ints([0, 1, 1, 1])]),
  ]); // [N,1,256,256]
  const mflat = g.op('Reshape', [maskBin, g.ints([0, 1, cells])]); // [N,1,65536]
  const msum = sum(mflat, [2]); // [N,1,1]
  const mref = g.op('Div', [g.op('MatMul', [mflat, ftab]), g.op('Max', [msum, f(1)])]); // [N,1,3]
  const wMask = g.op('Reshape', [toFloat(g.op('Greater', [msum, f(0)])), g.ints([0, 1])]); // [N,1]

  // --- Squared distance from every cell to the nearest active reference ---
  const fn = sum(g.op('Mul', [fm, fm]), [0]); // [1,65536]
  const sqDist = (r: string) => {
    const dot = g.op('MatMul', [r, fm]); // [N,K,65536]
    const rn = sum(g.op('Mul', [r, r]), [2]); // [N,K,1]
    return g.op('Add', [g.op('Sub', [fn, g.op('Mul', [dot, f(2)])]), rn]);
  };
  const nearest = (d2: string, w: string) => {
    const penalty = g.op('Unsqueeze', [g.op('Mul', [g.op('Sub', [f(1), w]), f(1e4)]), g.ints([2])]); // [N,K,1]
    const m = g.op('ReduceMin', [g.op('Add', [d2, penalty])], { axes: [1], keepdims: 1 }); // [N,1,65536]
    return g.op('Reshape', [m, g.ints([0, 1, GRID, GRID])]);
  };
  const d2Points = sqDist(refs);
  const dPos = g.op('Min', [nearest(d2Points, wPos), nearest(sqDist(mref), wMask)]);
  const dNeg = nearest(d2Points, wNeg);
  const thr2 = g.constant(
    TOLERANCES.map((t) => t * t),
    [1, T, 1, 1],
  );
  const allowPos = g.op('Mul', [toFloat(g.op('Less', [dPos, thr2])), B]); // [N,T,256,256]
  const allowNeg = toFloat(g.op('Less', [dNeg, thr2])); // [N,T,256,256]

  // --- Seeds: one-hot maps of the point cells, as (rows^T * w) @ cols ---
  const idx = g.constant(
    Array.from({ length: GRID }, (_, i) => i),
    [1, 1, GRID],
  );
  const seedMap = (sx: string, sy: string, w: string) => {
    const rows = g.op('Mul', [
      toFloat(g.op('Equal', [g.op('Unsqueeze', [sy, g.ints([2])]), idx])),
      g.op('Unsqueeze', [w, g.ints([2])]),
    ]); // [N,K,256]
    const cols = toFloat(g.op('Equal', [g.op('Unsqueeze', [sx, g.ints([2])]), idx])); // [N,K,256]
    const m = g.op('MatMul', [g.op('Transpose', [rows], { perm: [0, 2, 1] }), cols]); // [N,256,256]
    return g.op('Reshape', [toFloat(g.op('Greater', [m, f(0)])), g.ints([0, 1, GRID, GRID])]);
  };
  const posSeed = seedMap(kx, ky, wPos);
  const negSeed = seedMap(kx, ky, wNeg);
  // Mask seeds: the previous mask is a hint, as in SAM: only its cells whose colour still passes
  // the test seed the mask (within B). Cells the object has left (now background) are dropped,
  // so a moving object's mask does not smear along its path when tracked frame to frame.
  const pool3 = (x: string) => g.op('MaxPool', [x], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] });
  const maskSeed = g.op('Mul', [g.op('Mul', [maskBin, allowPos]), B]); // [N,T,256,256]
  const allowPosM = allowPos;
  const pos0 = g.op('Max', [g.op('Mul', [posSeed, allowPos]), maskSeed]); // [N,T,256,256], within allowPosM
  const neg0 = g.op('Mul', [negSeed, allowNeg]);

  // --- Growth: a Loop per case, chosen by an If (negative points anywhere in the batch or not) ---
  const anyNeg = g.op('Greater', [g.op('ReduceMax', [numNeg], { keepdims: 0 }), f(0)]);
  const trueConst = g.constant([1], [], 'bool', 'true');
  const maskSpec: ValueSpec = { type: 'float32', shape: ['N', T, GRID, GRID] };

  interface Growth {
    /** Names this Loop's tensors (unique across subgraphs). */
    tag: string;
    size: number;
    pos0: string;
    allowPos: string;
    /** With a negative front: its seeds and allowed cells. */
    negatives?: { neg0: string; allowNeg: string };
    maxSteps: number;
  }
  /** Build a growth Loop inside `branch`; returns the grown positive masks [N,T,size,size]. */
  const growLoop = (branch: Graph, s: Growth): string => {
    const pre = `${branch.name}/${s.tag}/`;
    const spec: ValueSpec = { type: 'float32', shape: ['N', T, s.size, s.size] };
    const body = new Graph(`${pre}grow`, pre);
    body.input(`${pre}iter`, { type: 'int64', shape: [] });
    body.input(`${pre}cond_in`, { type: 'bool', shape: [] });
    let p = body.input(`${pre}pos_in`, spec);
    let n = s.negatives ? body.input(`${pre}neg_in`, spec) : '';
    const cIn = body.input(`${pre}count_in`, { type: 'float32', shape: [] });
    const pool = (x: string, k: [number, number]) =>
      body.op('MaxPool', [x], { kernel_shape: k, pads: [k[0] >> 1, k[1] >> 1, k[0] >> 1, k[1] >> 1], strides: [1, 1] });
    // The last step writes the body's outputs directly (no Identity copies).
    const names = { pos: `${pre}pos_out`, neg: `${pre}neg_out`, count: `${pre}count_out`, cond: `${pre}cond_out` };
    for (let step = 0; step < STEPS_PER_ITERATION; step++) {
      const last = step === STEPS_PER_ITERATION - 1;
      if (!s.negatives) {
        // One front, chessboard steps: only reachability matters. p lies inside allowPos, so
        // dilate(p) * allowPos already contains p.
        p = body.op('Mul', [pool(p, [3, 3]), s.allowPos], {}, last ? names.pos : undefined);
        continue;
      }
      // Two fronts. Even steps dilate by the 3x3 square, odd steps by the 3x3 cross: the fronts
      // advance in the octagonal metric, much closer to Euclidean than the chessboard metric
      // (whose split between two fronts leaves wide tied wedges). With binary maps,
      // max(N, dilate(N)*allowN - P) adds exactly the reached, allowed cells P does not hold.
      // The negative front moves first: a cell reached by both in the same step goes to it.
      const dilate = (x: string) =>
        step % 2 === 0 ? pool(x, [3, 3]) : body.op('Max', [pool(x, [3, 1]), pool(x, [1, 3])]);
      const { allowNeg: aN } = s.negatives;
      const n2 = body.op('Max', [n, body.op('Sub', [body.op('Mul', [dilate(n), aN]), p])], {}, last ? names.neg : undefined);
      p = body.op('Max', [p, body.op('Sub', [body.op('Mul', [dilate(p), s.allowPos]), n2])], {}, last ? names.pos : undefined);
      n = n2;
    }
    const cOut = s.negatives
      ? body.op('Add', [body.op('ReduceSum', [p], { keepdims: 0 }), body.op('ReduceSum', [n], { keepdims: 0 })], {}, names.count)
      : body.op('ReduceSum', [p], { keepdims: 0 }, names.count);
    body.output(body.op('Greater', [cOut, cIn], {}, names.cond), names.cond, { type: 'bool', shape: [] });
    body.output(p, names.pos, spec);
    if (s.negatives) body.output(n, names.neg, spec);
    body.output(cOut, names.count, { type: 'float32', shape: [] });

    const sumOf = (x: string) => branch.op('ReduceSum', [x], { keepdims: 0 });
    const carried = s.negatives
      ? [s.pos0, s.negatives.neg0, branch.op('Add', [sumOf(s.pos0), sumOf(s.negatives.neg0)])]
      : [s.pos0, sumOf(s.pos0)];
    const trips = g.int(Math.ceil(s.maxSteps / STEPS_PER_ITERATION));
    const [grown] = branch.opN('Loop', [trips, trueConst, ...carried], carried.length, { body: { g: body.toProto() } });
    return grown;
  };

  // With negatives: the exact two-front growth on the 256 grid.
  const voronoi = new Graph('voronoi', 'voronoi/');
  voronoi.output(
    growLoop(voronoi, { tag: 'fine', size: GRID, pos0, allowPos: allowPosM, negatives: { neg0, allowNeg }, maxSteps: MAX_STEPS }),
    'voronoi/masks',
    maskSpec,
  );

  // Without: a coarse pass first, on 64x64 blocks of 4x4 cells, through blocks whose 16 cells
  // are all allowed (such blocks, 8-connected, are connected at the fine level too, so the coarse
  // result lies inside the fine one); it seeds the fine pass, which then only has the borders
  // and the thin parts left to fill. Same result, far fewer fine steps on large regions.
  const single = new Graph('single', 'single/');
  const block = (x: string) => single.op('MaxPool', [x], { kernel_shape: [COARSE, COARSE], strides: [COARSE, COARSE] });
  const allowCoarse = single.op('Sub', [f(1), block(single.op('Sub', [f(1), allowPosM]))]); // all 16 allowed
  const coarse = growLoop(single, {
    tag: 'coarse',
    size: GRID / COARSE,
    pos0: single.op('Mul', [block(pos0), allowCoarse]),
    allowPos: allowCoarse,
    maxSteps: MAX_STEPS / COARSE,
  });
  const coarseUp = single.op('Resize', [coarse, '', g.constant([1, 1, COARSE, COARSE], [4]), ''], {
    mode: 'nearest',
    coordinate_transformation_mode: 'asymmetric',
    nearest_mode: 'floor',
  });
  single.output(
    growLoop(single, { tag: 'fine', size: GRID, pos0: single.op('Max', [pos0, coarseUp]), allowPos: allowPosM, maxSteps: MAX_STEPS }),
    'single/masks',
    maskSpec,
  );

  const masks = g.op('If', [anyNeg], {
    then_branch: { g: voronoi.toProto() },
    else_branch: { g: single.toProto() },
  }); // [N,3,256,256] binary

  // --- Scores: stability = IoU with the neighbouring tier(s) ---
  const tier = (k: number) => g.op('Slice', [masks, g.ints([k]), g.ints([k + 1]), g.ints([1])]);
  const iou = (a: string, b: string) =>
    g.op('Div', [
      sum(g.op('Min', [a, b]), [2, 3], 0),
      g.op('Add', [sum(g.op('Max', [a, b]), [2, 3], 0), f(1e-6)]),
    ]); // [N,1]
  const tight = tier(0);
  const medium = tier(1);
  const loose = tier(2);
  const iouTM = iou(tight, medium);
  const iouML = iou(medium, loose);
  const stability = g.op('Concat', [iouTM, g.op('Max', [iouTM, iouML]), iouML], { axis: 1 }); // [N,3]
  const scores = g.op('Mul', [stability, g.constant([...SCORE_WEIGHTS], [1, NUM_MASKS])]);

  // --- Logits: +L inside, -L outside, except the ring of cells just outside a mask that were
  // left out for their colour (not for B or for the negative front): those are mixed cells on
  // the shape's edge. Their object fraction is estimated as f = 1 - d/D, with d the colour
  // distance to the reference and D the largest d in the 3x3 neighbourhood (the pure colour
  // beyond the edge), and their logit set so that bilinear interpolation from the +L neighbour
  // crosses 0 about f of the way into the cell: L (f - 1/2) / (f + 1/2).
  const L = LOGIT;
  const d = g.op('Sqrt', [g.op('Max', [dPos, f(0)])]); // [N,1,256,256]
  const frac = g.op('Clip', [
    g.op('Sub', [f(1), g.op('Div', [d, g.op('Max', [pool3(d), f(1e-3)])])]),
    f(0),
    f(1),
  ]);
  const soft = g.op('Div', [g.op('Mul', [g.op('Sub', [frac, f(0.5)]), f(L)]), g.op('Add', [frac, f(0.5)])]);
  const edge = g.op('Mul', [g.op('Sub', [pool3(masks), masks]), g.op('Mul', [g.op('Sub', [f(1), allowPosM]), B])]);
  const lowRes = g.op('Add', [
    g.op('Add', [g.op('Mul', [masks, f(2 * L)]), f(-L)]),
    g.op('Mul', [edge, g.op('Add', [soft, f(L)])]),
  ]);
  return { lowRes, scores };
}
