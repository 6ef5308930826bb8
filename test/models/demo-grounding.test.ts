/**
 * Runs the demo grounding model (OWL-ViT layout) in onnxruntime-node: the engine's preprocessing
 * and CLIP tokenizer, then sigmoid, a threshold and greedy NMS written here, on a picture of flat
 * red squares and blue discs.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  COLOUR_WORDS,
  GROUNDING_CELLS,
  GROUNDING_PATCH,
  NUM_QUERIES,
  QUERY_GRID,
  SHAPE_WORDS,
} from '../../scripts/models/demo-grounding.js';
import {
  buildDemoGrounding,
  buildDemoModel,
  generateDemoGrounding,
  type GroundingManifest,
} from '../../scripts/models/generate-demo.js';
import { preprocess } from '../../src/engine/preprocess.js';
import { ClipTokenizer } from '../../src/engine/text/clip-tokenizer.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MODELS = join(ROOT, 'models');

type Box = [number, number, number, number]; // x0, y0, x1, y1 in picture pixels

const W = 320;
const H = 240;
const SQUARES: Box[] = [
  [30, 30, 80, 80],
  [200, 40, 260, 100],
  [120, 150, 165, 195],
];
const DISCS: [number, number, number][] = [
  [140, 70, 28],
  [260, 180, 30],
];
const DISC_BOXES: Box[] = DISCS.map(([x, y, r]) => [x - r, y - r, x + r, y + r]);

function sceneSvg(): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">` +
    `<rect width="${W}" height="${H}" fill="rgb(236,236,230)"/>` +
    SQUARES.map(([x0, y0, x1, y1]) => `<rect x="${x0}" y="${y0}" width="${x1 - x0}" height="${y1 - y0}" fill="rgb(210,40,40)"/>`).join('') +
    DISCS.map(([x, y, r]) => `<circle cx="${x}" cy="${y}" r="${r}" fill="rgb(40,70,210)"/>`).join('') +
    '</svg>'
  );
}

async function rgbOf(svg: string, jpegQuality?: number): Promise<Buffer> {
  let png = await sharp(Buffer.from(svg)).png().toBuffer();
  if (jpegQuality) png = await sharp(png).jpeg({ quality: jpegQuality }).toBuffer();
  return sharp(png).removeAlpha().raw().toBuffer();
}

function boxIoU(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const iy = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = ix * iy;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

interface Detection {
  score: number;
  box: Box;
}

interface Output {
  /** [Q][P] logits. */
  logits: Float32Array;
  /** [Q][4] (cx, cy, w, h), normalised. */
  boxes: Float32Array;
  phrases: number;
  ms: number;
}

class Grounding {
  private constructor(
    readonly manifest: GroundingManifest,
    readonly session: ort.InferenceSession,
    readonly tokenizer: ClipTokenizer,
  ) {}

  static async load(dir: string): Promise<Grounding> {
    const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as GroundingManifest;
    const session = await ort.InferenceSession.create(join(dir, manifest.files.detector));
    const tokenizer = await ClipTokenizer.load(join(dir, manifest.files.vocab), join(dir, manifest.files.merges), { padId: manifest.text.padId });
    return new Grounding(manifest, session, tokenizer);
  }

  async pixels(rgb: Buffer): Promise<ort.Tensor> {
    const pre = this.manifest.preprocessing;
    const data = await preprocess({ kind: 'raw', data: rgb, width: W, height: H, channels: 3 }, pre, W, H);
    return new ort.Tensor('float32', data, [1, 3, pre.inputSize, pre.inputSize]);
  }

  async run(pixels: ort.Tensor, phrases: string[]): Promise<Output> {
    const L = this.manifest.text.maxLength;
    const t = this.tokenizer.encodeBatch(phrases, L);
    const t0 = performance.now();
    const out = await this.session.run({
      input_ids: new ort.Tensor('int64', t.inputIds, [phrases.length, L]),
      attention_mask: new ort.Tensor('int64', t.attentionMask, [phrases.length, L]),
      pixel_values: pixels,
    });
    const ms = performance.now() - t0;
    expect(out.logits.dims).toEqual([1, NUM_QUERIES, phrases.length]);
    expect(out.pred_boxes.dims).toEqual([1, NUM_QUERIES, 4]);
    return { logits: out.logits.data as Float32Array, boxes: out.pred_boxes.data as Float32Array, phrases: phrases.length, ms };
  }

