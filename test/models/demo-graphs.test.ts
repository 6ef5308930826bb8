/**
 * Runs the demo model's ONNX graphs directly in onnxruntime-node, with the preprocessing and
 * post-processing of each family written here (as an engine would), on pictures of flat-coloured
 * shapes drawn in the test.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoModel, generateDemoModel, type DemoManifest } from '../../scripts/models/generate-demo.js';
import { iou } from '../support/draw.js';
import { upsampleThreshold } from '../support/upsample.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEMO_DIR = join(ROOT, 'models', 'demo');

// ---------------------------------------------------------------------------------------------
// Drawing: flat-coloured shapes, antialiased by 4x4 supersampling; ground truth per shape.

type RGB = [number, number, number];
interface Shape {
  colour: RGB;
  inside(x: number, y: number): boolean;
}
const rect = (x0: number, y0: number, x1: number, y1: number, colour: RGB): Shape => ({
  colour,
  inside: (x, y) => x >= x0 && x < x1 && y >= y0 && y < y1,
});
const circle = (cx: number, cy: number, r: number, colour: RGB): Shape => ({
  colour,
  inside: (x, y) => (x - cx) ** 2 + (y - cy) ** 2 < r * r,
});
const ellipse = (cx: number, cy: number, rx: number, ry: number, colour: RGB): Shape => ({
  colour,
  inside: (x, y) => ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 < 1,
});

interface Picture {
  width: number;
  height: number;
  /** RGB, 3 bytes per pixel, row-major. */
  rgb: Uint8Array;
  shapes: Shape[];
}

const RED: RGB = [220, 40, 40];
const BLUE: RGB = [40, 80, 220];
const GREEN: RGB = [40, 170, 70];
const YELLOW: RGB = [235, 200, 40];
const BACKGROUND: RGB = [245, 245, 240];

function draw(width: number, height: number, shapes: Shape[], background: RGB = BACKGROUND): Picture {
  const rgb = new Uint8Array(width * height * 3);
  const S = 4;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const acc = [0, 0, 0];
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const px = x + (sx + 0.5) / S;
          const py = y + (sy + 0.5) / S;
          let c = background;
          for (const s of shapes) if (s.inside(px, py)) c = s.colour;
          for (let k = 0; k < 3; k++) acc[k] += c[k];
        }
      }
      for (let k = 0; k < 3; k++) rgb[(y * width + x) * 3 + k] = Math.round(acc[k] / (S * S));
    }
  }
  return { width, height, rgb, shapes };
}

/** Visible pixels (by pixel centre) of the given shapes (indices into pic.shapes). */
function truth(pic: Picture, ...which: number[]): Uint8Array {
  const m = new Uint8Array(pic.width * pic.height);
  for (let y = 0; y < pic.height; y++) {
    for (let x = 0; x < pic.width; x++) {
      let top = -1;
      pic.shapes.forEach((s, i) => {
        if (s.inside(x + 0.5, y + 0.5)) top = i;
      });
      if (which.includes(top)) m[y * pic.width + x] = 1;
    }
  }
  return m;
}

/** IoU >= min (0.9); DEMO_DEBUG=1 prints the values. */
function expectIoU(mask: Uint8Array, target: Uint8Array, label: string, min = 0.9): void {
  const v = iou(mask, target);
  if (process.env.DEMO_DEBUG) console.log(`IoU ${v.toFixed(3)}  ${label}`);
  expect(v, label).toBeGreaterThanOrEqual(min);
}

function count(m: Uint8Array, within?: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < m.length; i++) if (m[i] && (!within || within[i])) n++;
  return n;
}

// ---------------------------------------------------------------------------------------------
// Engine-side pre/post-processing, written here from the contracts.

