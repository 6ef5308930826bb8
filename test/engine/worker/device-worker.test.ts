// ORT sessions in a device's worker thread, on the demo model's real graphs: results equal an
// in-process session's, the encoder's outputs stay in the worker for the decoder, a worker that
// let them go gets them again, the main thread runs meanwhile, and dispose ends the worker.
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { SessionFactory } from '../../../src/engine/device.js';
import type { GraphSession } from '../../../src/engine/worker/graph-session.js';

const log = { info() {}, warn() {} };

function feeds(features: Record<string, ort.Tensor>) {
  return {
    ...features,
    point_coords: new ort.Tensor('float32', new Float32Array([512, 512, 100, 100]), [2, 1, 2]),
    point_labels: new ort.Tensor('float32', new Float32Array([1, 1]), [2, 1]),
    mask_input: new ort.Tensor('float32', new Float32Array(2 * 256 * 256), [2, 1, 256, 256]),
    has_mask_input: new ort.Tensor('float32', new Float32Array(2), [2]),
  };
}

describe('ORT device worker', () => {
  const factories: SessionFactory[] = [];
  afterAll(async () => {
    for (const f of factories) await f.dispose();
  });
  const open = async (keptBytes: number) => {
    const f = new SessionFactory({ request: 'cpu', threads: 1, log, keptBytes });
    factories.push(f);
    const dir = path.join(inject('modelsDir'), 'demo');
    const enc = (await f.session(path.join(dir, 'encoder.onnx'))).session;
    const dec = (await f.session(path.join(dir, 'decoder.onnx'))).session;
    return { f, enc, dec };
  };
  const image = () => {
    const a = new Float32Array(3 * 1024 * 1024);
    for (let i = 0; i < a.length; i++) a[i] = ((i * 2654435761) % 1000) / 500 - 1;
    return new ort.Tensor('float32', a, [1, 3, 1024, 1024]);
  };

  it('gives the results of an in-process session, with the kept features named by id (and sent again when lost)', async () => {
    const dir = path.join(inject('modelsDir'), 'demo');
    const localEnc = await ort.InferenceSession.create(path.join(dir, 'encoder.onnx'));
    const localDec = await ort.InferenceSession.create(path.join(dir, 'decoder.onnx'));
    const want = await localDec.run(feeds((await localEnc.run({ image: image() })) as Record<string, ort.Tensor>));
    // keptBytes 1: the worker can keep nothing, so every decoder call finds its features gone.
    for (const keptBytes of [64 << 20, 1]) {
      const { enc, dec } = await open(keptBytes);
      const input = image();
      const features = await enc.run({ image: input }, { transfer: ['image'], keepOutputs: true });
      expect((input.data as Float32Array).byteLength).toBe(0); // moved, not copied
      for (let round = 0; round < 2; round++) {
        const got = await dec.run(feeds(features), { transfer: ['point_coords'] });
        expect([...(got.masks.data as Float32Array)]).toEqual([...(want.masks.data as Float32Array)]);
        expect([...(got.iou_predictions.data as Float32Array)]).toEqual([...(want.iou_predictions.data as Float32Array)]);
      }
      // The features stay usable on this thread.
      expect((features.image_embed.data as Float32Array).byteLength).toBeGreaterThan(0);
    }
    await localEnc.release();
    await localDec.release();
  });

  it('leaves the main thread free while a graph runs', async () => {
    const { enc } = await open(0);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    for (let i = 0; i < 3; i++) await enc.run({ image: image() }, { transfer: ['image'] });
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
  });

  it('reports session errors with their message, and dispose ends the worker', async () => {
    const { f, dec } = await open(0);
    const err = await dec.run({ nonsense: new ort.Tensor('float32', new Float32Array(1), [1]) }).catch((e: Error) => e);
    expect(String((err as Error).message)).toMatch(/input|nonsense/i);
    await f.dispose();
    await expect((dec as GraphSession).run({})).rejects.toThrow(/disposed|exited/);
  });
});
