/**
 * (Over 300 lines: one generated model, its graph and tokenizer files written node by node.)
 * The demo text-grounding model, in the OWL-ViT / OWLv2 export layout (HF optimum):
 *
 * detector.onnx  input_ids [num_phrases, sequence_length] int64 (CLIP BPE, <|startoftext|> ...
 *                <|endoftext|>, padded with "!" = 0), attention_mask [num_phrases, sequence_length]
 *                int64, pixel_values [1,3,768,768] (CLIP mean/std, square resize)
 *             -> logits [1,576,num_phrases] (sigmoid = confidence),
 *                pred_boxes [1,576,4] (cx, cy, w, h normalised to the model input)
 * vocab.json, merges.txt  a small CLIP-style vocabulary (see buildDemoVocab).
 *
 * Semantics (all inside the graph, hand-set weights):
 * - Colours: the input de-normalised to RGB 0..1 and average-pooled 4x4 to a 192x192 grid.
 * - Regions: two 8-neighbour cells are linked when their colours are within LINK_TOLERANCE
 *   (Euclidean RGB). A Loop labels the linked components: every cell starts with its own index,
 *   each step takes the largest label among its linked neighbours (a Conv of one-hot shift
 *   kernels, masked by the links) and then jumps pointers (label <- label of the cell it names),
 *   until nothing changes: a geodesic growth through similar colour, shared by all queries.
 *   Mixed cells on a shape's edge link to neither side.
 * - Queries: the 24x24 patches of 32 input pixels (OWL-ViT B/32's grid); query q's region is the
 *   component under its patch's centre cell. Per-component area, colour sums and bounding boxes
 *   come from ScatterElements (add / max); each query gathers its component's.
 * - pred_boxes: the region's bounding box, widened by half a cell on each side (the mixed edge
 *   cells left out), clipped to the input, as (cx, cy, w, h) / 192. Queries in one shape share
 *   one box: the caller runs NMS.
 * - Text: input_ids index an embedding table of the vocabulary size; only whole-word tokens of
 *   COLOUR_WORDS (a target colour) and SHAPE_WORDS (a window on the fill ratio, area over bbox
 *   area: rect >= 0.88, round 0.68..0.87, any) carry anything; attention_mask zeroes padding.
 * - logits[q, p] = min(colour term, shape term, objectness), clipped to [-10, 10]:
 *   colour term: the best of the phrase's colour words, min(25 (0.35 - d), 100 (d_min + 0.06 - d)),
 *     d = distance of the region's mean colour to the word's colour, d_min = distance to the
 *     nearest colour of any colour word (so the word must name (nearly) the closest colour);
 *   shape term: the best of the phrase's shape words, 60 * (distance of the fill ratio inside
 *     the word's window);
 *   a term is left out when the phrase has no word of its kind; a phrase with no known word
 *   scores -10;
 *   objectness: min(0.5 (area - 20), 3 (min(bbox w, h) - 3), 30 (fill - 0.4)), sizes in cells
 *     (tiny regions, thin lines such as a shape's mixed edge cells and rings such as resampling
 *     halos score low), and -10 for background-like regions: covering half the picture or more,
 *     or touching the border with a bounding box of a quarter of the picture or more (so a shape
 *     cut by the border is still found).
 * Phrases are independent: each is one column of logits.
 */
import { ClipTokenizer, bytesToUnicode } from '../../src/engine/text/clip-tokenizer.js';
import { declareInputs, declareOutputs, encodeModel, Graph, type GraphIO } from './onnx-graph.js';

/** Model input side (square resize), as OWL-ViT B/32. */
export const GROUNDING_INPUT_SIZE = 768;
/** Input pixels per query patch. */
export const GROUNDING_PATCH = 32;
/** Queries per side, and in all. */
export const QUERY_GRID = GROUNDING_INPUT_SIZE / GROUNDING_PATCH;
export const NUM_QUERIES = QUERY_GRID * QUERY_GRID;
/** Input pixels per cell of the colour grid, and cells per side. */
export const GROUNDING_POOL = 4;
export const GROUNDING_CELLS = GROUNDING_INPUT_SIZE / GROUNDING_POOL;
export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;
/** Phrase length limit, <|startoftext|> and <|endoftext|> included (OWL-ViT: 16), and the pad id ("!"). */
export const TEXT_MAX_LENGTH = 16;
export const TEXT_PAD_ID = 0;
/** Colour distance (RGB 0..1) under which neighbouring cells are linked. */
export const LINK_TOLERANCE = 0.1;
/** Label-propagation steps per Loop iteration, and the cap on iterations. */
export const STEPS_PER_ITERATION = 4;
export const MAX_ITERATIONS = 64;
/** Logit bounds. */
export const MAX_LOGIT = 10;

