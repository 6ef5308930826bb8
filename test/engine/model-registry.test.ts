// The model repository: each manifest is checked against its ONNX sessions' own metadata, every
// mismatch is reported at once, and a broken model is unavailable while the others serve.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HealthDocument, ModelsDocument, SegmentImageDocument } from '../../client/generated/graphql.js';
import { drawPicture, toPng } from '../support/draw.js';
import { httpClient } from '../support/gql.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

describe('model repository', () => {
  let dir: string;
  let srv: TestServer;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'maskql-models-'));
    const src = path.join(inject('modelsDir'), 'demo');
    await cp(src, path.join(dir, 'demo'), { recursive: true });
    // A manifest that lies about its graphs in three ways.
    await cp(src, path.join(dir, 'liar'), { recursive: true });
    const m = JSON.parse(await readFile(path.join(dir, 'liar', 'model.json'), 'utf8'));
    m.name = 'liar';
    m.io.encoder.inputs.image.shape = [1, 3, 512, 512];
    m.io.decoder.inputs.point_labels.type = 'int64';
    m.io.decoder.outputs.extra_output = { type: 'float32', shape: [1] };
    await writeFile(path.join(dir, 'liar', 'model.json'), JSON.stringify(m));
    // A model whose decoder file is garbage.
    await cp(src, path.join(dir, 'corrupt'), { recursive: true });
    const c = JSON.parse(await readFile(path.join(dir, 'corrupt', 'model.json'), 'utf8'));
    c.name = 'corrupt';
    await writeFile(path.join(dir, 'corrupt', 'model.json'), JSON.stringify(c));
    await writeFile(path.join(dir, 'corrupt', 'decoder.onnx'), 'not an onnx file');
    // A folder whose manifest is not valid.
    await cp(src, path.join(dir, 'badjson'), { recursive: true });
    await writeFile(path.join(dir, 'badjson', 'model.json'), '{"name": "badjson", "family": "yolo"}');
    srv = await startTestServer({ env: { MODELS_DIR: dir, PRELOAD_MODELS: 'all' } });
  });
  afterAll(async () => {
    await srv?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('reports every mismatch of a manifest in one error, and other models keep serving', async () => {
    const gql = httpClient(srv.url);
    const models = (await gql.request(ModelsDocument)).models;
    const by = Object.fromEntries(models.map((m) => [m.name, m]));
    expect(by.demo).toMatchObject({ state: 'LOADED', available: true });
    expect(by.liar).toMatchObject({ state: 'FAILED', available: false });
    expect(by.liar.error).toMatch(/encoder\.inputs\.image: dim 2 is 512 in model\.json, 1024 in the graph/);
    expect(by.liar.error).toMatch(/decoder\.inputs\.point_labels: type int64 in model\.json, float32 in the graph/);
    expect(by.liar.error).toMatch(/decoder\.outputs\.extra_output: declared in model\.json but the graph has no such value/);
    expect(by.corrupt).toMatchObject({ state: 'FAILED' });
    expect(by.corrupt.error).toMatch(/decoder\.onnx/);
    expect(by.badjson).toMatchObject({ state: 'FAILED' });
    expect(by.badjson.error).toMatch(/family/);

    const png = (await toPng(drawPicture(40, 40, [{ kind: 'disc', color: [200, 0, 0], x: 20, y: 20, r: 10 }]))).toString('base64');
    const err = await gql.fail(SegmentImageDocument, { input: { imageBase64: png, model: 'corrupt', objects: [{ points: [{ x: 0.5, y: 0.5 }] }] } });
    expect(err.code).toBe('MODEL_UNAVAILABLE');
    const ok = await gql.request(SegmentImageDocument, { input: { imageBase64: png, model: 'demo', objects: [{ points: [{ x: 0.5, y: 0.5 }] }] } });
    expect(ok.segmentImage.objects[0].mask.area).toBeGreaterThan(200);

    const health = (await gql.request(HealthDocument)).health;
    expect(health.status).toBe('DEGRADED');
    expect(health.models.find((m) => m.name === 'corrupt')!.error).toBeTruthy();
  });
});
