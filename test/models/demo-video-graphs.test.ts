/**
 * Runs the demo model's four SAM 2 video modules (video_encoder, video_decoder, memory_attention,
 * memory_encoder) directly in onnxruntime-node, with a small tracking loop written here the way
 * the engine's tracker calls them (prompted frame: decoder on pix_feat with the prompt; other
 * frames: memory attention over the object's memory bank, then the decoder with one padding
 * point; the memory encoder after every decode). The bank's inputs are assembled by the engine's
 * MemoryBank, so the graphs are checked against the real assembly of memory_pos_embed.
 *
 * Frames are drawn in memory: moving discs, antialiased, with a little deterministic noise.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DemoManifest } from '../../scripts/models/generate-demo.js';
import { MAX_OBJ_PTRS, MemoryBank, type BankShape } from '../../src/engine/tracking/memory-bank.js';
import { iou } from '../support/draw.js';
import { upsampleThreshold } from '../support/upsample.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEMO_DIR = join(ROOT, 'models', 'demo');
const GRAPHS = ['video_encoder', 'video_decoder', 'memory_attention', 'memory_encoder'] as const;
type GraphName = (typeof GRAPHS)[number];
type Tensors = ort.InferenceSession.OnnxValueMapType;

// ---------------------------------------------------------------------------------------------
// Frames: discs moving on their own paths over a light background.

type RGB = [number, number, number];
interface Disc {
  colour: RGB;
  r: number;
  /** Centre on frame i, or null when the disc is not drawn (occluded) on that frame. */
  at(i: number): [number, number] | null;
}

const W = 320;
const H = 240;
const BACKGROUND: RGB = [235, 235, 225];
const RED: RGB = [210, 40, 40];
const BLUE: RGB = [40, 70, 210];

/** RGB frame, antialiased by 4x4 supersampling, plus deterministic noise of +-3 levels. */
function drawFrame(discs: Disc[], i: number): Uint8Array {
  const rgb = new Uint8Array(W * H * 3);
  const S = 4;
  const centres = discs.map((d) => d.at(i));
  let seed = 12345 + i * 7919;
  const noise = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return (seed % 7) - 3;
  };
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const acc = [0, 0, 0];
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const px = x + (sx + 0.5) / S;
          const py = y + (sy + 0.5) / S;
          let c = BACKGROUND;
          discs.forEach((d, k) => {
            const ctr = centres[k];
            if (ctr && (px - ctr[0]) ** 2 + (py - ctr[1]) ** 2 < d.r * d.r) c = d.colour;
          });
          for (let k = 0; k < 3; k++) acc[k] += c[k];
        }
      }
      for (let k = 0; k < 3; k++) rgb[(y * W + x) * 3 + k] = Math.min(255, Math.max(0, Math.round(acc[k] / (S * S)) + noise()));
    }
  }
  return rgb;
}

/** Pixels (by centre) of disc k on frame i, not covered by a later disc. */
function truth(discs: Disc[], k: number, i: number): Uint8Array {
  const m = new Uint8Array(W * H);
  const centres = discs.map((d) => d.at(i));
  const inside = (j: number, x: number, y: number) => {
    const c = centres[j];
    return !!c && (x - c[0]) ** 2 + (y - c[1]) ** 2 < discs[j].r ** 2;
  };
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if (!inside(k, x + 0.5, y + 0.5)) continue;
      let covered = false;
      for (let j = k + 1; j < discs.length; j++) if (inside(j, x + 0.5, y + 0.5)) covered = true;
      if (!covered) m[y * W + x] = 1;
    }
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// Engine-side pre/post-processing, written here from the contract.

async function preprocess(rgb: Uint8Array, manifest: DemoManifest): Promise<ort.Tensor> {
  const { inputSize: S, mean, std } = manifest.preprocessing;
  const buf = await sharp(Buffer.from(rgb), { raw: { width: W, height: H, channels: 3 } })
    .resize(S, S, { fit: 'fill' })
    .raw()
    .toBuffer();
  const data = new Float32Array(3 * S * S);
  for (let p = 0; p < S * S; p++) for (let c = 0; c < 3; c++) data[c * S * S + p] = (buf[p * 3 + c] / 255 - mean[c]) / std[c];
  return new ort.Tensor('float32', data, [1, 3, S, S]);
}

/** Bilinear (align_corners=False) resize of [h0,w0] logits to the frame, thresholded at 0. */
function toFrameMask(plane: Float32Array, h0: number, w0: number): Uint8Array {
  return upsampleThreshold(plane, h0, w0, H, W);
}

