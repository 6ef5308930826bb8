// The benchmark model generator (scripts/models/generate-bench.ts): what it writes passes the
// engine's manifest check (each graph's own input/output metadata against model.json and the
// sam2 family contract) and segments through the engine. The reduced variant runs end to end;
// the full-size one (~36 MB, generated in well under a second) is generated and loaded.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_BENCH_CONFIG } from '../../scripts/models/bench-sam2.js';
import { ensureBenchModel, generatorHash } from '../../scripts/models/generate-bench.js';
import { Engine } from '../../src/engine/engine.js';

const silent = { info: () => {}, warn: () => {} };

describe('benchmark model generator', () => {
  let dir: string;
  let engine: Engine;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'maskql-bench-model-'));
    ensureBenchModel(path.join(dir, 'bench-tiny'), { config: TINY_BENCH_CONFIG });
    ensureBenchModel(path.join(dir, 'bench-sam2'));
    engine = await Engine.create({ modelsDir: dir, device: 'cpu', concurrency: 1, threads: 0, embeddingCacheBytes: 64 * 2 ** 20, inferenceTimeoutMs: 60_000, log: silent });
  });
  afterAll(async () => {
    await engine?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a sam2 model that passes the manifest check, at full size and reduced', async () => {
    for (const name of ['bench-tiny', 'bench-sam2']) {
      const m = await engine.model(name);
      expect(m.family.name).toBe('sam2');
      expect(engine.models().find((s) => s.name === name)).toMatchObject({ state: 'loaded' });
    }
    const full = await engine.model('bench-sam2');
    expect(full.manifest.io.encoder!.outputs.image_embed!.shape).toEqual([1, 256, 64, 64]);
    expect(full.manifest.io.decoder!.outputs.masks!.shape).toEqual(['num_labels', 3, 256, 256]);
  });

  it('segments through the engine: a mask around each click, encoder cached', async () => {
    const width = 200;
    const height = 150;
    const image = { key: 'bench-test', width, height, pixels: async () => ({ kind: 'raw' as const, data: Buffer.alloc(width * height * 3, 128), width, height, channels: 3 as const }) };
    const objects = [{ points: [{ x: 50, y: 40, positive: true }] }, { points: [{ x: 150, y: 100, positive: true }] }];
    const r = await engine.segment({ model: 'bench-tiny', image, objects, multimask: false, threshold: 0, polygons: false });
    expect(r.cacheHit).toBe(false);
    expect(r.objects).toHaveLength(2);
    for (const [k, o] of r.objects.entries()) {
      const [x, y, w, h] = o.masks[0]!.bbox;
      expect(o.masks[0]!.area).toBeGreaterThan(0);
      const p = objects[k]!.points[0]!;
      expect(p.x).toBeGreaterThanOrEqual(x);
      expect(p.x).toBeLessThanOrEqual(x + w);
      expect(p.y).toBeGreaterThanOrEqual(y);
      expect(p.y).toBeLessThanOrEqual(y + h);
    }
    expect((await engine.segment({ model: 'bench-tiny', image, objects, multimask: true, threshold: 0, polygons: false })).cacheHit).toBe(true);
  });

  it('regenerates only when the generator changes', () => {
    const again = ensureBenchModel(path.join(dir, 'bench-tiny'), { config: TINY_BENCH_CONFIG });
    expect(again.generated).toBe(false);
    expect(again.hash).toBe(generatorHash(TINY_BENCH_CONFIG));
    expect(generatorHash({ ...TINY_BENCH_CONFIG, seed: 8 })).not.toBe(again.hash);
    expect(ensureBenchModel(path.join(dir, 'bench-tiny'), { config: { ...TINY_BENCH_CONFIG, seed: 8 } }).generated).toBe(true);
  });
});