async function resizeRGB(pic: Picture, w: number, h: number): Promise<Uint8Array> {
  const buf = await sharp(Buffer.from(pic.rgb), { raw: { width: pic.width, height: pic.height, channels: 3 } })
    .resize(w, h, { fit: 'fill' })
    .raw()
    .toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** NCHW float32 [1,3,1024,1024] from an RGB buffer w x h placed top-left (zeros elsewhere). */
function toTensor(rgb: Uint8Array, w: number, h: number, pixelScale: number, mean: number[], std: number[]): ort.Tensor {
  const S = 1024;
  const data = new Float32Array(3 * S * S);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        const v = (rgb[(y * w + x) * 3 + c] / 255) * pixelScale;
        data[c * S * S + y * S + x] = (v - mean[c]) / std[c];
      }
    }
  }
  return new ort.Tensor('float32', data, [1, 3, S, S]);
}

/** Bilinear (align_corners=False) resize of one [h0,w0] plane to [h,w], thresholded at 0. */
function plane(t: ort.Tensor, index: number): Float32Array {
  const [, , h, w] = t.dims as number[];
  const data = t.data as Float32Array;
  return data.subarray(index * h * w, (index + 1) * h * w);
}

const argmax = (xs: ArrayLike<number>) => {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[best]) best = i;
  return best;
};

type Point = [number, number];
interface Prompt {
  points?: Point[];
  labels?: number[];
  box?: [number, number, number, number];
}

function promptArrays(p: Prompt, scale: (pt: Point) => Point, padForSam: boolean): { coords: number[]; labels: number[] } {
  const coords: number[] = [];
  const labels: number[] = [];
  (p.points ?? []).forEach((pt, i) => {
    coords.push(...scale(pt));
    labels.push(p.labels?.[i] ?? 1);
  });
  if (p.box) {
    coords.push(...scale([p.box[0], p.box[1]]), ...scale([p.box[2], p.box[3]]));
    labels.push(2, 3);
  } else if (padForSam) {
    coords.push(0, 0);
    labels.push(-1);
  }
  return { coords, labels };
}

// --- sam2 family ---

class Sam2Demo {
  constructor(
    readonly manifest: DemoManifest,
    readonly encoder: ort.InferenceSession,
    readonly decoder: ort.InferenceSession,
  ) {}

  static async load(dir: string): Promise<Sam2Demo> {
    const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as DemoManifest;
    return new Sam2Demo(
      manifest,
      await ort.InferenceSession.create(join(dir, manifest.files.encoder)),
      await ort.InferenceSession.create(join(dir, manifest.files.decoder)),
    );
  }

  async encode(pic: Picture): Promise<ort.InferenceSession.OnnxValueMapType> {
    const { mean, std, pixelScale } = this.manifest.preprocessing;
    const rgb = await resizeRGB(pic, 1024, 1024);
    return this.encoder.run({ image: toTensor(rgb, 1024, 1024, pixelScale, mean, std) });
  }

  /** One decoder call for several objects (padded with label -1 to the same point count). */
  async decode(
    pic: Picture,
    feats: ort.InferenceSession.OnnxValueMapType,
    prompts: Prompt[],
    maskInput?: { logits: Float32Array },
  ) {
    const scale = (pt: Point): Point => [(pt[0] * 1024) / pic.width, (pt[1] * 1024) / pic.height];
    const arrays = prompts.map((p) => promptArrays(p, scale, false));
    const P = Math.max(...arrays.map((a) => a.labels.length));
    const N = prompts.length;
    const coords = new Float32Array(N * P * 2);
    const labels = new Float32Array(N * P).fill(-1);
    arrays.forEach((a, n) => {
      coords.set(a.coords, n * P * 2);
      labels.set(a.labels, n * P);
    });
    const mask = new Float32Array(N * 256 * 256);
    if (maskInput) mask.set(maskInput.logits);
    const out = await this.decoder.run({
      image_embed: feats.image_embed,
      high_res_feats_0: feats.high_res_feats_0,
      high_res_feats_1: feats.high_res_feats_1,
      point_coords: new ort.Tensor('float32', coords, [N, P, 2]),
      point_labels: new ort.Tensor('float32', labels, [N, P]),
      mask_input: new ort.Tensor('float32', mask, [N, 1, 256, 256]),
      has_mask_input: new ort.Tensor('float32', new Float32Array(N).fill(maskInput ? 1 : 0), [N]),
    });
    const masks = out.masks;
    const scores = out.iou_predictions.data as Float32Array;
    const M = masks.dims[1];
    return Array.from({ length: N }, (_, n) => {
      const s = scores.subarray(n * M, (n + 1) * M);
      const lowRes = (k: number) => plane(masks, n * M + k);
      const full = (k: number) => upsampleThreshold(lowRes(k), 256, 256, pic.height, pic.width);
      const best = argmax(s);
      return { scores: Array.from(s), best, lowRes, full, bestMask: full(best) };
    });
  }

