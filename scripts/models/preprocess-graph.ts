/**
 * The preprocessing graph of a model (preprocess.onnx beside its encoder): decoded RGB pixels in,
 * the encoder's input out, so that resizing and normalising run with the model — in its device's
 * worker thread, with its session options, on the GPU when the model is there — instead of on
 * the server's main thread.
 *
 *   image_rgb    uint8 [height, width, 3]  the decoded picture (EXIF rotation applied, no alpha)
 *   resized_size int64 [2]                 [height, width] of the picture inside the input square
 *                                          (the engine's resizeGeometry: the whole square for a
 *                                          square resize, the longest side for SAM's)
 *   image        float32 [1, 3, S, S]      normalised ((v * pixelScale / 255 - mean) / std),
 *                                          bilinear resize (half-pixel centres, as torchvision),
 *                                          antialiased when shrinking; zero padding bottom/right
 *
 * The normalisation is an affine map per channel, which bilinear interpolation (weights summing
 * to one) commutes with: it runs on the small picture before the resize, once per source pixel.
 *
 *   node dist/scripts/models/preprocess-graph.js <modelDir>
 *     adds preprocess.onnx to a model folder (an export of your own, say) and names it in its
 *     model.json (files.preprocess, io.preprocess) from the manifest's preprocessing block.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isMain } from './is-main.js';
import { encodeModel, Graph, type GraphIO } from './onnx-graph.js';

export interface PreprocessingSpec {
  inputSize: number;
  resize: 'square' | 'longest';
  pixelScale: number;
  mean: readonly number[];
  std: readonly number[];
}

export const PREPROCESS_FILE = 'preprocess.onnx';

export function preprocessIO(inputSize: number): GraphIO {
  return {
    inputs: {
      image_rgb: { type: 'uint8', shape: ['height', 'width', 3] },
      resized_size: { type: 'int64', shape: [2] },
    },
    outputs: { image: { type: 'float32', shape: [1, 3, inputSize, inputSize] } },
  };
}

export function buildPreprocessGraph(pre: PreprocessingSpec): Uint8Array {
  const g = new Graph('preprocess');
  const S = pre.inputSize;
  g.input('image_rgb', preprocessIO(S).inputs.image_rgb!);
  g.input('resized_size', preprocessIO(S).inputs.resized_size!);
  const k = pre.pixelScale / 255;
  // (v * k - mean) / std = v * (k / std) - mean / std, per channel, on the source pixels.
  const scaled = g.op('Mul', [g.op('Cast', ['image_rgb'], { to: 1 }), g.constant(pre.std.map((s) => k / s), [3])]);
  const normalised = g.op('Sub', [scaled, g.constant(pre.mean.map((m, c) => m / pre.std[c]!), [3])]);
  const nchw = g.op('Unsqueeze', [g.op('Transpose', [normalised], { perm: [2, 0, 1] }), g.ints([0])]);
  const sizes = g.op('Concat', [g.ints([1, 3]), 'resized_size'], { axis: 0 });
  // Antialiasing (opset 18) only when shrinking: it costs about half again on an enlargement,
  // where it changes nothing.
  const branch = (name: string, antialias: number) => {
    const b = new Graph(name, `${name}_`);
    const r = b.op('Resize', [nchw, '', '', sizes], { mode: 'linear', coordinate_transformation_mode: 'half_pixel', antialias });
    b.output(r, `${name}_out`, { type: 'float32', shape: [1, 3, 'h', 'w'] });
    return b.toProto();
  };
  const sourceHw = g.op('Slice', [g.op('Shape', [nchw]), g.ints([2]), g.ints([4])]);
  const anyShrink = g.op('Cast', [g.op('ReduceMax', [g.op('Cast', [g.op('Less', ['resized_size', sourceHw])], { to: 6 })], { keepdims: 0 })], { to: 9 });
  const resized = g.op('If', [anyShrink], { then_branch: { g: branch('shrink', 1) }, else_branch: { g: branch('grow', 0) } });
  const pad = g.op('Sub', [g.ints([S, S]), 'resized_size']);
  const pads = g.op('Concat', [g.ints([0, 0, 0, 0, 0, 0]), pad], { axis: 0 });
  const image = g.op('Pad', [resized, pads], { mode: 'constant' });
  g.output(image, 'image', preprocessIO(S).outputs.image!);
  return encodeModel(g, { opset: 18, docString: `maskql preprocessing: RGB uint8 -> normalised float32 [1,3,${S},${S}] (${pre.resize} resize)` });
}

/** Adds preprocess.onnx to a model folder and names it in its model.json. */
export function addPreprocessGraph(modelDir: string): string {
  const manifestPath = join(modelDir, 'model.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  writeFileSync(join(modelDir, PREPROCESS_FILE), buildPreprocessGraph(manifest.preprocessing));
  manifest.files.preprocess = PREPROCESS_FILE;
  manifest.io.preprocess = preprocessIO(manifest.preprocessing.inputSize ?? 1024);
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  return join(modelDir, PREPROCESS_FILE);
}

if (isMain(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node dist/scripts/models/preprocess-graph.js <modelDir>');
    process.exit(2);
  }
  console.log(`wrote ${addPreprocessGraph(resolve(dir))}`);
}
