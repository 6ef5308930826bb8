// Issue 16: does the cache ratio mean something? bench-sam2's encoder and decoder FLOPs, counted
// from their ONNX graphs (lib/flops.ts), next to SAM 2.1 tiny's, computed here from its published
// architecture (the arithmetic is written out in bench/README.md, "FLOPs").
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ModelManifest } from '../src/engine/manifest.js';
import { countFlops, type FlopCount } from './lib/flops.js';

export interface FlopsResult {
  bench: { encoder: FlopCount; decoder: FlopCount; decoderObjects: number };
  sam21Tiny: { encoder: number; decoder: number; encoderParts: Record<string, number>; decoderParts: Record<string, number> };
}

const G = 1e9;

/** Multiply-adds of one windowed (or global) attention block of Hiera, as sam2/modeling/backbones/hieradet.py runs it. */
function hieraBlock(o: { side: number; dim: number; dimOut: number; window: number; qPool: boolean; mlpRatio: number }): number {
  const n = o.side * o.side;
  const nOut = o.qPool ? n / 4 : n;
  // Windows pad the grid up to a multiple of the window (window 0: global attention).
  const w = o.window || o.side;
  const padded = Math.ceil(o.side / w) * w;
  const keysPerWindow = w * w;
  const queriesPadded = o.qPool ? (padded * padded) / 4 : padded * padded;
  let macs = 0;
  if (o.dim !== o.dimOut) macs += n * o.dim * o.dimOut; // the shortcut's projection
  macs += n * o.dim * 3 * o.dimOut; // qkv
  macs += 2 * queriesPadded * keysPerWindow * o.dimOut; // q k^T and attn v
  macs += nOut * o.dimOut * o.dimOut; // output projection
  macs += 2 * nOut * o.dimOut * o.dimOut * o.mlpRatio; // MLP
  return macs;
}

/**
 * SAM 2.1 tiny (configs/sam2.1/sam2.1_hiera_t.yaml): Hiera-T trunk (embed 96, heads 1, stages
 * [1, 2, 7, 2], window_spec [8, 4, 14, 7], global attention in blocks 5, 7, 9, q-pooling at the
 * first block of stages 2-4, MLP ratio 4) at 1024x1024 with a 7x7 stride-4 patch embedding, the
 * FPN neck to 256 channels (1x1 convs on all four levels) and the decoder's conv_s0 / conv_s1 run
 * once per image (they make high_res_feats_0/1, so they are encoder work in the export); the mask
 * decoder (two-way transformer depth 2, dim 256, 8 heads, attention downsample 2, MLP 2048, 4 mask
 * tokens + IoU + object-score tokens, one click + the padding point) with the prompt encoder's
 * mask downscaling, for one object. FLOPs = 2 x multiply-adds, as counted for bench-sam2.
 */
export function sam21TinyFlops(): FlopsResult['sam21Tiny'] {
  const e: Record<string, number> = {};
  e['patch embed (conv 7x7 s4, 3->96)'] = 256 * 256 * 96 * 3 * 49;
  const stages = [
    { side: 256, dim: 96, depth: 1, window: 8 },
    { side: 128, dim: 192, depth: 2, window: 4 },
    { side: 64, dim: 384, depth: 7, window: 14 },
    { side: 32, dim: 768, depth: 2, window: 7 },
  ];
  const globalBlocks = new Set([5, 7, 9]);
  let block = 0;
  let trunk = 0;
  stages.forEach((st, s) => {
    for (let i = 0; i < st.depth; i++, block++) {
      const first = i === 0 && s > 0;
      const prev = stages[s - 1];
      // The first block of a stage pools queries from the previous stage's grid, in its windows.
      trunk += hieraBlock({
        side: first ? prev!.side : st.side,
        dim: first ? prev!.dim : st.dim,
        dimOut: st.dim,
        window: globalBlocks.has(block) ? 0 : first ? prev!.window : st.window,
        qPool: first,
        mlpRatio: 4,
      });
    }
  });
  e['Hiera-T trunk (12 blocks)'] = trunk;
  e['FPN neck (1x1 convs to 256)'] = stages.reduce((n, st) => n + st.side * st.side * st.dim * 256, 0);
  e['conv_s0, conv_s1 (256->32 at 256², 256->64 at 128²)'] = 256 * 256 * 256 * 32 + 128 * 128 * 256 * 64;

  const d: Record<string, number> = {};
  const D = 256, inner = 128, img = 64 * 64, T = 6 + 2, mlp = 2048;
  const selfAttn = 4 * T * D * D + 2 * T * T * D;
  const tokenToImage = T * D * inner + 2 * img * D * inner + 2 * T * img * inner + T * inner * D;
  const imageToToken = img * D * inner + 2 * T * D * inner + 2 * img * T * inner + img * inner * D;
  d['two-way transformer (2 layers)'] = 2 * (selfAttn + tokenToImage + T * D * mlp * 2 + imageToToken);
  d['final token-to-image attention'] = tokenToImage;
  d['upscaling (ConvTranspose 256->64, 64->32)'] = img * D * 64 * 4 + 4 * img * 64 * 32 * 4;
  d['hypernetworks, mask product, IoU and object-score heads'] = 4 * (2 * D * D + D * 32) + 4 * 32 * 16 * img + 2 * (2 * D * D + D * 4);
  d['mask_input downscaling (1->4->16->256)'] = 128 * 128 * 4 * 4 + img * 16 * 4 * 4 + img * 16 * D;
  const flops = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, (2 * v) / G]));
  const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
  return { encoder: sum(flops(e)), decoder: sum(flops(d)), encoderParts: flops(e), decoderParts: flops(d) };
}

/** bench-sam2's FLOPs from its graphs: the encoder at its input size, the decoder for one object with one click. */
export async function runFlopsBench(model: { dir: string; manifest: ModelManifest }): Promise<FlopsResult> {
  const S = model.manifest.preprocessing.inputSize;
  const zeros = (dims: number[]) => new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
  const io = model.manifest.io;
  const fixed = (name: string) => io.decoder!.inputs[name]!.shape.map(Number);
  const encoder = await countFlops(path.join(model.dir, model.manifest.files.encoder!), { image: zeros([1, 3, S, S]) });
  const decoder = await countFlops(path.join(model.dir, model.manifest.files.decoder!), {
    image_embed: zeros(fixed('image_embed')),
    high_res_feats_0: zeros(fixed('high_res_feats_0')),
    high_res_feats_1: zeros(fixed('high_res_feats_1')),
    point_coords: new ort.Tensor('float32', new Float32Array([S / 2, S / 2, 0, 0]), [1, 2, 2]),
    point_labels: new ort.Tensor('float32', new Float32Array([1, -1]), [1, 2]),
    mask_input: zeros([1, 1, S / 4, S / 4]),
    has_mask_input: zeros([1]),
  });
  return { bench: { encoder, decoder, decoderObjects: 1 }, sam21Tiny: sam21TinyFlops() };
}