/** Colour words and their colours (RGB 0..255). */
export const COLOUR_WORDS: Record<string, readonly [number, number, number]> = {
  red: [220, 35, 35],
  green: [40, 170, 60],
  blue: [40, 80, 220],
  yellow: [240, 215, 40],
  orange: [245, 140, 30],
  purple: [140, 50, 170],
  pink: [245, 140, 190],
  brown: [130, 80, 40],
  white: [245, 245, 245],
  black: [20, 20, 20],
  gray: [128, 128, 128],
  grey: [128, 128, 128],
};

export type ShapeKind = 'rect' | 'round' | 'any';
/** Windows on the fill ratio (region area / bbox area). */
export const SHAPE_FILL: Record<ShapeKind, readonly [number, number]> = {
  rect: [0.88, 2],
  round: [0.68, 0.87],
  any: [-2, 2],
};
export const SHAPE_WORDS: Record<string, ShapeKind> = {
  square: 'rect',
  squares: 'rect',
  rectangle: 'rect',
  rectangles: 'rect',
  box: 'rect',
  boxes: 'rect',
  disc: 'round',
  discs: 'round',
  disk: 'round',
  disks: 'round',
  circle: 'round',
  circles: 'round',
  round: 'round',
  shape: 'any',
  shapes: 'any',
  object: 'any',
  objects: 'any',
};

export const GROUNDING_IO: GraphIO = {
  inputs: {
    input_ids: { type: 'int64', shape: ['num_phrases', 'sequence_length'] },
    attention_mask: { type: 'int64', shape: ['num_phrases', 'sequence_length'] },
    pixel_values: { type: 'float32', shape: [1, 3, GROUNDING_INPUT_SIZE, GROUNDING_INPUT_SIZE] },
  },
  outputs: {
    logits: { type: 'float32', shape: [1, NUM_QUERIES, 'num_phrases'] },
    pred_boxes: { type: 'float32', shape: [1, NUM_QUERIES, 4] },
  },
};

export interface DemoVocab {
  /** token -> id, in id order. */
  vocab: [string, number][];
  /** Merge rules "a b", by rank. */
  merges: string[];
  /** vocab.json and merges.txt contents. */
  vocabJson: string;
  mergesTxt: string;
  /** The id of each colour/shape word's whole-word token ("red</w>"). */
  wordIds: Record<string, number>;
}

/** Plain CLIP BPE over a rank table (used to grow the merges; the tokenizer checks the result). */
function bpe(word: string, ranks: Map<string, number>): string[] {
  let w = Array.from(word);
  w[w.length - 1] += '</w>';
  while (w.length > 1) {
    let best = -1;
    let bestRank = Infinity;
    for (let i = 0; i < w.length - 1; i++) {
      const r = ranks.get(`${w[i]} ${w[i + 1]}`);
      if (r !== undefined && r < bestRank) [best, bestRank] = [i, r];
    }
    if (best < 0) break;
    const [a, b] = [w[best], w[best + 1]];
    const out: string[] = [];
    for (let i = 0; i < w.length; ) {
      if (i < w.length - 1 && w[i] === a && w[i + 1] === b) {
        out.push(a + b);
        i += 2;
      } else out.push(w[i++]);
    }
    w = out;
  }
  return w;
}

/**
 * A CLIP-style vocabulary: the 256 byte characters, the same with "</w>", one token per merge
 * (merges that build each colour and shape word into one whole-word token, grown word by word,
 * leftmost pair first), then <|startoftext|> and <|endoftext|>. Deterministic.
 */
