// FLOPs of an ONNX graph, counted from the graph itself: every intermediate value is made a graph
// output and the graph is run once on given inputs, so the shapes are the ones ONNX Runtime
// really sees (no shape inference to get wrong); then each MatMul, Gemm, Conv and ConvTranspose
// counts 2 FLOPs per multiply-add. Element-wise operations, softmax, normalisation and resizing
// are left out (a few percent in these models), as FLOP counts of published models usually do.
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export interface FlopCount {
  /** FLOPs (2 per multiply-add) by operator type. */
  byOp: Record<string, number>;
  total: number;
  /** Parameters: elements of the graph's float initializers. */
  params: number;
}

const numel = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

export async function countFlops(file: string, feeds: Record<string, ort.Tensor>): Promise<FlopCount> {
  const model = onnx.ModelProto.decode(await readFile(file));
  const graph = model.graph!;
  const declared = new Set(graph.output!.map((o) => o.name));
  const wanted = new Set<string>();
  for (const node of graph.node!) if (['MatMul', 'Gemm', 'Conv', 'ConvTranspose'].includes(node.opType!)) for (const v of [...node.input!, ...node.output!]) wanted.add(v);
  const inits = new Map(graph.initializer!.map((t) => [t.name!, t]));
  for (const name of wanted) if (!declared.has(name) && !inits.has(name) && !(name in feeds)) graph.output!.push(onnx.ValueInfoProto.create({ name }));
  const session = await ort.InferenceSession.create(onnx.ModelProto.encode(model).finish(), { graphOptimizationLevel: 'disabled' });
  const values = await session.run(feeds);
  await session.release();
  const shape = (name: string): readonly number[] => {
    const init = inits.get(name);
    if (init) return init.dims!.map(Number);
    const v = (values[name] ?? feeds[name]) as ort.Tensor | undefined;
    if (!v) throw new Error(`${file}: no shape for ${name}`);
    return v.dims;
  };
  const byOp: Record<string, number> = {};
  const add = (op: string, flops: number) => (byOp[op] = (byOp[op] ?? 0) + flops);
  for (const node of graph.node!) {
    const [a, b] = node.input!;
    const out = () => shape(node.output![0]!);
    switch (node.opType) {
      case 'MatMul': {
        const k = shape(a!).at(-1)!;
        add('MatMul', 2 * numel(out()) * k);
        break;
      }
      case 'Gemm': {
        const transA = node.attribute!.find((x) => x.name === 'transA')?.i;
        const sa = shape(a!);
        add('Gemm', 2 * numel(out()) * (Number(transA) ? sa[0]! : sa[1]!));
        break;
      }
      case 'Conv': {
        const w = shape(b!); // [Cout, Cin/group, kh, kw]
        add('Conv', 2 * numel(out()) * numel(w.slice(1)));
        break;
      }
      case 'ConvTranspose': {
        const w = shape(b!); // [Cin, Cout/group, kh, kw]: every input element meets Cout/group * kh * kw weights
        add('ConvTranspose', 2 * numel(shape(a!)) * numel(w.slice(1)));
        break;
      }
    }
  }
  const params = graph.initializer!.filter((t) => t.dataType === onnx.TensorProto.DataType.FLOAT).reduce((n, t) => n + numel(t.dims!.map(Number)), 0);
  return { byOp, total: Object.values(byOp).reduce((a, b) => a + b, 0), params };
}
