// A model that fails at run time on some inputs, really: a copy of a sam-family demo model whose
// encoder starts with a guard, Reshape(image, [1, 3, 1024, 1024 + dark]), where `dark` is 1 when
// the top-left corner of the image is black. ONNX Runtime then refuses the reshape ("cannot reshape")
// on exactly those frames, deterministically, and runs normally on every other one.
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { Graph, decodeModel } from '../../scripts/models/onnx-graph.js';
import { drawFrame, encodeTestVideo, testBins } from '../fixtures/video.js';
import { BACKGROUND, DISCS_VIDEO, discShapes } from './discs-video.js';

/** The black square, in video pixels, that makes the faulty encoder fail. */
export const MARK = 24;

/** Copies the sam-family model in srcDir to destDir as `name`, with the guarded encoder. */
export async function writeFaultyModel(srcDir: string, destDir: string, name: string): Promise<void> {
  await cp(srcDir, destDir, { recursive: true });
  const manifestPath = path.join(destDir, 'model.json');
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
  manifest.name = name;
  await writeFile(manifestPath, JSON.stringify(manifest, null, 2));
  const encoderPath = path.join(destDir, manifest.files.encoder);
  const model = decodeModel(await readFile(encoderPath));
  const graph = model.graph!;
  const input = graph.input![0]!.name!;
  const [, , h, w] = graph.input![0]!.type!.tensorType!.shape!.dim!.map((d) => Number(d.dimValue));

  const g = new Graph('guard', 'guard_');
  // The normalised top-left 16 x 16 of the model input: about -2 where the picture is black.
  const corner = g.op('Slice', [input, g.ints([0, 0, 0, 0]), g.ints([1, 3, 16, 16])]);
  const dark = g.op('Cast', [g.op('Less', [g.op('ReduceMean', [corner], { keepdims: 0 }), g.scalar(-1.5)])], { to: onnxProto.onnx.TensorProto.DataType.INT64 });
  const shape = g.op('Add', [g.ints([1, 3, h!, w!]), g.op('Mul', [dark, g.ints([0, 0, 0, 1])])]);
  const guarded = g.op('Reshape', [input, shape]);
  for (const node of graph.node!) node.input = node.input!.map((i) => (i === input ? guarded : i));
  const proto = g.toProto();
  graph.node = [...(proto.node ?? []), ...graph.node!] as typeof graph.node;
  graph.initializer = [...graph.initializer!, ...(proto.initializer ?? [])] as typeof graph.initializer;
  await writeFile(encoderPath, onnxProto.onnx.ModelProto.encode(model).finish());
}

/** The discs video with a black top-left square on frames from `markFrom` on. */
export function encodeMarkedDiscsVideo(outPath: string, markFrom: number, frameCount: number = DISCS_VIDEO.frames): Promise<void> {
  const { width, height, fps } = DISCS_VIDEO;
  const frames = (i: number) =>
    drawFrame(width, height, BACKGROUND, [
      ...discShapes(i),
      ...(i >= markFrom ? [{ kind: 'rect' as const, x: 0, y: 0, w: MARK, h: MARK, color: [0, 0, 0] as const }] : []),
    ]);
  return encodeTestVideo({ outPath, width, height, fps, frameCount, frames, bins: testBins(), quality: 'high' });
}