export function buildDemoVocab(): DemoVocab {
  const words = [...Object.keys(COLOUR_WORDS), ...Object.keys(SHAPE_WORDS)];
  const ranks = new Map<string, number>();
  const merges: string[] = [];
  for (const word of words) {
    for (let s = bpe(word, ranks); s.length > 1; s = bpe(word, ranks)) {
      const rule = `${s[0]} ${s[1]}`;
      ranks.set(rule, merges.length);
      merges.push(rule);
    }
  }
  const { byteToChar, order } = bytesToUnicode();
  const base = order.map((b) => byteToChar[b]);
  const tokens = [...base, ...base.map((c) => `${c}</w>`), ...merges.map((m) => m.replace(' ', '')), '<|startoftext|>', '<|endoftext|>'];
  if (new Set(tokens).size !== tokens.length) throw new Error('demo vocab: duplicate tokens');
  const vocab = tokens.map((t, id): [string, number] => [t, id]);
  const vocabJson = `{${vocab.map(([t, id]) => `${JSON.stringify(t)}: ${id}`).join(', ')}}\n`;
  const mergesTxt = `#version: 0.2\n${merges.join('\n')}\n`;

  // Check with the engine's tokenizer: every word is one token.
  const tok = ClipTokenizer.fromData(JSON.parse(vocabJson) as Record<string, number>, mergesTxt);
  const wordIds: Record<string, number> = {};
  for (const word of words) {
    const ids = tok.encode(word);
    if (ids.length !== 1 || ids[0] !== tok.tokenId(`${word}</w>`)) throw new Error(`demo vocab: "${word}" is ${ids.length} tokens`);
    wordIds[word] = ids[0];
  }
  return { vocab, merges, vocabJson, mergesTxt, wordIds };
}

/** Embedding table columns. */
const EMB = { colourFlag: 0, rgb: 1, shapeFlag: 4, lo: 5, hi: 6, width: 7 } as const;

const DOC =
  'maskql demo grounding model (OWL-ViT layout): real ONNX graph with hand-set weights that finds flat-coloured shapes named by colour and shape words.';

