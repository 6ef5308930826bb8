// Broken model files, against the real server process: a truncated encoder (preloaded at start)
// and a decoder deleted after start (found on first use). The process stays up, both models are
// MODEL_UNAVAILABLE (in GraphQL, the models query and /healthz), nothing is left half-made, and
// the intact model keeps serving. (test/engine/model-registry.test.ts covers lying manifests and
// a garbage file in process.)
import { cp, mkdtemp, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { AddMediaDocument, CreateProjectDocument, ModelsDocument, SegmentImageDocument, SessionsDocument, StartSessionDocument } from '../../client/generated/graphql.js';
import { drawPicture, toPng } from '../support/draw.js';
import { httpClient } from '../support/gql.js';
import { spawnServer, type ServerProcess } from '../support/server-process.js';

let dir: string;
let srv: ServerProcess;

async function copyModel(name: string): Promise<string> {
  const dest = path.join(dir, 'models', name);
  await cp(path.join(inject('modelsDir'), 'demo-sam'), dest, { recursive: true });
  const manifest = JSON.parse(await readFile(path.join(dest, 'model.json'), 'utf8'));
  await writeFile(path.join(dest, 'model.json'), JSON.stringify({ ...manifest, name }));
  return dest;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'maskql-modelfiles-'));
  await cp(path.join(inject('modelsDir'), 'demo'), path.join(dir, 'models', 'demo'), { recursive: true });
  const truncated = await copyModel('truncated');
  const encoder = path.join(truncated, 'encoder.onnx');
  await truncate(encoder, Math.floor((await readFile(encoder)).length / 2));
  await copyModel('vanishing');
  await cp(inject('pgliteTemplate'), path.join(dir, 'data', 'db'), { recursive: true });
  srv = await spawnServer({ DATA_DIR: path.join(dir, 'data'), MODELS_DIR: path.join(dir, 'models'), PRELOAD_MODELS: 'demo,truncated' });
});
afterAll(async () => {
  await srv?.kill('SIGTERM');
  await rm(dir, { recursive: true, force: true });
});

it('a truncated and a missing model file: the server stays up, those models are unavailable, the others serve', async () => {
  await unlink(path.join(dir, 'models', 'vanishing', 'decoder.onnx'));
  const gql = httpClient(srv.url);
  const projectId = (await gql.request(CreateProjectDocument, { input: { name: 'models' } })).createProject.project.id;
  const png = await toPng(drawPicture(80, 60, [{ kind: 'disc', color: [200, 0, 0], x: 40, y: 30, r: 15 }]));
  const mediaId = (await gql.request(AddMediaDocument, { input: { projectId, base64: png.toString('base64') } })).addMedia.media.id;
  const segment = (model: string) => ({ input: { mediaId, model, objects: [{ points: [{ x: 0.5, y: 0.5 }] }] } });

  for (const [model, file] of [['truncated', 'encoder.onnx'], ['vanishing', 'decoder.onnx']] as const) {
    for (let attempt = 0; attempt < 2; attempt++) {
      const err = await gql.fail(SegmentImageDocument, segment(model));
      expect(err.code).toBe('MODEL_UNAVAILABLE');
      expect(err.message).toContain(file);
    }
    const session = await gql.fail(StartSessionDocument, { input: { mediaId, model } });
    expect(session.code).toBe('MODEL_UNAVAILABLE');
  }
  expect((await gql.request(SessionsDocument, {})).sessions.totalCount).toBe(0);

  const ok = await gql.request(SegmentImageDocument, segment('demo'));
  expect(ok.segmentImage.objects[0].mask.area).toBeGreaterThan(400);

  const models = Object.fromEntries((await gql.request(ModelsDocument)).models.map((m) => [m.name, m]));
  expect(models.demo).toMatchObject({ state: 'LOADED', available: true });
  expect(models.truncated).toMatchObject({ state: 'FAILED', available: false });
  expect(models.vanishing).toMatchObject({ state: 'FAILED', available: false });
  expect(models.vanishing.error).toMatch(/decoder\.onnx/);

  const res = await fetch(`${srv.url}/healthz`);
  expect(res.status).toBe(200); // the database is fine: degraded, not down
  const health = (await res.json()) as { status: string; models: { name: string; state: string; error: string | null }[] };
  expect(health.status).toBe('degraded');
  const byName = Object.fromEntries(health.models.map((m) => [m.name, m]));
  expect(byName.demo).toMatchObject({ state: 'loaded', error: null });
  expect(byName.truncated.state).toBe('failed');
  expect(byName.truncated.error).toMatch(/encoder\.onnx/);
  expect(byName.vanishing.state).toBe('failed');
  expect(srv.child.exitCode).toBe(null);
});
