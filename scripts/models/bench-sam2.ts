/**
 * (Over 300 lines: one generated model, its graphs written node by node.)
 * The benchmark model's graphs: the `sam2` image-export layout (same input/output names as
 * models/demo and the samexporter SAM 2 export) with seeded random weights and the compute of a
 * small real model. Its masks mean nothing about the picture; their cost is what counts.
 *
 * encoder.onnx  image [1,3,S,S]
 *   stem: Conv k4 s4 3->C0 (= high_res_feats_0, S/4), Conv k2 s2 C0->C1 (= high_res_feats_1, S/8),
 *   Conv k2 s2 C1->D (S/16 = G), then `encoderBlocks` transformer blocks on the G*G tokens
 *   (Hiera / ViTDet style: LayerNorm, windowed multi-head attention in WxW windows, LayerNorm,
 *   MLP with GELU), and a 1x1 neck -> image_embed [1,D,G,G].
 * decoder.onnx  SAM's mask decoder (SAM 2 flavour): random-Fourier point encoding + label
 *   embeddings, a dense mask_input embedding (two strided convs + 1x1) or no_mask_embed, a
 *   two-way transformer (`decoderLayers` layers at dim D, 8 heads, cross-attention downsampled
 *   2x, MLP 2048) over the G*G image tokens and the prompt tokens, a final token->image
 *   attention, the upscaling (two ConvTranspose k2 s2 with the high-res features added), four
 *   hypernetwork MLPs and the IoU head -> masks [N,3,4G,4G] (multimask tokens 1..3),
 *   iou_predictions [N,3].
 *   With random weights the masks would be noise, which would make mask post-processing (RLE)
 *   unrealistically expensive. So the logits are a blob around the first prompt point (three
 *   radii: tight, medium, loose) plus the network's output squashed (0.25 * tanh): every
 *   operation above still runs, and the masks are shaped like real ones.
 *
 * Deterministic: a seeded PRNG (mulberry32) and fixed graph construction.
 */
import { declareInputs, declareOutputs, encodeModel, Graph, type GraphIO } from './onnx-graph.js';
import { mulberry32 } from './prng.js';

export interface BenchModelConfig {
  /** Input side S (the image is resized to S x S). Image grid G = S / 16. */
  inputSize: number;
  /** Embedding dimension D (image_embed channels, decoder transformer width). */
  dim: number;
  /** Channels of high_res_feats_0 (S/4) and high_res_feats_1 (S/8). */
  highRes: [number, number];
  encoderBlocks: number;
  /** Encoder MLP hidden width = dim * encoderMlpRatio. */
  encoderMlpRatio: number;
  /** Attention window side (tokens) in the encoder. */
  window: number;
  heads: number;
  decoderLayers: number;
  /** Decoder token MLP hidden width (SAM: 2048). */
  decoderMlp: number;
  seed: number;
}

/** The benchmark model: ~4M-parameter decoder (SAM's), ~4M-parameter encoder of ~27 GFLOPs at 1024x1024 (MobileSAM / SAM 2 tiny class). */
export const BENCH_CONFIG: BenchModelConfig = {
  inputSize: 1024,
  dim: 256,
  highRes: [32, 64],
  encoderBlocks: 4,
  encoderMlpRatio: 4,
  window: 8,
  heads: 8,
  decoderLayers: 2,
  decoderMlp: 2048,
  seed: 20261124,
};

/** A reduced variant of the same generator for tests (builds and runs in well under a second). */
export const TINY_BENCH_CONFIG: BenchModelConfig = {
  inputSize: 256,
  dim: 32,
  highRes: [8, 16],
  encoderBlocks: 1,
  encoderMlpRatio: 2,
  window: 4,
  heads: 4,
  decoderLayers: 2,
  decoderMlp: 64,
  seed: 7,
};

export const NUM_MASKS = 3;
export const BENCH_MEAN = [0.485, 0.456, 0.406] as const;
export const BENCH_STD = [0.229, 0.224, 0.225] as const;

