/**
 * A small builder over onnx-proto: value infos, initializers, nodes, subgraphs (for Loop/If),
 * and encoding a ModelProto (opset 17, IR version 8) to bytes or to a .onnx file.
 *
 * Tensor names are plain strings. `op()` returns the name(s) of the node's output(s), so graphs
 * read like expressions: `const y = g.op('Mul', [x, g.scalar(2)])`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type onnxNs = typeof onnx;
type TensorProto = InstanceType<onnxNs['TensorProto']>;
type IGraphProto = ConstructorParameters<onnxNs['GraphProto']>[0] & object;
type INodeProto = ConstructorParameters<onnxNs['NodeProto']>[0] & object;
type ITensorProto = ConstructorParameters<onnxNs['TensorProto']>[0] & object;
type IValueInfoProto = ConstructorParameters<onnxNs['ValueInfoProto']>[0] & object;
type IAttributeProto = ConstructorParameters<onnxNs['AttributeProto']>[0] & object;

export const OPSET = 17;
export const IR_VERSION = 8;

export type DType = 'float32' | 'int64' | 'int32' | 'bool' | 'uint8';
/** A dimension: a fixed size, or a symbolic name (dynamic). */
export type Dim = number | string;

const DTYPES: Record<DType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
  bool: onnx.TensorProto.DataType.BOOL,
  uint8: onnx.TensorProto.DataType.UINT8,
};

/** Attribute values: number -> INT, number[] -> INTS, string -> STRING; tag floats and graphs. */
export type AttrValue =
  | number
  | number[]
  | string
  | { f: number }
  | { floats: number[] }
  | { g: IGraphProto };

/** The type of one graph input/output, as declared in the graph. */
export interface ValueSpec {
  type: DType;
  shape: Dim[];
}

function valueInfo(name: string, spec: ValueSpec): IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: DTYPES[spec.type],
        shape: {
          dim: spec.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  };
}

function attribute(name: string, v: AttrValue): IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`attribute ${name}: use { f: ${v} } for floats`);
    return { name, type: T.INT, i: v };
  }
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if ('f' in v) return { name, type: T.FLOAT, f: v.f };
  if ('floats' in v) return { name, type: T.FLOATS, floats: v.floats };
  return { name, type: T.GRAPH, g: v.g };
}

function tensorBytes(type: DType, values: ArrayLike<number | boolean>): Uint8Array {
  const n = values.length;
  switch (type) {
    case 'float32':
      return new Uint8Array(Float32Array.from(values as ArrayLike<number>).buffer);
    case 'int32':
      return new Uint8Array(Int32Array.from(values as ArrayLike<number>).buffer);
    case 'int64': {
      const a = new BigInt64Array(n);
      for (let i = 0; i < n; i++) a[i] = BigInt(values[i] as number);
      return new Uint8Array(a.buffer);
    }
    case 'bool':
    case 'uint8':
      return Uint8Array.from(values as ArrayLike<number>, (x) => Number(x));
  }
}

export class Graph {
  readonly nodes: INodeProto[] = [];
  readonly initializers: ITensorProto[] = [];
  readonly inputs: IValueInfoProto[] = [];
  readonly outputs: IValueInfoProto[] = [];
  private readonly used = new Set<string>();
  private counter = 0;
  private readonly constCache = new Map<string, string>();

  /** `prefix` keeps generated names of a subgraph distinct from its parent's. */
  constructor(
    readonly name: string,
    private readonly prefix = '',
  ) {}

  /** A fresh tensor name. */
  fresh(hint = 't'): string {
    let name: string;
    do name = `${this.prefix}${hint}_${this.counter++}`;
    while (this.used.has(name));
    this.used.add(name);
    return name;
  }

  /** Declare a graph input; returns its name. */
  input(name: string, spec: ValueSpec): string {
    this.used.add(name);
    this.inputs.push(valueInfo(name, spec));
    return name;
  }

  /** Declare `value` as the graph output `name` (through an Identity when the names differ). */
  output(value: string, name: string, spec: ValueSpec): string {
    if (value !== name) {
      this.used.add(name);
      this.nodes.push({ opType: 'Identity', input: [value], output: [name], name: `${name}_out` });
    }
    this.outputs.push(valueInfo(name, spec));
    return name;
  }