  async segment(pic: Picture, prompt: Prompt) {
    return (await this.decode(pic, await this.encode(pic), [prompt]))[0];
  }
}

// --- sam family ---

class SamDemo {
  constructor(
    readonly manifest: DemoManifest,
    readonly encoder: ort.InferenceSession,
    readonly decoder: ort.InferenceSession,
  ) {}

  static async load(dir: string): Promise<SamDemo> {
    const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as DemoManifest;
    return new SamDemo(
      manifest,
      await ort.InferenceSession.create(join(dir, manifest.files.encoder)),
      await ort.InferenceSession.create(join(dir, manifest.files.decoder)),
    );
  }

  async segment(pic: Picture, prompt: Prompt, maskInput?: Float32Array) {
    const { mean, std, pixelScale } = this.manifest.preprocessing;
    const s = 1024 / Math.max(pic.width, pic.height);
    const newW = Math.round(pic.width * s);
    const newH = Math.round(pic.height * s);
    const rgb = await resizeRGB(pic, newW, newH);
    const enc = await this.encoder.run({ image: toTensor(rgb, newW, newH, pixelScale, mean, std) });
    const scale = (pt: Point): Point => [(pt[0] * newW) / pic.width, (pt[1] * newH) / pic.height];
    const { coords, labels } = promptArrays(prompt, scale, true);
    const P = labels.length;
    const out = await this.decoder.run({
      image_embeddings: enc.image_embeddings,
      point_coords: new ort.Tensor('float32', Float32Array.from(coords), [1, P, 2]),
      point_labels: new ort.Tensor('float32', Float32Array.from(labels), [1, P]),
      mask_input: new ort.Tensor('float32', maskInput ?? new Float32Array(256 * 256), [1, 1, 256, 256]),
      has_mask_input: new ort.Tensor('float32', Float32Array.of(maskInput ? 1 : 0), [1]),
      orig_im_size: new ort.Tensor('float32', Float32Array.of(pic.height, pic.width), [2]),
    });
    const masks = out.masks;
    const scores = Array.from(out.iou_predictions.data as Float32Array);
    const full = (k: number) => Uint8Array.from(plane(masks, k), (v) => (v > 0 ? 1 : 0));
    const best = argmax(scores);
    return { out, scores, best, full, bestMask: full(best), lowRes: (k: number) => plane(out.low_res_masks, k) };
  }
}

// ---------------------------------------------------------------------------------------------

/** 320x240: two separate red rectangles, a blue circle, a green ellipse. */
const scene320 = () =>
  draw(320, 240, [
    rect(30, 40, 130, 120, RED),
    rect(200, 150, 290, 215, RED),
    circle(230, 70, 45, BLUE),
    ellipse(80, 185, 55, 35, GREEN),
  ]);

/** 257x391 (odd sizes, portrait): a yellow circle, a blue rectangle, a red ellipse over it. */
const scene257 = () =>
  draw(257, 391, [
    circle(90, 100, 60, YELLOW),
    rect(30, 200, 220, 360, BLUE),
    ellipse(170, 280, 50, 40, RED),
  ]);

/** Two same-coloured rectangles touching along x = 160. */
const touching = () => draw(320, 240, [rect(60, 60, 160, 180, GREEN), rect(160, 60, 260, 180, GREEN)]);

