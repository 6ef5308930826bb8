// A family is the contract between the engine and a kind of ONNX export (DESIGN.md §4).
import type * as ort from 'onnxruntime-node';
import { EngineError } from '../engine-error.js';
import type { ObjectPrompt } from '../image-source.js';
import type { ModelManifest } from '../manifest.js';
import type { FamilyContract } from '../manifest-check.js';
import type { BinaryMask } from '../masks/binary-mask.js';
import type { GraphSession, RunOptions } from '../worker/graph-session.js';
import type { ResizeGeometry } from '../preprocess.js';

/** What an encoder is given: the tensor, or decoded pixels for the model's preprocessing graph (encoder-input.ts makes it). */
export type EncoderInput =
  /** The encoder's input tensor [1, 3, S, S], ours to give up. */
  | { kind: 'normalised'; data: Float32Array }
  /**
   * Decoded pixels for the preprocessing graph, ours to give up: moved to the worker (sharp's
   * own buffers cannot be detached, so postMessage copies those: under a millisecond a megapixel).
   */
  | { kind: 'rgb'; data: Uint8Array; width: number; height: number; resized: [number, number] };

/** The encoder's outputs for one image, kept in the embedding cache. */
export interface Embedding {
  tensors: Record<string, ort.Tensor>;
  bytes: number;
  width: number;
  height: number;
  geometry: ResizeGeometry;
}

export interface MaskCandidate {
  mask: BinaryMask;
  score: number;
  /** The model's low-res logits for this mask (to feed back as mask_input). */
  lowRes: Float32Array;
  lowResSize: [number, number];
}

export interface DecodeOptions {
  multimask: boolean;
  threshold: number;
}

/** Runs one ORT call; the engine routes it through the device queue with a deadline. */
export type Runner = (session: GraphSession, feeds: Record<string, ort.Tensor>, opts?: RunOptions) => Promise<Record<string, ort.Tensor>>;

export interface LoadedGraphs {
  manifest: ModelManifest;
  sessions: Record<string, GraphSession>;
}

/** Families that segment: an image encoder and a promptable mask decoder. */
export interface ImageFamily {
  readonly kind: 'image';
  readonly name: 'sam' | 'sam2';
  readonly contract: FamilyContract;
  encode(model: LoadedGraphs, input: EncoderInput, run: Runner): Promise<Record<string, ort.Tensor>>;
  /** Decodes every object; returns, per object, its candidates (one unless multimask). */
  decode(model: LoadedGraphs, embedding: Embedding, objects: ObjectPrompt[], opts: DecodeOptions, run: Runner): Promise<MaskCandidate[][]>;
}

/** Families that detect: phrases to boxes (text-grounding.ts runs them); they do not segment. */
export interface DetectorFamily {
  readonly kind: 'detector';
  readonly name: 'grounding';
  readonly contract: FamilyContract;
}

export type Family = ImageFamily | DetectorFamily;

/** The family of a model asked to segment: a detector is refused with a clear message. */
export function segmenter(model: { family: Family }): ImageFamily {
  if (model.family.kind === 'image') return model.family;
  throw new EngineError('UNSUPPORTED', `A ${model.family.name} model does not segment; use it through a sam/sam2 model`);
}

/** Picks what the client asked for from a model's candidates, best first when single. */
export function selectCandidates(all: MaskCandidate[], multimask: boolean): MaskCandidate[] {
  if (multimask) return all;
  let best = all[0];
  for (const c of all) if (c.score > best.score) best = c;
  return [best];
}
