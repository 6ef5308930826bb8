// The benchmarks' FLOP counter (bench/lib/flops.ts) on a graph whose FLOPs are known by hand, and
// SAM 2.1 tiny's count against the figures bench/README.md writes out.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { expect, it } from 'vitest';
import { sam21TinyFlops } from '../../bench/flops.bench.js';
import { countFlops } from '../../bench/lib/flops.js';
import { encodeModel, Graph } from '../../scripts/models/onnx-graph.js';

it('counts 2 FLOPs per multiply-add of Conv, ConvTranspose, MatMul and Gemm, with the shapes of the run', async () => {
  const g = new Graph('flops');
  g.input('x', { type: 'float32', shape: [1, 3, 'h', 'w'] });
  // Conv 3 -> 8, 3x3, stride 1, pad 1: out [1,8,h,w], 3*9 multiply-adds per output.
  const c = g.op('Conv', ['x', g.constant(new Float32Array(8 * 3 * 9), [8, 3, 3, 3])], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
  // ConvTranspose 8 -> 4, 2x2 stride 2: every input element meets 4 * 4 weights.
  const t = g.op('ConvTranspose', [c, g.constant(new Float32Array(8 * 4 * 4), [8, 4, 2, 2])], { kernel_shape: [2, 2], strides: [2, 2] });
  // [1,4,2h,2w] -> [2h*2w... ] flattened to [4, 4hw] then MatMul with [4hw, 5]: 4 * 5 * 4hw multiply-adds.
  const flat = g.op('Reshape', [t, g.ints([4, -1])]);
  const m = g.op('MatMul', [g.op('Transpose', [flat], { perm: [1, 0] }), g.constant(new Float32Array(4 * 6), [4, 6])]); // [4hw, 6]
  const y = g.op('Gemm', [m, g.constant(new Float32Array(6 * 2), [6, 2])]); // [4hw, 2]: 6*2 per row
  g.output(y, 'y', { type: 'float32', shape: ['n', 2] });
  const dir = mkdtempSync(path.join(tmpdir(), 'maskql-flops-'));
  try {
    const file = path.join(dir, 'g.onnx');
    writeFileSync(file, encodeModel(g));
    const [h, w] = [10, 12];
    const r = await countFlops(file, { x: new ort.Tensor('float32', new Float32Array(3 * h * w), [1, 3, h, w]) });
    const hw = h * w;
    expect(r.byOp).toEqual({ Conv: 2 * 8 * hw * 27, ConvTranspose: 2 * 8 * hw * 16, MatMul: 2 * 4 * hw * 6 * 4, Gemm: 2 * 4 * hw * 2 * 6 });
    expect(r.params).toBe(8 * 27 + 8 * 16 + 24 + 12);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('SAM 2.1 tiny: the encoder and decoder GFLOPs of bench/README.md', () => {
  const t = sam21TinyFlops();
  expect(t.encoder).toBeCloseTo(286.9, 0);
  expect(t.decoder).toBeCloseTo(3.68, 1);
  expect(t.encoderParts['Hiera-T trunk (12 blocks)']).toBeCloseTo(2 * 138.7, 0);
});