export function benchIO(c: BenchModelConfig): { encoder: GraphIO; decoder: GraphIO } {
  const S = c.inputSize;
  const G = S / 16;
  const [c0, c1] = c.highRes;
  const feats = {
    image_embed: { type: 'float32' as const, shape: [1, c.dim, G, G] },
    high_res_feats_0: { type: 'float32' as const, shape: [1, c0, 4 * G, 4 * G] },
    high_res_feats_1: { type: 'float32' as const, shape: [1, c1, 2 * G, 2 * G] },
  };
  return {
    encoder: {
      inputs: { image: { type: 'float32', shape: [1, 3, S, S] } },
      outputs: { high_res_feats_0: feats.high_res_feats_0, high_res_feats_1: feats.high_res_feats_1, image_embed: feats.image_embed },
    },
    decoder: {
      inputs: {
        ...feats,
        point_coords: { type: 'float32', shape: ['num_labels', 'num_points', 2] },
        point_labels: { type: 'float32', shape: ['num_labels', 'num_points'] },
        mask_input: { type: 'float32', shape: ['num_labels', 1, 4 * G, 4 * G] },
        has_mask_input: { type: 'float32', shape: ['num_labels'] },
      },
      outputs: {
        masks: { type: 'float32', shape: ['num_labels', NUM_MASKS, 4 * G, 4 * G] },
        iou_predictions: { type: 'float32', shape: ['num_labels', NUM_MASKS] },
      },
    },
  };
}

/** Graph-building helpers with seeded weights (uniform, variance 1/fan_in, as He/LeCun init). */
class Net {
  params = 0;
  constructor(
    readonly g: Graph,
    private readonly rand: () => number,
  ) {}

  weights(shape: number[], fanIn: number, scale = 1): string {
    const n = shape.reduce((a, b) => a * b, 1);
    const bound = scale * Math.sqrt(3 / fanIn);
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = (this.rand() * 2 - 1) * bound;
    this.params += n;
    return this.g.constant(v, shape, 'float32', 'w');
  }

  fill(shape: number[], value: number): string {
    const n = shape.reduce((a, b) => a * b, 1);
    this.params += n;
    return this.g.constant(new Float32Array(n).fill(value), shape, 'float32', 'b');
  }

  /** x [..., din] -> [..., dout] */
  linear(x: string, din: number, dout: number): string {
    return this.g.op('Add', [this.g.op('MatMul', [x, this.weights([din, dout], din)]), this.weights([dout], din, 0.1)]);
  }

  conv(x: string, cin: number, cout: number, k: number, stride: number, group = 1, pad = 0): string {
    return this.g.op('Conv', [x, this.weights([cout, cin / group, k, k], (cin / group) * k * k), this.weights([cout], cin, 0.1)], {
      kernel_shape: [k, k],
      strides: [stride, stride],
      pads: [pad, pad, pad, pad],
      group,
    });
  }

  convTranspose(x: string, cin: number, cout: number): string {
    return this.g.op('ConvTranspose', [x, this.weights([cin, cout, 2, 2], cin), this.weights([cout], cin, 0.1)], { kernel_shape: [2, 2], strides: [2, 2] });
  }

  /** LayerNormalization over the last axis (opset 17). */
  layerNorm(x: string, d: number): string {
    return this.g.op('LayerNormalization', [x, this.fill([d], 1), this.fill([d], 0)], { axis: -1, epsilon: { f: 1e-6 } });
  }

  /** GELU, sigmoid approximation x * sigmoid(1.702 x) (Gelu is opset 20). */
  gelu(x: string): string {
    return this.g.op('Mul', [x, this.g.op('Sigmoid', [this.g.op('Mul', [x, this.g.scalar(1.702)])])]);
  }

  relu(x: string): string {
    return this.g.op('Relu', [x]);
  }

  mlp(x: string, dims: number[], act: (x: string) => string = (v) => this.relu(v)): string {
    let y = x;
    for (let i = 0; i + 1 < dims.length; i++) {
      y = this.linear(y, dims[i]!, dims[i + 1]!);
      if (i + 2 < dims.length) y = act(y);
    }
    return y;
  }