const f32 = (t: ort.Tensor) => t.data as Float32Array;

interface StepResult {
  /** Mask on the frame, null when occ_logit <= 0 (the object is absent). */
  mask: Uint8Array | null;
  occ: number;
  score: number;
  nMem: number;
  nPtr: number;
}

/** The four sessions and a tracking loop over them, as the engine's tracker runs them. */
class VideoDemo {
  shape?: BankShape;
  readonly ms: Record<GraphName, number[]> = { video_encoder: [], video_decoder: [], memory_attention: [], memory_encoder: [] };

  constructor(
    readonly manifest: DemoManifest,
    readonly sessions: Record<GraphName, ort.InferenceSession>,
  ) {}

  static async load(dir: string): Promise<VideoDemo> {
    const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as DemoManifest;
    const sessions = {} as Record<GraphName, ort.InferenceSession>;
    for (const g of GRAPHS) sessions[g] = await ort.InferenceSession.create(join(dir, manifest.files[g]!));
    return new VideoDemo(manifest, sessions);
  }

  private async run(graph: GraphName, feeds: Record<string, ort.Tensor>): Promise<Tensors> {
    const t0 = performance.now();
    const out = await this.sessions[graph].run(feeds);
    this.ms[graph].push(performance.now() - t0);
    return out;
  }

  async encode(rgb: Uint8Array): Promise<Tensors> {
    return this.run('video_encoder', { image: await preprocess(rgb, this.manifest) });
  }

  /** One object on one frame: prompted (a click, frame pixels) or from its memory bank. */
  async step(bank: MemoryBank, t: number, dir: 1 | -1, feats: Tensors, click?: [number, number]): Promise<StepResult> {
    let imageEmbed = feats.pix_feat;
    let nMem = 0;
    let nPtr = 0;
    if (!click) {
      const m = bank.inputs(t, dir, this.shape!, 1000);
      if (!m) throw new Error(`nothing to track from on frame ${t}`);
      ({ nMem, nPtr } = m);
      const { memDim, ptrDim } = this.shape!;
      const out = await this.run('memory_attention', {
        current_vision_feat: feats.vision_feats,
        current_vision_pos_embed: feats.vision_pos_embed,
        memory_0: new ort.Tensor('float32', m.objPtrs, [1, m.nPtr, ptrDim]),
        memory_1: new ort.Tensor('float32', m.memories, [1, m.nMem, memDim, 64, 64]),
        memory_pos_embed: new ort.Tensor('float32', m.posEmbed, [1, m.posRows, memDim]),
        cond_frame_id_diff: new ort.Tensor('float32', Float32Array.of(m.condFrameDistance), []),
      });
      imageEmbed = out.image_embed;
    }
    const S = this.manifest.preprocessing.inputSize;
    const coords = click ? Float32Array.of((click[0] * S) / W, (click[1] * S) / H) : Float32Array.of(0, 0);
    const dec = await this.run('video_decoder', {
      point_coords: new ort.Tensor('float32', coords, [1, 1, 2]),
      point_labels: new ort.Tensor('float32', Float32Array.of(click ? 1 : -1), [1, 1]),
      image_embed: imageEmbed,
      high_res_feats_0: feats.high_res_feat0,
      high_res_feats_1: feats.high_res_feat1,
    });
    const enc = await this.run('memory_encoder', { mask_for_mem: dec.mask_for_mem, pix_feat: feats.pix_feat, occ_logit: dec.occ_logit });
    if (!this.shape) {
      const tc = enc.temporal_code;
      const [, memTokens, memDim] = enc.maskmem_pos_enc.dims as number[];
      this.shape = { temporalCode: f32(tc).slice(), numMaskmem: tc.dims[0], memDim, memTokens, ptrDim: dec.obj_ptr.dims[1] };
    }
    bank.add(
      { frame: t, features: f32(enc.maskmem_features).slice(), posEnc: f32(enc.maskmem_pos_enc).slice(), objPtr: f32(dec.obj_ptr).slice() },
      !!click,
    );
    const occ = f32(dec.occ_logit)[0];
    const [, , lh, lw] = dec.pred_mask.dims as number[];
    return { mask: occ > 0 ? toFrameMask(f32(dec.pred_mask), lh, lw) : null, occ, score: f32(dec.iou)[0], nMem, nPtr };
  }

