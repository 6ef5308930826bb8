// Background encoding (Engine.preencode) against a click on the same image, on the demo model
// with its encoder held at will: a click never waits behind it at its idle priority — it joins a
// background run whose encoder already has the device, and encodes itself (the background run
// giving way) when that run has not reached the device yet. Either way one encoder run.
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Engine, type ImageSource } from '../../src/engine/index.js';
import { drawPicture, iou, toPng } from '../support/draw.js';
import { decodeRle } from '../../src/engine/masks/coco-rle.js';

const PIC = drawPicture(160, 120, [{ kind: 'disc', color: [40, 60, 200], x: 60, y: 60, r: 30 }]);
const CLICK = [{ points: [{ x: 60, y: 60, positive: true }] }];

/** A gate the encoder's runs wait at while it is shut; `reached` resolves when a run arrives there. */
function gate() {
  let open: () => void = () => {};
  let shut = false;
  let opened = Promise.resolve();
  let arrived: () => void = () => {};
  const g = {
    reached: Promise.resolve(),
    shut() {
      shut = true;
      opened = new Promise<void>((r) => (open = r));
      g.reached = new Promise<void>((r) => (arrived = r));
    },
    open() {
      shut = false;
      open();
    },
    async pass() {
      if (!shut) return;
      arrived();
      await opened;
    },
  };
  return g;
}

describe('background encoding and a click on the same image', () => {
  let engine: Engine;
  const encoderGate = gate();
  let n = 0;

  /** The picture under a key of its own; `pixels` waits for `hold` when given. */
  async function image(hold?: Promise<void>): Promise<ImageSource & { read: Promise<void> }> {
    const bytes = await toPng(PIC);
    let read: () => void = () => {};
    const src = {
      key: `test:${n++}`,
      width: PIC.width,
      height: PIC.height,
      read: new Promise<void>((r) => (read = r)),
      pixels: async () => {
        read();
        await hold;
        return { kind: 'encoded' as const, bytes };
      },
    };
    return src;
  }

  const click = (img: ImageSource) => engine.segment({ model: 'demo', image: img, objects: CLICK, multimask: false, threshold: 0, polygons: false });
  const maskIou = (r: Awaited<ReturnType<typeof click>>) => iou(decodeRle(r.objects[0]!.masks[0]!.rle).data, PIC.masks[0]!);

  beforeAll(async () => {
    engine = await Engine.create({
      modelsDir: inject('modelsDir'),
      device: 'cpu',
      concurrency: 1,
      threads: 1,
      embeddingCacheBytes: 64 << 20,
      inferenceTimeoutMs: 60_000,
      log: { info: () => {}, warn: () => {} },
      // Sessions on this thread, the image encoder's runs held at the gate while it is shut.
      createSession: async (file, options) => {
        const s = await ort.InferenceSession.create(file, options);
        if (path.basename(file) !== 'encoder.onnx') return s;
        const run = s.run.bind(s);
        return Object.assign(s, { run: async (...args: Parameters<typeof run>) => (await encoderGate.pass(), run(...args)) }) as ort.InferenceSession;
      },
    });
    await engine.model('demo');
  });
  afterAll(() => engine?.dispose());

  it('encodes the image into the cache: the first click is a hit', async () => {
    const img = await image();
    const runs = engine.encoderRuns;
    expect(await engine.preencode('demo', img)).toBe(true);
    expect(engine.encoderRuns).toBe(runs + 1);
    const r = await click(img);
    expect(r.cacheHit).toBe(true);
    expect(maskIou(r)).toBeGreaterThanOrEqual(0.9);
    expect(await engine.preencode('demo', img)).toBe(false); // cached: nothing to do
  });

  it('a click while the background encoder has the device waits for it and runs no encoder of its own', async () => {
    const img = await image();
    const runs = engine.encoderRuns;
    encoderGate.shut();
    const background = engine.preencode('demo', img);
    await encoderGate.reached;
    const clicked = click(img);
    encoderGate.open();
    const [encoded, r] = await Promise.all([background, clicked]);
    expect(engine.encoderRuns).toBe(runs + 1);
    expect(r.cacheHit).toBe(false); // it was not in the cache when asked
    expect(maskIou(r)).toBeGreaterThanOrEqual(0.9);
    expect(encoded).toBe(false); // the click's lookup kept it
    expect((await click(img)).cacheHit).toBe(true);
  });

  it('does nothing without an embedding cache (EMBEDDING_CACHE_MB=0)', async () => {
    const uncached = await Engine.create({ modelsDir: inject('modelsDir'), device: 'cpu', concurrency: 1, threads: 1, embeddingCacheBytes: 0, inferenceTimeoutMs: 60_000, log: { info: () => {}, warn: () => {} }, createSession: (file, options) => ort.InferenceSession.create(file, options) });
    try {
      expect(await uncached.preencode('demo', await image())).toBe(false);
      expect(uncached.encoderRuns).toBe(0);
    } finally {
      await uncached.dispose();
    }
  });

  it('a click before the background run reaches the device encodes at its own priority; the background run gives way', async () => {
    let release: () => void = () => {};
    const img = await image(new Promise<void>((r) => (release = r)));
    const runs = engine.encoderRuns;
    const background = engine.preencode('demo', img);
    await img.read; // past its idle turn, reading the picture, not yet on the device
    const clicked = click(img);
    release();
    const [encoded, r] = await Promise.all([background, clicked]);
    expect(encoded).toBe(false);
    expect(engine.encoderRuns).toBe(runs + 1);
    expect(r.cacheHit).toBe(false);
    expect(maskIou(r)).toBeGreaterThanOrEqual(0.9);
  });
});