  /** Sigmoid > threshold, then greedy NMS at IoU 0.5, per phrase; boxes in picture pixels. */
  static detections(o: Output, threshold = 0.5): Detection[][] {
    return Array.from({ length: o.phrases }, (_, p) => {
      const cands: Detection[] = [];
      for (let q = 0; q < NUM_QUERIES; q++) {
        const score = sigmoid(o.logits[q * o.phrases + p]);
        if (score <= threshold) continue;
        const [cx, cy, w, h] = o.boxes.subarray(q * 4, q * 4 + 4);
        cands.push({ score, box: [(cx - w / 2) * W, (cy - h / 2) * H, (cx + w / 2) * W, (cy + h / 2) * H] });
      }
      cands.sort((a, b) => b.score - a.score);
      const kept: Detection[] = [];
      for (const c of cands) if (kept.every((k) => boxIoU(k.box, c.box) < 0.5)) kept.push(c);
      return kept;
    });
  }

  async detect(pixels: ort.Tensor, phrase: string): Promise<Detection[]> {
    return Grounding.detections(await this.run(pixels, [phrase]))[0];
  }
}

/** Each detection matches a different one of `truths` at box IoU >= 0.8, and every truth is found. */
function expectMatches(found: Detection[], truths: Box[], label: string): void {
  const ious = found.map((d) => Math.max(...truths.map((t) => boxIoU(d.box, t))));
  if (process.env.DEMO_DEBUG) console.log(label, found.map((d, i) => `${d.score.toFixed(3)} [${d.box.map((v) => v.toFixed(1))}] IoU ${ious[i].toFixed(3)}`));
  expect(found.length, label).toBe(truths.length);
  for (const t of truths) expect(Math.max(...found.map((d) => boxIoU(d.box, t))), `${label}: [${t}]`).toBeGreaterThanOrEqual(0.8);
  for (const d of found) expect(d.score, label).toBeGreaterThan(0.9);
}