  /**
   * Prompts every disc with a click at its centre on frame `start`, then tracks them all over
   * `count` frames in direction `dir`. Returns per frame, per disc, the step result.
   */
  async track(discs: Disc[], start: number, count: number, dir: 1 | -1, frames = (i: number) => drawFrame(discs, i)) {
    const banks = discs.map(() => new MemoryBank());
    const results: { frame: number; objects: StepResult[]; bankBytes: number[] }[] = [];
    for (let k = 0; k < count; k++) {
      const t = start + k * dir;
      const feats = await this.encode(frames(t));
      const objects: StepResult[] = [];
      for (let d = 0; d < discs.length; d++) {
        const click = k === 0 ? (discs[d].at(t) ?? undefined) : undefined;
        objects.push(await this.step(banks[d], t, dir, feats, click));
      }
      for (const b of banks) b.prune(t, start);
      results.push({ frame: t, objects, bankBytes: banks.map((b) => b.bytes()) });
    }
    return results;
  }
}

function expectTracked(discs: Disc[], results: Awaited<ReturnType<VideoDemo['track']>>, min = 0.85, label = ''): number {
  let worst = 1;
  for (const r of results) {
    r.objects.forEach((o, k) => {
      const v = o.mask ? iou(o.mask, truth(discs, k, r.frame)) : 0;
      worst = Math.min(worst, v);
      if (process.env.DEMO_DEBUG) console.log(`${label} frame ${r.frame} disc ${k}: IoU ${v.toFixed(3)} occ ${o.occ} score ${o.score.toFixed(3)} nMem ${o.nMem}`);
      expect(v, `${label} disc ${k} on frame ${r.frame}`).toBeGreaterThanOrEqual(min);
    });
  }
  return worst;
}

// ---------------------------------------------------------------------------------------------

/** Two discs of different colours, on paths moving up to about 5 px per frame. */
const twoDiscs: Disc[] = [
  { colour: RED, r: 28, at: (i) => [60 + 4 * i, 70 + 40 * Math.sin(i / 8)] },
  { colour: BLUE, r: 24, at: (i) => [270 - 3.5 * i, 170 - 30 * Math.sin(i / 10)] },
];
const FRAMES = 24;

