// ORT sessions in a device's worker thread, on the demo model's real graphs: results equal an
// in-process session's, the encoder's outputs stay in the worker for the decoder, a worker that
// let them go gets them again, the main thread runs meanwhile, a thread that dies is restarted
// with its sessions (its calls in hand fail, retryable), and dispose ends the worker.
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { SessionFactory } from '../../../src/engine/device.js';
import { WorkerCrashedError } from '../../../src/engine/worker/device-worker.js';
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

  it('restarts a thread that died: the calls it had fail (retryable), the sessions work again, the backoff grows', async () => {
    const { f, enc, dec } = await open(64 << 20);
    const want = await dec.run(feeds(await enc.run({ image: image() }, { keepOutputs: true })));
    const worker = f.worker('cpu')!;
    const before = worker.sessions;
    for (let crash = 1; crash <= 2; crash++) {
      // Features the old thread kept: the new thread has lost them, and gets them again as data.
      const features = await enc.run({ image: image() }, { keepOutputs: true });
      const running = enc.run({ image: image() }, { transfer: ['image'] });
      // Microtasks only: the call reaches the thread, and no reply (a macrotask) can come meanwhile.
      for (let i = 0; i < 20 && worker.inFlight === 0; i++) await null;
      expect(worker.inFlight).toBe(1); // the call is in the thread's hands when it dies
      const failed = running.catch((e: Error) => e);
      expect(await worker.crash()).toBe(70);
      const err = await failed;
      expect(err).toBeInstanceOf(WorkerCrashedError);
      expect(err).toMatchObject({ retryable: true, message: expect.stringMatching(/restarted/) });
      expect(worker.restarts).toBe(crash - 1); // not yet: it waits first
      // Later calls wait for the new thread, which holds the same sessions under the same ids.
      const got = await dec.run(feeds(features));
      expect(worker.restarts).toBe(crash);
      expect([...(got.masks.data as Float32Array)]).toEqual([...(want.masks.data as Float32Array)]);
      expect(worker.sessions).toBe(before);
    }
    expect(worker.lastRestartDelayMs).toBe(200); // 100 ms, then doubled for a second crash in a row
  });
});