describe('demo grounding model (generated into a temp dir)', () => {
  let dir: string;
  let model: Grounding;
  let pixels: ort.Tensor;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'maskql-grounding-'));
    generateDemoGrounding(join(dir, 'demo-grounding'));
    model = await Grounding.load(join(dir, 'demo-grounding'));
    pixels = await model.pixels(await rgbOf(sceneSvg()));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('declares in model.json exactly the inputs and outputs of its graph', () => {
    const s = model.session;
    const io = model.manifest.io.detector;
    expect(s.inputNames).toEqual(Object.keys(io.inputs));
    expect(s.outputNames).toEqual(Object.keys(io.outputs));
    for (const m of [...s.inputMetadata, ...s.outputMetadata]) {
      const spec = io.inputs[m.name] ?? io.outputs[m.name];
      if (m.isTensor) expect({ type: m.type, shape: m.shape }).toEqual(spec);
    }
    expect(model.manifest).toMatchObject({
      name: 'demo-grounding',
      family: 'grounding',
      files: { detector: 'detector.onnx', vocab: 'vocab.json', merges: 'merges.txt' },
      preprocessing: { inputSize: 768, resize: 'square', pixelScale: 1, mean: [0.48145466, 0.4578275, 0.40821073] },
      text: { maxLength: 16, padId: 0 },
      capabilities: { points: false, box: false, maskInput: false, multimask: false, video: false, text: true },
    });
    expect(QUERY_GRID * GROUNDING_PATCH).toBe(768);
    expect(GROUNDING_CELLS).toBe(192);
  });

  it('its vocabulary: byte-level base tokens, specials last, each colour and shape word one token', () => {
    const tok = model.tokenizer;
    expect(tok.tokenId('!')).toBe(0);
    expect(tok.tokenId('a</w>')).toBe(256 + 64);
    expect(tok.endId).toBe(tok.vocabSize - 1);
    expect(tok.startId).toBe(tok.vocabSize - 2);
    for (const word of [...Object.keys(COLOUR_WORDS), ...Object.keys(SHAPE_WORDS)]) {
      expect(tok.encode(word), word).toEqual([tok.tokenId(`${word}</w>`)]);
    }
    expect(tok.encode('Blue DISC')).toEqual([tok.tokenId('blue</w>'), tok.tokenId('disc</w>')]);
    expect(tok.encode('zzz')).toEqual([89, 89, 256 + 89]); // no merges: byte-level tokens, "z" = 89
    expect(tok.encode('zebra').length).toBeGreaterThan(1); // pieces, no word
  });

  it('"red" finds the three squares, "blue" and "blue disc" the two discs', async () => {
    expectMatches(await model.detect(pixels, 'red'), SQUARES, 'red');
    expectMatches(await model.detect(pixels, 'blue'), DISC_BOXES, 'blue');
    expectMatches(await model.detect(pixels, 'blue disc'), DISC_BOXES, 'blue disc');
    expectMatches(await model.detect(pixels, 'a red square'), SQUARES, 'a red square');
    expectMatches(await model.detect(pixels, 'Circles'), DISC_BOXES, 'Circles');
    expectMatches(await model.detect(pixels, 'shape'), [...SQUARES, ...DISC_BOXES], 'shape');
  });

  it('"red disc", "purple", "zebra", "white" find nothing; unknown words and the background score very low', async () => {
    for (const phrase of ['red disc', 'blue square', 'purple', 'green', 'zebra', 'white', 'the']) {
      expect(await model.detect(pixels, phrase), phrase).toEqual([]);
    }
    const o = await model.run(pixels, ['zebra', 'white', 'gray', 'shape']);
    const maxScore = (p: number, queries: number[]) => Math.max(...queries.map((q) => sigmoid(o.logits[q * o.phrases + p])));
    const all = Array.from({ length: NUM_QUERIES }, (_, q) => q);
    expect(maxScore(0, all)).toBeLessThan(0.05); // no known word
    expect(maxScore(1, all)).toBeLessThan(0.05); // the light background is background
    expect(maxScore(2, all)).toBeLessThan(0.05);
    // Queries whose patch centre lies on the background (away from every shape), for "shape".
    const onBackground = all.filter((q) => {
      const x = (((q % QUERY_GRID) + 0.5) * W) / QUERY_GRID;
      const y = ((Math.floor(q / QUERY_GRID) + 0.5) * H) / QUERY_GRID;
      const near = (b: Box) => x > b[0] - 6 && x < b[2] + 6 && y > b[1] - 6 && y < b[3] + 6;
      return ![...SQUARES, ...DISC_BOXES].some(near);
    });
    expect(onBackground.length).toBeGreaterThan(300);
    expect(maxScore(3, onBackground)).toBeLessThan(0.05);
  });

  it('many phrases in one call give the same logits and boxes as one call each', async () => {
    const phrases = ['red', 'blue', 'blue disc', 'red disc', 'purple', 'zebra', 'square'];
    const batch = await model.run(pixels, phrases);
    const dets = Grounding.detections(batch);
    for (const [p, phrase] of phrases.entries()) {
      const one = await model.run(pixels, [phrase]);
      expect(Array.from(one.boxes)).toEqual(Array.from(batch.boxes));
      for (let q = 0; q < NUM_QUERIES; q++) expect(batch.logits[q * phrases.length + p]).toBeCloseTo(one.logits[q], 5);
      expect(dets[p]).toEqual(Grounding.detections(one)[0]);
    }
    expect(dets.map((d) => d.length)).toEqual([3, 2, 2, 0, 0, 0, 3]);
    // Padding beyond a phrase's tokens changes nothing.
    const ids = model.tokenizer.encodeBatch(['red'], 16);
    expect(Array.from(ids.inputIds.subarray(3), Number)).toEqual(new Array(13).fill(0));
  });

  it('survives JPEG compression (quality 70)', async () => {
    const jpeg = await model.pixels(await rgbOf(sceneSvg(), 70));
    expectMatches(await model.detect(jpeg, 'red'), SQUARES, 'red (JPEG)');
    expectMatches(await model.detect(jpeg, 'blue disc'), DISC_BOXES, 'blue disc (JPEG)');
    expect(await model.detect(jpeg, 'red disc')).toEqual([]);
  });

  it('runs in reasonable time (1 and 4 phrases)', async () => {
    const time = async (phrases: string[]) => {
      const ms: number[] = [];
      for (let k = 0; k < 5; k++) ms.push((await model.run(pixels, phrases)).ms);
      return ms.sort((a, b) => a - b)[2];
    };
    const one = await time(['red']);
    const four = await time(['red', 'blue disc', 'square', 'zebra']);
    if (process.env.DEMO_DEBUG) console.log(`detector: ${one.toFixed(1)} ms (1 phrase), ${four.toFixed(1)} ms (4 phrases)`);
    expect(one).toBeLessThan(1000);
    expect(four).toBeLessThan(1000);
  });
});

describe('committed demo grounding model', () => {
  it('models/demo-grounding equals what the generator writes now', () => {
    const fresh = buildDemoGrounding();
    const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    for (const [file, bytes] of Object.entries(fresh.files)) {
      const committed = readFileSync(join(MODELS, 'demo-grounding', file));
      expect(sha(committed), `${file} is stale: run the generator (scripts/models/generate-demo.ts)`).toBe(sha(bytes));
    }
    expect(fresh.files['detector.onnx'].length).toBeLessThan(2_000_000);
  });

  it('the sam2 demo names it and can take text; the sam demo does not', () => {
    const committed = JSON.parse(readFileSync(join(MODELS, 'demo', 'model.json'), 'utf8')) as Record<string, unknown>;
    expect(committed).toMatchObject({ grounding: 'demo-grounding', capabilities: { text: true } });
    const sam = buildDemoModel('sam', 'demo-sam').manifest;
    expect(sam.grounding).toBeUndefined();
    expect(sam.capabilities.text).toBe(false);
    const none = buildDemoModel('sam2', 'x', { grounding: null }).manifest;
    expect(none.grounding).toBeUndefined();
    expect(none.capabilities.text).toBe(false);
  });
});