  /** A constant tensor (an initializer). Identical constants are stored once. */
  constant(values: ArrayLike<number | boolean>, shape: number[], type: DType = 'float32', hint = 'c'): string {
    const count = shape.reduce((a, b) => a * b, 1);
    if (count !== values.length) throw new Error(`constant ${hint}: ${values.length} values for shape [${shape}]`);
    const raw = tensorBytes(type, values);
    const key = `${type}|${shape.join(',')}|${Buffer.from(raw).toString('base64')}`;
    const cached = this.constCache.get(key);
    if (cached) return cached;
    const name = this.fresh(hint);
    this.initializers.push({ name, dataType: DTYPES[type], dims: shape, rawData: raw });
    this.constCache.set(key, name);
    return name;
  }

  /** A scalar (rank-0) float constant. */
  scalar(v: number): string {
    return this.constant([v], [], 'float32', 'k');
  }

  /** A 1-D int64 constant (shapes, axes, indices). */
  ints(values: number[]): string {
    return this.constant(values, [values.length], 'int64', 'i');
  }

  /** A rank-0 int64 constant. */
  int(v: number): string {
    return this.constant([v], [], 'int64', 'i');
  }

  /** Add a node; returns its single output name. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outputName?: string): string {
    return this.opN(opType, inputs, 1, attrs, outputName ? [outputName] : undefined)[0];
  }

  /** Add a node with several outputs; returns their names. */
  opN(
    opType: string,
    inputs: string[],
    nOutputs: number,
    attrs: Record<string, AttrValue> = {},
    outputNames?: string[],
  ): string[] {
    const outs = outputNames ?? Array.from({ length: nOutputs }, () => this.fresh(opType.toLowerCase()));
    for (const o of outs) this.used.add(o);
    this.nodes.push({
      opType,
      name: `${this.prefix}${opType}_${this.nodes.length}`,
      input: inputs,
      output: outs,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outs;
  }

  toProto(): IGraphProto {
    return {
      name: this.name,
      node: this.nodes,
      initializer: this.initializers,
      input: this.inputs,
      output: this.outputs,
    };
  }
}

export interface ModelOptions {
  docString?: string;
  /** Written as ModelProto.metadata_props (readable by runtimes). */
  metadata?: Record<string, string>;
  producerName?: string;
  opset?: number;
}

/** Encode a graph as an ONNX ModelProto. Deterministic: same graph, same bytes. */
export function encodeModel(graph: Graph, options: ModelOptions = {}): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    producerName: options.producerName ?? 'maskql',
    producerVersion: '1',
    docString: options.docString ?? '',
    opsetImport: [{ domain: '', version: options.opset ?? OPSET }],
    graph: graph.toProto(),
    metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
  });
  return onnx.ModelProto.encode(model).finish();
}

export function writeModel(path: string, bytes: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
}

/** Decode model bytes (for inspection in tests/tools). */
export function decodeModel(bytes: Uint8Array): InstanceType<onnxNs['ModelProto']> {
  return onnx.ModelProto.decode(bytes);
}

export type { TensorProto, IGraphProto };

/** The declared inputs and outputs of one graph, in declaration order. */
export interface GraphIO {
  inputs: Record<string, ValueSpec>;
  outputs: Record<string, ValueSpec>;
}

/** Declare every input of `io` on `g`; returns the input names in order. */
export function declareInputs(g: Graph, io: GraphIO): Record<string, string> {
  const names: Record<string, string> = {};
  for (const [name, spec] of Object.entries(io.inputs)) names[name] = g.input(name, spec);
  return names;
}

/** Declare every output of `io` from the given values (by output name). */
export function declareOutputs(g: Graph, io: GraphIO, values: Record<string, string>): void {
  for (const [name, spec] of Object.entries(io.outputs)) {
    const v = values[name];
    if (!v) throw new Error(`graph ${g.name}: no value for output ${name}`);
    g.output(v, name, spec);
  }
  const extra = Object.keys(values).filter((k) => !(k in io.outputs));
  if (extra.length) throw new Error(`graph ${g.name}: values for undeclared outputs ${extra.join(', ')}`);
}