describe('demo model, sam2 family (committed models/demo)', () => {
  let demo: Sam2Demo;
  beforeAll(async () => {
    demo = await Sam2Demo.load(DEMO_DIR);
  });

  it('declares in model.json exactly the inputs and outputs of its graphs', () => {
    for (const part of ['encoder', 'decoder'] as const) {
      const s = part === 'encoder' ? demo.encoder : demo.decoder;
      const io = demo.manifest.io[part];
      expect(s.inputNames).toEqual(Object.keys(io.inputs));
      expect(s.outputNames).toEqual(Object.keys(io.outputs));
      for (const m of [...s.inputMetadata, ...s.outputMetadata]) {
        const spec = io.inputs[m.name] ?? io.outputs[m.name];
        expect(m.isTensor).toBe(true);
        if (m.isTensor) expect({ type: m.type, shape: m.shape }).toEqual(spec);
      }
    }
    expect(demo.manifest).toMatchObject({ name: 'demo', family: 'sam2', preprocessing: { resize: 'square', inputSize: 1024 } });
  });

  it('encoder: colour features at 256, 128 and 64 cells a side', async () => {
    const pic = scene320();
    const f = await demo.encode(pic);
    expect(f.high_res_feats_0.dims).toEqual([1, 3, 256, 256]);
    expect(f.high_res_feats_1.dims).toEqual([1, 3, 128, 128]);
    expect(f.image_embed.dims).toEqual([1, 3, 64, 64]);
    // Cell under the first red rectangle's centre (80, 80) -> (64, 85) on the 256 grid: red, in 0..1.
    const d = f.high_res_feats_0.data as Float32Array;
    const cell = Math.floor((80 * 256) / 240) * 256 + Math.floor((80 * 256) / 320);
    expect(d[cell]).toBeCloseTo(220 / 255, 2);
    expect(d[65536 + cell]).toBeCloseTo(40 / 255, 2);
  });

  it('a click selects the shape under it, not the same-coloured shape elsewhere (320x240)', async () => {
    const pic = scene320();
    const r = await demo.segment(pic, { points: [[80, 80]] });
    expectIoU(r.bestMask, truth(pic, 0), 'r.bestMask vs truth(pic, 0)');
    for (let k = 0; k < 3; k++) expect(count(r.full(k), truth(pic, 1))).toBe(0);
    expect(r.scores[r.best]).toBeGreaterThan(0.8);
    expect(r.best).toBe(1); // clean flat shape: the tiers agree, the medium mask wins the tie
    const low = r.lowRes(1);
    expect(Math.max(...low)).toBe(10);
    expect(Math.min(...low)).toBe(-10);
  });

  it('circle, ellipse, odd sizes (257x391), shape overlapping another', async () => {
    const pic320 = scene320();
    const feats = await demo.encode(pic320);
    const [circ, ell] = await demo.decode(pic320, feats, [{ points: [[230, 70]] }, { points: [[80, 185]] }]);
    expectIoU(circ.bestMask, truth(pic320, 2), 'circ.bestMask vs truth(pic320, 2)');
    expectIoU(ell.bestMask, truth(pic320, 3), 'ell.bestMask vs truth(pic320, 3)');

    const pic = scene257();
    const f = await demo.encode(pic);
    const rs = await demo.decode(pic, f, [{ points: [[90, 100]] }, { points: [[60, 330]] }, { points: [[170, 280]] }]);
    expectIoU(rs[0].bestMask, truth(pic, 0), 'rs[0].bestMask vs truth(pic, 0)');
    expectIoU(rs[1].bestMask, truth(pic, 1), 'rs[1].bestMask vs truth(pic, 1)'); // blue rectangle with a hole
    expectIoU(rs[2].bestMask, truth(pic, 2), 'rs[2].bestMask vs truth(pic, 2)');
    for (const r of rs) expect(r.scores[r.best]).toBeGreaterThan(0.8);
  });

  it('two objects in one decoder call (N=2), padded with label -1', async () => {
    const pic = scene320();
    const feats = await demo.encode(pic);
    const [a, b] = await demo.decode(pic, feats, [
      { points: [[80, 80], [100, 100], [50, 60]] },
      { points: [[245, 180]] },
    ]);
    expectIoU(a.bestMask, truth(pic, 0), 'a.bestMask vs truth(pic, 0)');
    expectIoU(b.bestMask, truth(pic, 1), 'b.bestMask vs truth(pic, 1)');
    expect(count(a.bestMask, truth(pic, 1))).toBe(0);
    expect(count(b.bestMask, truth(pic, 0))).toBe(0);
  });

  it('objects are independent: the same masks alone or batched with an object that has a negative point', async () => {
    // A frame 7 px thick (thin: too thin for the coarse pre-pass) and a large region.
    const pic = draw(320, 240, [rect(20, 20, 300, 220, BLUE), rect(27, 27, 293, 213, BACKGROUND), circle(160, 120, 60, RED)]);
    const feats = await demo.encode(pic);
    const alone = await demo.decode(pic, feats, [{ points: [[23, 120]] }, { points: [[100, 60]] }]);
    const batched = await demo.decode(pic, feats, [
      { points: [[23, 120]] },
      { points: [[100, 60]] },
      { points: [[160, 120], [170, 120]], labels: [1, 0] },
    ]);
    expectIoU(alone[0].bestMask, truth(pic, 0), 'thin frame');
    expectIoU(alone[1].bestMask, truth(pic, 1), 'region inside the frame, around the circle');
    for (let n = 0; n < 2; n++) {
      for (let k = 0; k < 3; k++) expect(Buffer.compare(Buffer.from(alone[n].full(k)), Buffer.from(batched[n].full(k)))).toBe(0);
      expect(batched[n].scores).toEqual(alone[n].scores);
    }
  });

  it('a box alone selects the shape in it; a box bounds the mask', async () => {
    const pic = scene320();
    const feats = await demo.encode(pic);
    const [byBox, bounded] = await demo.decode(pic, feats, [
      { box: [183, 23, 277, 117] }, // around the blue circle
      { points: [[80, 80]], box: [20, 30, 90, 130] }, // left part of the first red rectangle
    ]);
    expectIoU(byBox.bestMask, truth(pic, 2), 'byBox.bestMask vs truth(pic, 2)');
    const redInBox = truth(pic, 0).map((v, i) => (v && i % 320 < 90 ? 1 : 0));
    expectIoU(bounded.bestMask, redInBox, 'bounded.bestMask vs redInBox');
  });

  it('a negative point cuts off a touching same-coloured region', async () => {
    const pic = touching();
    const feats = await demo.encode(pic);
    const [both, cut] = await demo.decode(pic, feats, [
      { points: [[110, 120]] },
      { points: [[110, 120], [210, 120]], labels: [1, 0] },
    ]);
    expectIoU(both.bestMask, truth(pic, 0, 1), 'both.bestMask vs truth(pic, 0, 1)');
    expectIoU(cut.bestMask, truth(pic, 0), 'cut.bestMask vs truth(pic, 0)');
    expect(count(cut.bestMask, truth(pic, 1))).toBeLessThan(0.05 * count(truth(pic, 1)));
  });

  it('positive points on different colours give their union; mask_input plus a new click extends it', async () => {
    const pic = scene257();
    const feats = await demo.encode(pic);
    const [union] = await demo.decode(pic, feats, [{ points: [[170, 280], [60, 330]] }]);
    expectIoU(union.bestMask, truth(pic, 1, 2), 'two clicks: ellipse + rectangle');
    const [first] = await demo.decode(pic, feats, [{ points: [[90, 100]] }]);
    const [more] = await demo.decode(pic, feats, [{ points: [[170, 280]] }], {
      logits: Float32Array.from(first.lowRes(first.best)),
    });
    expectIoU(more.bestMask, truth(pic, 0, 2), 'previous mask (circle) + click on the ellipse');
  });

  it('mask_input: a previous mask alone reproduces it; padding-only prompts give empty masks', async () => {
    const pic = scene320();
    const feats = await demo.encode(pic);
    const [first] = await demo.decode(pic, feats, [{ points: [[230, 70]] }]);
    const [again] = await demo.decode(pic, feats, [{ points: [[0, 0]], labels: [-1] }], {
      logits: Float32Array.from(first.lowRes(first.best)),
    });
    expectIoU(again.bestMask, first.bestMask, 'again.bestMask vs first.bestMask', 0.99);
    const [none] = await demo.decode(pic, feats, [{ points: [[230, 70]], labels: [-1] }]);
    expect(none.scores.every((s) => s === 0)).toBe(true);
    expect(count(none.full(1))).toBe(0);
  });

  it('tolerates JPEG noise and an SVG rendering (sharp)', async () => {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300">
      <rect width="400" height="300" fill="rgb(250,250,250)"/>
      <circle cx="120" cy="140" r="80" fill="rgb(200,30,60)"/>
      <rect x="230" y="60" width="130" height="180" fill="rgb(30,120,200)"/>
    </svg>`;
    const jpeg = await sharp(Buffer.from(svg)).jpeg({ quality: 75 }).toBuffer();
    const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const shapes = [circle(120, 140, 80, [200, 30, 60]), rect(230, 60, 360, 240, [30, 120, 200])];
    const pic: Picture = { width: info.width, height: info.height, rgb: new Uint8Array(data), shapes };
    const feats = await demo.encode(pic);
    const rs = await demo.decode(pic, feats, [{ points: [[120, 140]] }, { points: [[300, 150]] }]);
    expectIoU(rs[0].bestMask, truth(pic, 0), 'rs[0].bestMask vs truth(pic, 0)');
    expectIoU(rs[1].bestMask, truth(pic, 1), 'rs[1].bestMask vs truth(pic, 1)');
    for (const r of rs) expect(r.scores[r.best]).toBeGreaterThan(0.8);
  });
});

describe('demo model, sam family (generated into a temp dir)', () => {
  let dir: string;
  let demo: SamDemo;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'maskql-demo-sam-'));
    generateDemoModel(join(dir, 'demo-sam'), 'sam');
    demo = await SamDemo.load(join(dir, 'demo-sam'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('declares in model.json exactly the inputs and outputs of its graphs', () => {
    for (const part of ['encoder', 'decoder'] as const) {
      const s = part === 'encoder' ? demo.encoder : demo.decoder;
      const io = demo.manifest.io[part];
      expect(s.inputNames).toEqual(Object.keys(io.inputs));
      expect(s.outputNames).toEqual(Object.keys(io.outputs));
      for (const m of [...s.inputMetadata, ...s.outputMetadata]) {
        const spec = io.inputs[m.name] ?? io.outputs[m.name];
        if (m.isTensor) expect({ type: m.type, shape: m.shape }).toEqual(spec);
      }
    }
    expect(demo.manifest).toMatchObject({
      name: 'demo-sam',
      family: 'sam',
      preprocessing: { resize: 'longest', pixelScale: 255, mean: [123.675, 116.28, 103.53] },
    });
  });

  it('a click selects the shape under it (320x240), masks at the original size', async () => {
    const pic = scene320();
    const r = await demo.segment(pic, { points: [[80, 80]] });
    expect(r.out.masks.dims).toEqual([1, 4, 240, 320]);
    expect(r.out.low_res_masks.dims).toEqual([1, 4, 256, 256]);
    expect(r.out.iou_predictions.dims).toEqual([1, 4]);
    expectIoU(r.full(0), truth(pic, 0), 'r.full(0) vs truth(pic, 0)');
    expectIoU(r.bestMask, truth(pic, 0), 'r.bestMask vs truth(pic, 0)');
    expect(count(r.bestMask, truth(pic, 1))).toBe(0);
    expect(r.scores[r.best]).toBeGreaterThan(0.8);
    expect(r.scores[0]).toBe(r.scores[2]); // index 0 = the medium mask
  });

  it('odd portrait size (257x391), the official post-processing matches upsampling by hand', async () => {
    const pic = scene257();
    for (const [pt, shape] of [
      [[90, 100], 0],
      [[60, 330], 1],
      [[170, 280], 2],
    ] as const) {
      const r = await demo.segment(pic, { points: [[pt[0], pt[1]]] });
      expect(r.out.masks.dims).toEqual([1, 4, 391, 257]);
      expectIoU(r.bestMask, truth(pic, shape), 'r.bestMask vs truth(pic, shape)');
    }
    // masks == low_res_masks upsampled to 1024, cropped to the resized image, resized to H x W.
    const r = await demo.segment(pic, { points: [[90, 100]] });
    const s = 1024 / 391;
    const [ch, cw] = [Math.floor(391 * s + 0.5), Math.floor(257 * s + 0.5)];
    const low = r.lowRes(0);
    // Upsample 256 -> 1024 (as floats), crop, then resize to 391x257 and threshold.
    const up = new Float32Array(1024 * 1024);
    for (let y = 0; y < 1024; y++) {
      const sy = Math.min(Math.max((y + 0.5) / 4 - 0.5, 0), 255);
      const y0 = Math.floor(sy);
      const y1 = Math.min(y0 + 1, 255);
      for (let x = 0; x < 1024; x++) {
        const sx = Math.min(Math.max((x + 0.5) / 4 - 0.5, 0), 255);
        const x0 = Math.floor(sx);
        const x1 = Math.min(x0 + 1, 255);
        const fx = sx - x0;
        const fy = sy - y0;
        up[y * 1024 + x] =
          (1 - fy) * ((1 - fx) * low[y0 * 256 + x0] + fx * low[y0 * 256 + x1]) +
          fy * ((1 - fx) * low[y1 * 256 + x0] + fx * low[y1 * 256 + x1]);
      }
    }
    const crop = new Float32Array(ch * cw);
    for (let y = 0; y < ch; y++) crop.set(up.subarray(y * 1024, y * 1024 + cw), y * cw);
    const byHand = upsampleThreshold(crop, ch, cw, 391, 257);
    let differ = 0;
    const mine = r.full(0);
    for (let i = 0; i < mine.length; i++) if (mine[i] !== byHand[i]) differ++;
    expect(differ).toBeLessThanOrEqual(2); // float rounding exactly at 0 only
  });

  it('box (no padding point), box-bounded click, negative point', async () => {
    const pic = scene320();
    const byBox = await demo.segment(pic, { box: [183, 23, 277, 117] });
    expectIoU(byBox.bestMask, truth(pic, 2), 'byBox.bestMask vs truth(pic, 2)');
    const bounded = await demo.segment(pic, { points: [[80, 80]], box: [20, 30, 90, 130] });
    const redInBox = truth(pic, 0).map((v, i) => (v && i % 320 < 90 ? 1 : 0));
    expectIoU(bounded.bestMask, redInBox, 'bounded.bestMask vs redInBox');

    const t = touching();
    const cut = await demo.segment(t, { points: [[110, 120], [210, 120]], labels: [1, 0] });
    expectIoU(cut.bestMask, truth(t, 0), 'cut.bestMask vs truth(t, 0)');
  });

  it('mask_input alone reproduces the previous low-res mask', async () => {
    const pic = scene320();
    const first = await demo.segment(pic, { points: [[230, 70]] });
    const again = await demo.segment(pic, {}, Float32Array.from(first.lowRes(first.best)));
    expectIoU(again.bestMask, first.bestMask, 'again.bestMask vs first.bestMask', 0.99);
  });
});

describe('committed demo model', () => {
  it('models/demo equals what the generator writes now', () => {
    const fresh = buildDemoModel('sam2', 'demo');
    const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    for (const [file, bytes] of Object.entries(fresh.files)) {
      const committed = readFileSync(join(DEMO_DIR, file));
      expect(sha(committed), `${file} is stale: run the generator (scripts/models/generate-demo.ts)`).toBe(sha(bytes));
    }
  });

  it('generateDemoModel writes the same bytes as buildDemoModel, and each graph stays small', () => {
    const dir = mkdtempSync(join(tmpdir(), 'maskql-demo-'));
    try {
      const model = generateDemoModel(join(dir, 'demo'), 'sam2');
      for (const [file, bytes] of Object.entries(model.files)) {
        expect(Buffer.compare(readFileSync(join(dir, 'demo', file)), Buffer.from(bytes))).toBe(0);
        expect(bytes.length).toBeLessThan(2_000_000);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