describe('demo model, SAM 2 video modules', () => {
  let demo: VideoDemo;
  beforeAll(async () => {
    demo = await VideoDemo.load(DEMO_DIR);
  });

  it('declares the four video graphs in model.json, with exactly their inputs and outputs', () => {
    const m = demo.manifest;
    expect(m.capabilities.video).toBe(true);
    expect(m.family).toBe('sam2');
    for (const g of GRAPHS) {
      expect(m.files[g]).toBe(`${g}.onnx`);
      const io = m.io[g]!;
      const s = demo.sessions[g];
      expect(s.inputNames).toEqual(Object.keys(io.inputs));
      expect(s.outputNames).toEqual(Object.keys(io.outputs));
      for (const meta of [...s.inputMetadata, ...s.outputMetadata]) {
        const spec = io.inputs[meta.name] ?? io.outputs[meta.name];
        if (meta.isTensor) expect({ type: meta.type, shape: meta.shape }, `${g}.${meta.name}`).toEqual(spec);
      }
    }
  });

  it('tracks two discs forward from a click on frame 0 (IoU >= 0.85 on every frame), memory stays bounded', async () => {
    const results = await demo.track(twoDiscs, 0, 40, 1);
    const worst = expectTracked(twoDiscs, results, 0.85, 'forward');
    expect(worst).toBeGreaterThanOrEqual(0.85);
    for (const r of results) {
      for (const o of r.objects) {
        expect(o.occ).toBeGreaterThan(0);
        expect(o.score).toBeGreaterThan(0.5);
        expect(o.nMem).toBeLessThanOrEqual(7);
        expect(o.nPtr).toBeLessThanOrEqual(MAX_OBJ_PTRS);
      }
    }
    // The bank holds at most the conditioning frame, the last MAX_OBJ_PTRS + 1 frames, and the
    // MAX_OBJ_PTRS + 1 frames from the pass's start (for the backward half of a BOTH pass).
    const entry = (64 * 64 * 8 + 4096 * 8 + 8) * 4;
    for (const r of results) for (const b of r.bankBytes) expect(b).toBeLessThanOrEqual((2 * MAX_OBJ_PTRS + 3) * entry);
    const last = results.at(-1)!.bankBytes;
    expect(last[0]).toBe(results.at(-2)!.bankBytes[0]); // steady state: growth stopped
    if (process.env.DEMO_DEBUG) {
      const avg = (xs: number[]) => (xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(1);
      for (const g of GRAPHS) console.log(`${g}: ${avg(demo.ms[g])} ms per call (${demo.ms[g].length} calls)`);
    }
  }, 240_000); // 40 frames: a loaded machine must not turn this into a timeout

  it('tracks backward from a click on the last frame', async () => {
    const results = await demo.track(twoDiscs, FRAMES - 1, FRAMES, -1);
    expectTracked(twoDiscs, results, 0.85, 'backward');
  });

  it('keeps two far-apart discs of the same colour apart', async () => {
    const twins: Disc[] = [
      { colour: RED, r: 26, at: (i) => [70 + 3 * i, 80 + 2 * i] },
      { colour: RED, r: 26, at: (i) => [250 - 3 * i, 170 - 2 * i] },
    ];
    const results = await demo.track(twins, 0, 16, 1);
    expectTracked(twins, results, 0.85, 'twins');
  });

  it('reports an occluded disc as absent (occ_logit <= 0) and picks it up again when it reappears nearby', async () => {
    const hidden = (i: number) => i === 6 || i === 7;
    const discs: Disc[] = [
      { colour: RED, r: 28, at: (i) => (hidden(i) ? null : [80 + 3 * i, 110]) },
      { colour: BLUE, r: 24, at: (i) => [250, 60 + 3 * i] },
    ];
    const results = await demo.track(discs, 0, 12, 1);
    for (const r of results) {
      const red = r.objects[0];
      if (hidden(r.frame)) {
        expect(red.occ, `frame ${r.frame}`).toBeLessThanOrEqual(0);
        expect(red.mask).toBeNull();
      } else {
        expect(iou(red.mask!, truth(discs, 0, r.frame)), `red on frame ${r.frame}`).toBeGreaterThanOrEqual(0.85);
      }
      expect(iou(r.objects[1].mask!, truth(discs, 1, r.frame)), `blue on frame ${r.frame}`).toBeGreaterThanOrEqual(0.85);
    }
  });

  it('the decoder batches objects: N prompts on one frame (image_embed batch 1), N tracked embeddings', async () => {
    const feats = await demo.encode(drawFrame(twoDiscs, 0));
    const decode = (coords: number[], labels: number[], n: number, imageEmbed: ort.Tensor) =>
      demo.sessions.video_decoder.run({
        point_coords: new ort.Tensor('float32', Float32Array.from(coords), [n, labels.length / n, 2]),
        point_labels: new ort.Tensor('float32', Float32Array.from(labels), [n, labels.length / n]),
        image_embed: imageEmbed,
        high_res_feats_0: feats.high_res_feat0,
        high_res_feats_1: feats.high_res_feat1,
      });
    const clicks = twoDiscs.map((d) => d.at(0)!).map(([x, y]) => [(x * 1024) / W, (y * 1024) / H]);
    const together = await decode(clicks.flat(), [1, 1], 2, feats.pix_feat);
    expect(together.pred_mask.dims).toEqual([2, 1, 256, 256]);
    expect(together.obj_ptr.dims).toEqual([2, 8]);
    const plane = (t: ort.Tensor, n: number) => f32(t).subarray(n * 65536, (n + 1) * 65536);
    const embeds: Float32Array[] = [];
    for (let n = 0; n < 2; n++) {
      const alone = await decode(clicks[n], [1], 1, feats.pix_feat);
      expect(Array.from(plane(together.pred_mask, n))).toEqual(Array.from(plane(alone.pred_mask, 0)));
      // Each object's memory, then memory attention on the next frame.
      const enc = await demo.sessions.memory_encoder.run({ mask_for_mem: alone.mask_for_mem, pix_feat: feats.pix_feat, occ_logit: alone.occ_logit });
      const bank = new MemoryBank();
      bank.add({ frame: 0, features: f32(enc.maskmem_features), posEnc: f32(enc.maskmem_pos_enc), objPtr: f32(alone.obj_ptr) }, true);
      const shape: BankShape = { temporalCode: f32(enc.temporal_code), numMaskmem: 7, memDim: 8, memTokens: 4096, ptrDim: 8 };
      const m = bank.inputs(1, 1, shape, 1000)!;
      const next = await demo.encode(drawFrame(twoDiscs, 1));
      const att = await demo.sessions.memory_attention.run({
        current_vision_feat: next.vision_feats,
        current_vision_pos_embed: next.vision_pos_embed,
        memory_0: new ort.Tensor('float32', m.objPtrs, [1, m.nPtr, 8]),
        memory_1: new ort.Tensor('float32', m.memories, [1, m.nMem, 8, 64, 64]),
        memory_pos_embed: new ort.Tensor('float32', m.posEmbed, [1, m.posRows, 8]),
        cond_frame_id_diff: new ort.Tensor('float32', Float32Array.of(1), []),
      });
      embeds.push(f32(att.image_embed));
    }
    const next = await demo.encode(drawFrame(twoDiscs, 1));
    const both = new ort.Tensor('float32', Float32Array.from([...embeds[0], ...embeds[1]]), [2, 52, 64, 64]);
    const tracked = await demo.sessions.video_decoder.run({
      point_coords: new ort.Tensor('float32', new Float32Array(4), [2, 1, 2]),
      point_labels: new ort.Tensor('float32', Float32Array.of(-1, -1), [2, 1]),
      image_embed: both,
      high_res_feats_0: next.high_res_feat0,
      high_res_feats_1: next.high_res_feat1,
    });
    for (let n = 0; n < 2; n++) {
      const mask = toFrameMask(plane(tracked.pred_mask, n), 256, 256);
      expect(iou(mask, truth(twoDiscs, n, 1)), `object ${n}`).toBeGreaterThanOrEqual(0.9);
      expect(f32(tracked.occ_logit)[n]).toBeGreaterThan(0);
    }
  });

  it('a prompt on a later frame conditions tracking again (a second conditioning frame)', async () => {
    // Frames 0..9 forward from a click on 0, then a new click on frame 10, then 11..15 from memory.
    const disc: Disc[] = [twoDiscs[0]];
    const bank = new MemoryBank();
    for (let t = 0; t < 16; t++) {
      const feats = await demo.encode(drawFrame(disc, t));
      const click = t === 0 || t === 10 ? (disc[0].at(t) ?? undefined) : undefined;
      const r = await demo.step(bank, t, 1, feats, click);
      bank.prune(t);
      expect(iou(r.mask!, truth(disc, 0, t)), `frame ${t}`).toBeGreaterThanOrEqual(0.85);
    }
    expect(bank.cond.size).toBe(2);
  });

  it('finds an object by appearance far from where its memory saw it: a click 24 frames away, tracked toward it', async () => {
    // Clicks on frame 24 only; the pass runs forward from frame 0, so frame 0's only memory is
    // the conditioning frame 24 frames ahead (the discs moved 60-100 px since). Then onward.
    const banks = twoDiscs.map(() => new MemoryBank());
    const feats24 = await demo.encode(drawFrame(twoDiscs, 24));
    for (let d = 0; d < 2; d++) await demo.step(banks[d], 24, 1, feats24, twoDiscs[d].at(24)!);
    const results: Awaited<ReturnType<VideoDemo['track']>> = [];
    for (let t = 0; t < 8; t++) {
      const feats = await demo.encode(drawFrame(twoDiscs, t));
      const objects: StepResult[] = [];
      for (let d = 0; d < 2; d++) objects.push(await demo.step(banks[d], t, 1, feats));
      for (const b of banks) b.prune(t, 0);
      results.push({ frame: t, objects, bankBytes: [] });
    }
    expect(results[0].objects[0].nMem).toBe(1); // the conditioning frame only
    expect(results[0].objects[0].nPtr).toBe(0); // its pointer is ahead in the direction of travel
    expectTracked(twoDiscs, results, 0.85, 'from afar');
  });

  it('temporal codes follow SAM 2: the previous frame reads code 0, conditioning frames the last', async () => {
    const feats = await demo.encode(drawFrame(twoDiscs, 0));
    const bank = new MemoryBank();
    await demo.step(bank, 0, 1, feats, twoDiscs[0].at(0)!);
    const { temporalCode, numMaskmem, memDim, memTokens } = demo.shape!;
    const code = (j: number) => temporalCode[j * memDim + 7];
    expect(code(numMaskmem - 1)).toBe(0);
    expect(code(0)).toBe(1);
    expect(code(5)).toBeCloseTo(1 / 6);
    // Frame 1 tracked, then frame 2: memories are [cond 0 (code 6), frame 1 (1 back: code 0)].
    const r1 = await demo.step(bank, 1, 1, await demo.encode(drawFrame(twoDiscs, 1)));
    expect(r1.nMem).toBe(1);
    const m = bank.inputs(2, 1, demo.shape!, 1000)!;
    expect(m.nMem).toBe(2);
    expect(m.posEmbed[0 * memTokens * memDim + 7]).toBe(0);
    expect(m.posEmbed[1 * memTokens * memDim + 7]).toBe(1);
  });
});
