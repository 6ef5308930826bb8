// What an image encoder is fed. A model with a preprocessing graph (files.preprocess, see
// scripts/models/preprocess-graph.ts) takes the decoded RGB pixels: resizing and normalising run
// in its device's worker thread, chained to the encoder in one request, on the model's device.
// A model without one gets the normalised tensor made here (preprocess.ts).
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import type { EncoderInput, LoadedGraphs, Runner } from './families/family.js';
import type { PixelSource } from './image-source.js';
import type { FamilyContract } from './manifest-check.js';
import { preprocess, resizeGeometry } from './preprocess.js';

/** The optional preprocessing graph: RGB uint8 [h, w, 3] and the resized [h, w] -> image [1, 3, S, S]. */
export const PREPROCESS_CONTRACT: FamilyContract = { preprocess: { inputs: ['image_rgb', 'resized_size'], outputs: ['image'] } };

/** Decodes an image file to 8-bit RGB (EXIF rotation applied, alpha dropped, sRGB): the pixels as stored. */
export async function decodeRgb(source: PixelSource): Promise<{ data: Uint8Array; width: number; height: number }> {
  // Raw pixels (a video frame) belong to their store, and may be a view of a larger buffer: a copy
  // of just them is what moves to the worker.
  if (source.kind === 'raw') return { data: new Uint8Array(source.data), width: source.width, height: source.height };
  const { data, info } = await sharp(source.bytes, { limitInputPixels: false }).rotate().removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`decoded image has ${info.channels} channels, expected 3`);
  return { data, width: info.width, height: info.height };
}

/** The encoder input of an image for a model: RGB for its preprocessing graph when it has one. */
export async function encoderInput(model: LoadedGraphs, source: PixelSource, width: number, height: number): Promise<EncoderInput> {
  const pre = model.manifest.preprocessing;
  if (!model.sessions.preprocess) return { kind: 'normalised', data: await preprocess(source, pre, width, height) };
  const rgb = await decodeRgb(source);
  const g = resizeGeometry(pre, width, height);
  return { kind: 'rgb', ...rgb, resized: [g.resizedHeight, g.resizedWidth] };
}

/** Runs the encoder (after the preprocessing graph, in the same request, when the input is RGB). */
export function runEncoder(model: LoadedGraphs, input: EncoderInput, run: Runner): Promise<Record<string, ort.Tensor>> {
  const size = model.manifest.preprocessing.inputSize;
  // The encoder's outputs will be fed to every decoder call on the image: the worker keeps them.
  if (input.kind === 'normalised') {
    return run(model.sessions.encoder, { image: new ort.Tensor('float32', input.data, [1, 3, size, size]) }, { transfer: ['image'], keepOutputs: true });
  }
  const feeds = {
    image_rgb: new ort.Tensor('uint8', input.data, [input.height, input.width, 3]),
    resized_size: new ort.Tensor('int64', BigInt64Array.from(input.resized.map(BigInt)), [2]),
  };
  return run(model.sessions.encoder, {}, { keepOutputs: true, before: { session: model.sessions.preprocess, feeds, transfer: ['image_rgb'] } });
}
