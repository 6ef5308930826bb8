// The preprocessing graph (scripts/models/preprocess-graph.ts) against the engine's TypeScript
// preprocessing it replaces, for both resize modes, enlarging and shrinking; and its run chained
// to the encoder in a device's worker thread, against the two graphs run one after the other here.
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { buildPreprocessGraph, type PreprocessingSpec } from '../../scripts/models/preprocess-graph.js';
import { SessionFactory } from '../../src/engine/device.js';
import { decodeRgb } from '../../src/engine/encoder-input.js';
import { preprocess, resizeGeometry } from '../../src/engine/preprocess.js';

const SQUARE: PreprocessingSpec = { inputSize: 1024, resize: 'square', pixelScale: 1, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const LONGEST: PreprocessingSpec = { inputSize: 1024, resize: 'longest', pixelScale: 255, mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375] };

/** A picture of flat rectangles and a smooth gradient, as PNG. */
async function picture(width: number, height: number): Promise<Buffer> {
  const rgb = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const inRect = x > width * 0.2 && x < width * 0.6 && y > height * 0.3 && y < height * 0.8;
      rgb[i] = inRect ? 220 : Math.round((255 * x) / width);
      rgb[i + 1] = inRect ? 40 : Math.round((255 * y) / height);
      rgb[i + 2] = inRect ? 60 : 128;
    }
  }
  return sharp(rgb, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

async function viaGraph(session: ort.InferenceSession, png: Buffer, spec: PreprocessingSpec, width: number, height: number): Promise<Float32Array> {
  const rgb = await decodeRgb({ kind: 'encoded', bytes: png });
  const g = resizeGeometry(spec, width, height);
  const out = await session.run({
    image_rgb: new ort.Tensor('uint8', rgb.data, [rgb.height, rgb.width, 3]),
    resized_size: new ort.Tensor('int64', BigInt64Array.from([BigInt(g.resizedHeight), BigInt(g.resizedWidth)]), [2]),
  });
  return out.image!.data as Float32Array;
}

describe('preprocessing graph', () => {
  for (const [name, spec] of [['square', SQUARE], ['longest side', LONGEST]] as const) {
    for (const [width, height] of [[640, 480], [1600, 1200]] as const) {
      it(`agrees with the TypeScript preprocessing: ${name} resize, ${width}x${height}`, async () => {
        const session = await ort.InferenceSession.create(buildPreprocessGraph(spec));
        const png = await picture(width, height);
        const want = await preprocess({ kind: 'encoded', bytes: png }, spec, width, height);
        const got = await viaGraph(session, png, spec, width, height);
        expect(got.length).toBe(want.length);
        // The same values up to the two bilinear implementations (sharp's and ONNX Runtime's):
        // they differ by a fraction of a step on the rectangles' edges, nowhere else; the padding
        // is zero in both.
        let sum = 0;
        let far = 0;
        for (let i = 0; i < want.length; i++) {
          const d = Math.abs(got[i]! - want[i]!);
          sum += d;
          if (d > 0.1) far++;
        }
        expect(sum / want.length).toBeLessThan(0.01);
        expect(far / want.length).toBeLessThan(0.01);
        const g = resizeGeometry(spec, width, height);
        if (g.resizedHeight < spec.inputSize) expect(got[spec.inputSize * spec.inputSize - 1]).toBe(0);
        await session.release();
      });
    }
  }
});

describe('a chained run in the device worker', () => {
  const factory = new SessionFactory({ request: 'cpu', threads: 1, log: { info() {}, warn() {} }, keptBytes: 64 << 20 });
  afterAll(() => factory.dispose());

  it('gives what the preprocessing graph then the encoder give here, and moves the pixels', async () => {
    const dir = path.join(inject('modelsDir'), 'demo');
    const pre = (await factory.session(path.join(dir, 'preprocess.onnx'))).session;
    const enc = (await factory.session(path.join(dir, 'encoder.onnx'))).session;
    const localPre = await ort.InferenceSession.create(path.join(dir, 'preprocess.onnx'));
    const localEnc = await ort.InferenceSession.create(path.join(dir, 'encoder.onnx'));
    const rgb = await decodeRgb({ kind: 'encoded', bytes: await picture(320, 240) });
    const feeds = () => ({
      image_rgb: new ort.Tensor('uint8', new Uint8Array(rgb.data), [rgb.height, rgb.width, 3]),
      resized_size: new ort.Tensor('int64', BigInt64Array.from([1024n, 1024n]), [2]),
    });
    const want = await localEnc.run({ image: (await localPre.run(feeds())).image! });
    const given = feeds();
    const got = await enc.run({}, { keepOutputs: true, before: { session: pre, feeds: given, transfer: ['image_rgb'] } });
    expect((given.image_rgb.data as Uint8Array).byteLength).toBe(0); // moved, not copied
    for (const name of ['image_embed', 'high_res_feats_0', 'high_res_feats_1']) {
      expect([...(got[name]!.data as Float32Array)]).toEqual([...(want[name]!.data as Float32Array)]);
    }
  });
});