  /**
   * Multi-head attention: q [B,Tq,dq], k [B,Tk,dk], v [B,Tk,dk] -> [B,Tq,dOut]; projections to
   * `inner` channels in `heads` heads.
   */
  attention(q: string, k: string, v: string, dIn: number, inner: number, heads: number, dOut = dIn): string {
    const g = this.g;
    const c = inner / heads;
    const split = (x: string, perm: number[]) => g.op('Transpose', [g.op('Reshape', [x, g.ints([0, 0, heads, c])])], { perm });
    const Q = split(this.linear(q, dIn, inner), [0, 2, 1, 3]); // [B,h,Tq,c]
    const K = split(this.linear(k, dIn, inner), [0, 2, 3, 1]); // [B,h,c,Tk]
    const V = split(this.linear(v, dIn, inner), [0, 2, 1, 3]); // [B,h,Tk,c]
    const a = g.op('Softmax', [g.op('Mul', [g.op('MatMul', [Q, K]), g.scalar(1 / Math.sqrt(c))])], { axis: -1 });
    const o = g.op('Reshape', [g.op('Transpose', [g.op('MatMul', [a, V])], { perm: [0, 2, 1, 3] }), g.ints([0, 0, inner])]);
    return this.linear(o, inner, dOut);
  }
}

export function buildBenchEncoder(c: BenchModelConfig): Uint8Array {
  const g = new Graph('bench_sam2_encoder');
  const net = new Net(g, mulberry32(c.seed));
  const io = benchIO(c).encoder;
  const { image } = declareInputs(g, io);
  const G = c.inputSize / 16;
  const [c0, c1] = c.highRes;
  const D = c.dim;
  const feats0 = net.conv(image, 3, c0, 4, 4);
  const feats1 = net.conv(net.gelu(feats0), c0, c1, 2, 2);
  const x0 = net.conv(net.gelu(feats1), c1, D, 2, 2); // [1,D,G,G]
  // Tokens in windows: [1,D,G,G] -> [1,G,G,D] -> [nW*nW, W*W, D]
  const W = c.window;
  const nW = G / W;
  const toWindows = (x: string) =>
    g.op('Reshape', [g.op('Transpose', [g.op('Reshape', [x, g.ints([1, nW, W, nW, W, D])])], { perm: [0, 1, 3, 2, 4, 5] }), g.ints([nW * nW, W * W, D])]);
  const fromWindows = (x: string) =>
    g.op('Reshape', [g.op('Transpose', [g.op('Reshape', [x, g.ints([1, nW, nW, W, W, D])])], { perm: [0, 1, 3, 2, 4, 5] }), g.ints([1, G * G, D])]);
  let x = g.op('Reshape', [g.op('Transpose', [x0], { perm: [0, 2, 3, 1] }), g.ints([1, G * G, D])]);
  x = g.op('Add', [x, net.weights([1, G * G, D], 1, 0.02)]); // absolute position embedding
  for (let b = 0; b < c.encoderBlocks; b++) {
    const w = toWindows(net.layerNorm(x, D));
    x = g.op('Add', [x, fromWindows(net.attention(w, w, w, D, D, c.heads))]);
    x = g.op('Add', [x, net.mlp(net.layerNorm(x, D), [D, D * c.encoderMlpRatio, D], (v) => net.gelu(v))]);
  }
  // Neck: 1x1 projection back to NCHW.
  const nchw = g.op('Reshape', [g.op('Transpose', [net.linear(x, D, D)], { perm: [0, 2, 1] }), g.ints([1, D, G, G])]);
  declareOutputs(g, io, { high_res_feats_0: feats0, high_res_feats_1: feats1, image_embed: nchw });
  return encodeModel(g, { docString: `maskql benchmark model encoder (sam2 layout, seeded random weights, ${net.params} parameters)` });
}