export function buildGroundingDetector(vocab: DemoVocab): Uint8Array {
  const g = new Graph('demo_grounding_detector');
  const i = declareInputs(g, GROUNDING_IO);
  const R = GROUNDING_CELLS;
  const n = R * R;
  const f = (v: number) => g.scalar(v);
  const toFloat = (x: string) => g.op('Cast', [x], { to: 1 });
  // Opset 18: every Reduce* takes its axes as an input.
  const reduce = (op: string, x: string, axes: number[], keepdims = 1) => g.op(op, [x, g.ints(axes)], { keepdims });
  const col = (x: string, from: number, to: number, axis = -1) => g.op('Slice', [x, g.ints([from]), g.ints([to]), g.ints([axis])]);

  // --- Colour grid [1,3,R,R], RGB 0..1 ---
  const pooled = g.op('AveragePool', [i.pixel_values], { kernel_shape: [GROUNDING_POOL, GROUNDING_POOL], strides: [GROUNDING_POOL, GROUNDING_POOL] });
  const colour = g.op('Add', [g.op('Mul', [pooled, g.constant([...CLIP_STD], [1, 3, 1, 1])]), g.constant([...CLIP_MEAN], [1, 3, 1, 1])]);

  // --- Links to the 8 neighbours, one [1,1,R,R] map per direction (dy, dx) ---
  const dirs: [number, number][] = [];
  for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) if (dy || dx) dirs.push([dy, dx]);
  const pad1 = (gr: Graph, x: string) => gr.op('Pad', [x, g.ints([0, 0, 1, 1, 0, 0, 1, 1])]); // zeros outside
  /** The padded map read at (y + dy, x + dx): [.., R, R]. */
  const shifted = (gr: Graph, padded: string, [dy, dx]: [number, number]) =>
    gr.op('Slice', [padded, g.ints([1 + dy, 1 + dx]), g.ints([1 + dy + R, 1 + dx + R]), g.ints([2, 3])]);
  const paddedColour = pad1(g, colour);
  const links = dirs.map((dir) => {
    const diff = g.op('Sub', [shifted(g, paddedColour, dir), colour]);
    const dist2 = reduce('ReduceSum', g.op('Mul', [diff, diff]), [1]); // [1,1,R,R]
    return toFloat(g.op('Less', [dist2, f(LINK_TOLERANCE * LINK_TOLERANCE)]));
  });

  // --- Components: labels 1..n (float, exact), grown by max over linked neighbours + pointer jumping ---
  const labels0 = g.op('Reshape', [g.op('Range', [f(1), f(n + 1), f(1)]), g.ints([1, 1, R, R])]);
  const body = new Graph('label', 'label/');
  body.input('label/iter', { type: 'int64', shape: [] });
  body.input('label/cond_in', { type: 'bool', shape: [] });
  const lin = body.input('label/labels_in', { type: 'float32', shape: [1, 1, R, R] });
  let l = lin;
  for (let step = 0; step < STEPS_PER_ITERATION; step++) {
    // Labels outside the picture are 0, below every label.
    const padded = pad1(body, l);
    const grown = body.op('Max', [l, ...dirs.map((dir, k) => body.op('Mul', [shifted(body, padded, dir), links[k]]))]);
    const flat = body.op('Reshape', [grown, g.ints([n])]);
    const jumped = body.op('Gather', [flat, body.op('Cast', [body.op('Sub', [flat, f(1)])], { to: 7 })], { axis: 0 });
    l = body.op('Reshape', [jumped, g.ints([1, 1, R, R])], {}, step === STEPS_PER_ITERATION - 1 ? 'label/labels_out' : undefined);
  }
  const changed = body.op('Greater', [body.op('ReduceMax', [body.op('Sub', [l, lin])], { keepdims: 0 }), f(0)], {}, 'label/cond_out');
  body.output(changed, 'label/cond_out', { type: 'bool', shape: [] });
  body.output(l, 'label/labels_out', { type: 'float32', shape: [1, 1, R, R] });
  const [labels] = g.opN('Loop', [g.int(MAX_ITERATIONS), g.constant([1], [], 'bool', 'true'), labels0], 1, { body: { g: body.toProto() } });

  // --- Per-component statistics, indexed by label - 1 ---
  const lflat = g.op('Reshape', [labels, g.ints([n])]);
  const lidx = g.op('Cast', [g.op('Sub', [lflat, f(1)])], { to: 7 }); // [n]
  const cellIndex = g.op('Range', [g.int(0), g.int(n), g.int(1)]); // int64
  const cx = toFloat(g.op('Mod', [cellIndex, g.int(R)]));
  const cy = toFloat(g.op('Div', [cellIndex, g.int(R)]));
  const colourRows = g.op('Reshape', [colour, g.ints([3, n])]);
  // One 1-D scatter per statistic (much faster in onnxruntime than one [n,k] scatter).
  const scatter = (updates: string, reduction: 'add' | 'max', init: number) =>
    g.op('ScatterElements', [g.op('Expand', [f(init), g.ints([n])]), lidx, updates], { axis: 0, reduction });
  const sumOf = (updates: string) => scatter(updates, 'add', 0);
  const maxOf = (updates: string) => scatter(updates, 'max', -1e9);
  const stats = g.op('Concat', [
    sumOf(g.op('Expand', [f(1), g.ints([n])])), // area
    ...[0, 1, 2].map((c) => sumOf(g.op('Reshape', [col(colourRows, c, c + 1, 0), g.ints([n])]))), // colour sums
    maxOf(cx),
    maxOf(cy),
    maxOf(g.op('Neg', [cx])),
    maxOf(g.op('Neg', [cy])),
  ].map((v) => g.op('Unsqueeze', [v, g.ints([1])])), { axis: 1 }); // [n,8]: area, r, g, b, xmax, ymax, -xmin, -ymin

  // --- Queries: the component under each patch's centre cell ---
  const cellsPerPatch = GROUNDING_PATCH / GROUNDING_POOL;
  const seeds: number[] = [];
  for (let qy = 0; qy < QUERY_GRID; qy++) {
    for (let qx = 0; qx < QUERY_GRID; qx++) seeds.push((qy * cellsPerPatch + cellsPerPatch / 2) * R + qx * cellsPerPatch + cellsPerPatch / 2);
  }
  const qidx = g.op('Gather', [lidx, g.constant(seeds, [NUM_QUERIES], 'int64', 'seeds')], { axis: 0 }); // [Q]
  const qs = g.op('Gather', [stats, qidx], { axis: 0 }); // [Q,8]
  const area = col(qs, 0, 1); // [Q,1]
  const meanColour = g.op('Div', [col(qs, 1, 4), area]); // [Q,3]
  const xmax = col(qs, 4, 5);
  const ymax = col(qs, 5, 6);
  const xmin = g.op('Neg', [col(qs, 6, 7)]);
  const ymin = g.op('Neg', [col(qs, 7, 8)]);

  // Boxes: half a cell wider on each side, clipped, normalised (cx, cy, w, h).
  const lo = (v: string) => g.op('Max', [g.op('Sub', [v, f(0.5)]), f(0)]);
  const hi = (v: string) => g.op('Min', [g.op('Add', [v, f(1.5)]), f(R)]);
  const [x1, y1, x2, y2] = [lo(xmin), lo(ymin), hi(xmax), hi(ymax)];
  const boxCells = g.op('Concat', [
    g.op('Mul', [g.op('Add', [x1, x2]), f(0.5)]),
    g.op('Mul', [g.op('Add', [y1, y2]), f(0.5)]),
    g.op('Sub', [x2, x1]),
    g.op('Sub', [y2, y1]),
  ], { axis: 1 }); // [Q,4]
  const predBoxes = g.op('Unsqueeze', [g.op('Mul', [boxCells, f(1 / R)]), g.ints([0])]);

  // Geometry and objectness, as rows [1,Q].
  const row = (x: string) => g.op('Reshape', [x, g.ints([1, NUM_QUERIES])]);
  const bw = g.op('Add', [g.op('Sub', [xmax, xmin]), f(1)]);
  const bh = g.op('Add', [g.op('Sub', [ymax, ymin]), f(1)]);
  const bboxArea = g.op('Mul', [bw, bh]);
  const fillColumn = g.op('Div', [area, bboxArea]);
  const fillRatio = row(fillColumn);
  const touches = g.op('Or', [
    g.op('Or', [g.op('LessOrEqual', [xmin, f(0)]), g.op('LessOrEqual', [ymin, f(0)])]),
    g.op('Or', [g.op('GreaterOrEqual', [xmax, f(R - 1)]), g.op('GreaterOrEqual', [ymax, f(R - 1)])]),
  ]);
  const background = g.op('Or', [
    g.op('GreaterOrEqual', [area, f(0.5 * n)]),
    g.op('And', [touches, g.op('GreaterOrEqual', [bboxArea, f(0.25 * n)])]),
  ]);
  const objectness = row(
    g.op('Where', [
      background,
      f(-MAX_LOGIT),
      g.op('Min', [
        g.op('Min', [g.op('Mul', [g.op('Sub', [area, f(20)]), f(0.5)]), g.op('Mul', [g.op('Sub', [g.op('Min', [bw, bh]), f(3)]), f(3)])]),
        g.op('Mul', [g.op('Sub', [fillColumn, f(0.4)]), f(30)]),
      ]),
    ]),
  );

  // --- Text: per-token embedding [P,T,7], padding zeroed ---
  const table = new Array<number>(vocab.vocab.length * EMB.width).fill(0);
  for (const [word, rgb] of Object.entries(COLOUR_WORDS)) {
    const base = vocab.wordIds[word] * EMB.width;
    table[base + EMB.colourFlag] = 1;
    rgb.forEach((v, c) => (table[base + EMB.rgb + c] = v / 255));
  }
  for (const [word, kind] of Object.entries(SHAPE_WORDS)) {
    const base = vocab.wordIds[word] * EMB.width;
    table[base + EMB.shapeFlag] = 1;
    [table[base + EMB.lo], table[base + EMB.hi]] = SHAPE_FILL[kind];
  }
  const emb = g.op('Gather', [g.constant(table, [vocab.vocab.length, EMB.width], 'float32', 'token_embedding'), i.input_ids], { axis: 0 });
  const tokens = g.op('Mul', [emb, g.op('Unsqueeze', [toFloat(i.attention_mask), g.ints([2])])]); // [P,T,7]
  const cflag = col(tokens, EMB.colourFlag, EMB.colourFlag + 1);
  const crgb = col(tokens, EMB.rgb, EMB.rgb + 3);
  const sflag = col(tokens, EMB.shapeFlag, EMB.shapeFlag + 1);
  const slo = col(tokens, EMB.lo, EMB.lo + 1);
  const shi = col(tokens, EMB.hi, EMB.hi + 1);

  // Colour term. Distances [P,T,Q] from each token's colour to each region's mean colour.
  const BIG = 100;
  const colourT = g.op('Transpose', [meanColour], { perm: [1, 0] }); // [3,Q]
  const regionNorm = reduce('ReduceSum', g.op('Mul', [colourT, colourT]), [0]); // [1,Q]
  const sqDist = (a: string, aNorm: string) =>
    g.op('Add', [g.op('Sub', [aNorm, g.op('Mul', [g.op('MatMul', [a, colourT]), f(2)])]), regionNorm]);
  const dist = (d2: string) => g.op('Sqrt', [g.op('Max', [d2, f(0)])]);
  const d = dist(sqDist(crgb, reduce('ReduceSum', g.op('Mul', [crgb, crgb]), [2]))); // [P,T,Q]
  const protos = Object.values(COLOUR_WORDS).flatMap((rgb) => rgb.map((v) => v / 255));
  const protoT = g.constant(protos, [protos.length / 3, 3]);
  const protoNorm = reduce('ReduceSum', g.op('Mul', [protoT, protoT]), [1]); // [K,1]
  const dMin = reduce('ReduceMin', dist(sqDist(protoT, protoNorm)), [0]); // [1,Q]
  const colourLogit = g.op('Min', [
    g.op('Mul', [g.op('Sub', [f(0.35), d]), f(25)]),
    g.op('Mul', [g.op('Sub', [g.op('Add', [dMin, f(0.06)]), d]), f(100)]),
  ]);
  const shapeLogit = g.op('Mul', [g.op('Min', [g.op('Sub', [fillRatio, slo]), g.op('Sub', [shi, fillRatio])]), f(60)]); // [P,T,Q]
  /** Best over the phrase's words of a kind ([P,Q]), or +BIG when it has none; and whether it has any ([P,1]). */
  const term = (logit: string, flag: string): [string, string] => {
    const best = reduce('ReduceMax', g.op('Add', [g.op('Mul', [logit, flag]), g.op('Mul', [g.op('Sub', [flag, f(1)]), f(BIG)])]), [1], 0);
    const has = reduce('ReduceMax', flag, [1], 0); // [P,1]
    return [g.op('Add', [g.op('Mul', [best, has]), g.op('Mul', [g.op('Sub', [f(1), has]), f(BIG)])]), has];
  };
  const [colourTerm, hasColour] = term(colourLogit, cflag);
  const [shapeTerm, hasShape] = term(shapeLogit, sflag);
  const known = g.op('Max', [hasColour, hasShape]); // [P,1]
  const score = g.op('Min', [colourTerm, shapeTerm, objectness]); // [P,Q]
  const gated = g.op('Sub', [g.op('Mul', [g.op('Add', [score, f(MAX_LOGIT)]), known]), f(MAX_LOGIT)]); // known ? score : -10
  const logits = g.op('Unsqueeze', [g.op('Transpose', [g.op('Clip', [gated, f(-MAX_LOGIT), f(MAX_LOGIT)])], { perm: [1, 0] }), g.ints([0])]);

  declareOutputs(g, GROUNDING_IO, { logits, pred_boxes: predBoxes });
  return encodeModel(g, { docString: DOC, opset: 18 });
}

export interface GroundingDemo {
  detector: Uint8Array;
  vocab: DemoVocab;
  io: { detector: GraphIO };
}

export function buildGroundingDemo(): GroundingDemo {
  const vocab = buildDemoVocab();
  return { detector: buildGroundingDetector(vocab), vocab, io: { detector: GROUNDING_IO } };
}
