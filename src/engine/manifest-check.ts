// Checks a manifest against what each ONNX session says of itself, and against the family's
// contract, reporting every mismatch at once (Triton-style model configuration check).
import type { InferenceSession } from 'onnxruntime-node';
import type { GraphIo, ModelManifest } from './manifest.js';

export type SessionMetadata = Pick<InferenceSession, 'inputMetadata' | 'outputMetadata'>;

/** Names each graph must expose for a family: { graph: { inputs, outputs } }. */
export type FamilyContract = Record<string, { inputs: string[]; outputs: string[] }>;

export function checkManifest(
  manifest: ModelManifest,
  sessions: Record<string, SessionMetadata>,
  contract: FamilyContract,
): string[] {
  const problems: string[] = [];
  for (const [graph, need] of Object.entries(contract)) {
    const declared = manifest.io[graph];
    if (!manifest.files[graph]) problems.push(`files.${graph}: missing (family ${manifest.family} needs it)`);
    if (!declared) {
      problems.push(`io.${graph}: missing`);
      continue;
    }
    for (const name of need.inputs) if (!declared.inputs[name]) problems.push(`io.${graph}.inputs.${name}: required by family ${manifest.family}`);
    for (const name of need.outputs) if (!declared.outputs[name]) problems.push(`io.${graph}.outputs.${name}: required by family ${manifest.family}`);
  }
  for (const [graph, session] of Object.entries(sessions)) {
    const declared = manifest.io[graph];
    if (!declared) continue;
    compareSide(`${graph}.inputs`, declared.inputs, session.inputMetadata, problems);
    compareSide(`${graph}.outputs`, declared.outputs, session.outputMetadata, problems);
  }
  return problems;
}

function compareSide(
  where: string,
  declared: GraphIo['inputs'],
  actual: SessionMetadata['inputMetadata'],
  problems: string[],
): void {
  const byName = new Map(actual.map((m) => [m.name, m]));
  for (const [name, spec] of Object.entries(declared)) {
    const meta = byName.get(name);
    if (!meta) {
      problems.push(`${where}.${name}: declared in model.json but the graph has no such value (it has ${[...byName.keys()].join(', ') || 'none'})`);
      continue;
    }
    if (!meta.isTensor) {
      problems.push(`${where}.${name}: the graph's value is not a tensor`);
      continue;
    }
    if (meta.type !== spec.type) problems.push(`${where}.${name}: type ${spec.type} in model.json, ${meta.type} in the graph`);
    const shape = meta.shape;
    if (shape.length > 0 && shape.length !== spec.shape.length) {
      problems.push(`${where}.${name}: rank ${spec.shape.length} in model.json, ${shape.length} in the graph`);
    } else {
      shape.forEach((d, i) => {
        const want = spec.shape[i];
        // A symbolic dimension on either side matches anything; fixed ones must agree.
        if (typeof d === 'number' && d >= 0 && typeof want === 'number' && d !== want) {
          problems.push(`${where}.${name}: dim ${i} is ${want} in model.json, ${d} in the graph`);
        }
      });
    }
  }
  for (const name of byName.keys()) {
    if (!declared[name]) problems.push(`${where}.${name}: in the graph but not declared in model.json`);
  }
}