/** Random Fourier features of normalised coordinates in [0,1]: [..., 2] -> [..., D] (SAM's PositionEmbeddingRandom). */
function fourierGaussian(rand: () => number, d: number): Float32Array {
  const gauss = new Float32Array(2 * (d / 2));
  for (let i = 0; i < gauss.length; i++) {
    // Box-Muller
    const u = Math.max(rand(), 1e-12);
    gauss[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  }
  return gauss;
}

function fourierJs(gauss: Float32Array, d: number, x: number, y: number, out: Float32Array, offset: number): void {
  const h = d / 2;
  for (let j = 0; j < h; j++) {
    const p = 2 * Math.PI * ((2 * x - 1) * gauss[j]! + (2 * y - 1) * gauss[h + j]!);
    out[offset + j] = Math.sin(p);
    out[offset + h + j] = Math.cos(p);
  }
}

export function buildBenchDecoder(c: BenchModelConfig): Uint8Array {
  const g = new Graph('bench_sam2_decoder');
  const rand = mulberry32(c.seed + 1);
  const net = new Net(g, rand);
  const io = benchIO(c).decoder;
  const i = declareInputs(g, io);
  const S = c.inputSize;
  const G = S / 16;
  const D = c.dim;
  const [c0, c1] = c.highRes;
  const T = 1 + 4; // iou token + 4 mask tokens

  // --- prompt encoder ---
  const gauss = fourierGaussian(rand, D);
  const pe = (xy01: string) => {
    const p = g.op('Mul', [g.op('MatMul', [g.op('Sub', [g.op('Mul', [xy01, g.scalar(2)]), g.scalar(1)]), g.constant(gauss, [2, D / 2])]), g.scalar(2 * Math.PI)]);
    return g.op('Concat', [g.op('Sin', [p]), g.op('Cos', [p])], { axis: -1 });
  };
  const coords01 = g.op('Div', [g.op('Add', [i.point_coords, g.scalar(0.5)]), g.scalar(S)]);
  const valid = g.op('Unsqueeze', [g.op('Cast', [g.op('Greater', [i.point_labels, g.scalar(-0.5)])], { to: 1 }), g.ints([-1])]);
  const labelIdx = g.op('Cast', [g.op('Add', [i.point_labels, g.scalar(1)])], { to: 7 });
  const sparse = g.op('Add', [g.op('Mul', [pe(coords01), valid]), g.op('Gather', [net.weights([5, D], 1, 0.5), labelIdx], { axis: 0 })]); // [N,P,D]
  const n = g.op('Slice', [g.op('Shape', [i.point_labels]), g.ints([0]), g.ints([1])]);
  const outTokens = g.op('Expand', [net.weights([1, T, D], 1, 0.5), g.op('Concat', [n, g.ints([T, D])], { axis: 0 })]);
  const tokens = g.op('Concat', [outTokens, sparse], { axis: 1 }); // [N,T+P,D]

  // dense prompt: mask_input [N,1,4G,4G] -> [N,D,G,G], or no_mask_embed
  const m = net.conv(net.gelu(net.conv(net.gelu(net.conv(i.mask_input, 1, 4, 2, 2)), 4, 16, 2, 2)), 16, D, 1, 1);
  const has = g.op('Reshape', [i.has_mask_input, g.ints([-1, 1, 1, 1])]);
  const noMask = net.weights([1, D, 1, 1], 1, 0.5);
  const dense = g.op('Add', [g.op('Mul', [m, has]), g.op('Mul', [noMask, g.op('Sub', [g.scalar(1), has])])]);
  const src = g.op('Add', [i.image_embed, dense]); // [N,D,G,G]
  let keys = g.op('Transpose', [g.op('Reshape', [src, g.ints([0, D, G * G])])], { perm: [0, 2, 1] }); // [N,GG,D]
  const grid = new Float32Array(G * G * D);
  for (let y = 0; y < G; y++) for (let x = 0; x < G; x++) fourierJs(gauss, D, (x + 0.5) / G, (y + 0.5) / G, grid, (y * G + x) * D);
  const keyPe = g.constant(grid, [1, G * G, D], 'float32', 'pe');

  // --- two-way transformer ---
  const queryPe = tokens;
  let queries = tokens;
  const inner = D / 2;
  for (let l = 0; l < c.decoderLayers; l++) {
    const qIn = l === 0 ? queries : g.op('Add', [queries, queryPe]);
    const sa = net.attention(qIn, qIn, queries, D, D, c.heads);
    queries = net.layerNorm(l === 0 ? sa : g.op('Add', [queries, sa]), D);
    const kIn = g.op('Add', [keys, keyPe]);
    queries = net.layerNorm(g.op('Add', [queries, net.attention(g.op('Add', [queries, queryPe]), kIn, keys, D, inner, c.heads)]), D);
    queries = net.layerNorm(g.op('Add', [queries, net.mlp(queries, [D, c.decoderMlp, D])]), D);
    const qPe = g.op('Add', [queries, queryPe]);
    keys = net.layerNorm(g.op('Add', [keys, net.attention(kIn, qPe, queries, D, inner, c.heads)]), D);
  }
  const fin = net.attention(g.op('Add', [queries, queryPe]), g.op('Add', [keys, keyPe]), keys, D, inner, c.heads);
  queries = net.layerNorm(g.op('Add', [queries, fin]), D);

  // --- upscaling with the high-res features, hypernetworks, IoU head ---
  const img = g.op('Reshape', [g.op('Transpose', [keys], { perm: [0, 2, 1] }), g.ints([0, D, G, G])]);
  const up1 = net.gelu(g.op('Add', [net.convTranspose(img, D, c1), i.high_res_feats_1])); // [N,c1,2G,2G]
  const up0 = net.gelu(g.op('Add', [net.convTranspose(up1, c1, c0), i.high_res_feats_0])); // [N,c0,4G,4G]
  const hyper = g.op(
    'Concat',
    Array.from({ length: 4 }, (_, t) => g.op('Unsqueeze', [net.mlp(g.op('Gather', [queries, g.int(1 + t)], { axis: 1 }), [D, D, D, c0]), g.ints([1])])),
    { axis: 1 },
  ); // [N,4,c0]
  const allMasks = g.op('MatMul', [hyper, g.op('Reshape', [up0, g.ints([0, c0, 16 * G * G])])]); // [N,4,16GG]
  const net3 = g.op('Reshape', [g.op('Slice', [allMasks, g.ints([1]), g.ints([4]), g.ints([1])]), g.ints([0, NUM_MASKS, 4 * G, 4 * G])]);
  const iou = net.mlp(g.op('Gather', [queries, g.int(0)], { axis: 1 }), [D, D, D, 4]);
  const iouPred = g.op('Sigmoid', [g.op('Slice', [iou, g.ints([1]), g.ints([4]), g.ints([1])])]);

  // Blob around the first point (low-res grid units), three radii; plus the network's output, squashed.
  const L = 4 * G;
  const cell = S / L;
  const first = g.op('Slice', [i.point_coords, g.ints([0]), g.ints([1]), g.ints([1])]); // [N,1,2]
  const cx = g.op('Reshape', [g.op('Slice', [first, g.ints([0]), g.ints([1]), g.ints([2])]), g.ints([-1, 1, 1, 1])]);
  const cy = g.op('Reshape', [g.op('Slice', [first, g.ints([1]), g.ints([2]), g.ints([2])]), g.ints([-1, 1, 1, 1])]);
  const xs = g.constant(Float32Array.from({ length: L }, (_, k) => (k + 0.5) * cell), [1, 1, 1, L], 'float32', 'xs');
  const ys = g.constant(Float32Array.from({ length: L }, (_, k) => (k + 0.5) * cell), [1, 1, L, 1], 'float32', 'ys');
  const sq = (a: string) => g.op('Mul', [a, a]);
  const d2 = g.op('Add', [sq(g.op('Sub', [xs, cx])), sq(g.op('Sub', [ys, cy]))]); // [N,1,L,L]
  const r2 = g.constant([0.06, 0.1, 0.16].map((r) => (r * S) ** 2), [1, NUM_MASKS, 1, 1], 'float32', 'r2');
  const blob = g.op('Mul', [g.op('Sub', [g.scalar(1), g.op('Div', [d2, r2])]), g.scalar(4)]);
  const masks = g.op('Add', [blob, g.op('Mul', [g.op('Tanh', [net3]), g.scalar(0.25)])]);
  declareOutputs(g, io, { masks, iou_predictions: iouPred });
  return encodeModel(g, { docString: `maskql benchmark model mask decoder (sam2 layout, seeded random weights, ${net.params} parameters)` });
}
