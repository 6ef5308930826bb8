// The server as a whole: /healthz, configuration errors, device choice, graceful shutdown.
import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HealthDocument, ModelsDocument, SegmentImageDocument } from '../../client/generated/graphql.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { drawPicture, toPng } from '../support/draw.js';
import { httpClient } from '../support/gql.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

describe('server', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(() => srv?.stop());

  it('GET /healthz reports status, uptime, database and models with their device', async () => {
    const res = await fetch(`${srv.url}/healthz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; uptimeSec: number; database: { kind: string; ok: boolean }; models: { name: string; device: string }[] };
    expect(body.status).toBe('ok');
    expect(body.uptimeSec).toBeGreaterThanOrEqual(0);
    expect(body.database).toEqual({ kind: 'pglite', ok: true, failure: null });
    expect(body.models.map((m) => m.name)).toEqual(expect.arrayContaining(['demo', 'demo-sam']));
    expect(body.models.every((m) => m.device === 'cpu')).toBe(true);
    const q = await httpClient(srv.url).request(HealthDocument);
    expect(q.health.database.ok).toBe(true);
  });

  it('the models query lists each model with family, capabilities, device and load state', async () => {
    const gql = httpClient(srv.url);
    const before = (await gql.request(ModelsDocument)).models.find((m) => m.name === 'demo')!;
    expect(before).toMatchObject({ family: 'SAM2', isDefault: true, available: true, inputSize: 1024, device: 'CPU' });
    expect(before.capabilities).toMatchObject({ points: true, box: true });
    const png = await toPng(drawPicture(64, 64, [{ kind: 'disc', color: [200, 0, 0], x: 32, y: 32, r: 20 }]));
    await gql.request(SegmentImageDocument, { input: { imageBase64: png.toString('base64'), objects: [{ points: [{ x: 0.5, y: 0.5 }] }] } });
    const after = (await gql.request(ModelsDocument)).models.find((m) => m.name === 'demo')!;
    expect(after.loaded).toBe(true);
    expect(after.loadTimeMs).toBeGreaterThan(0);
  });
});

describe('configuration', () => {
  it('names every bad variable at once', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'eighty', ENGINE_DEVICE: 'tpu', DATABASE_URL: 'mysql://x', EMBEDDING_CACHE_MB: '-1' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'ENGINE_DEVICE', 'DATABASE_URL', 'EMBEDDING_CACHE_MB']) expect(problems).toContain(name);
  });

  it('has working defaults for an empty environment', () => {
    const c = loadConfig({});
    expect(c.database.kind).toBe('pglite');
    expect(c.engine.device).toBe('auto');
    expect(c.models.defaultModel).toBe('demo');
    expect(c.engine.preencodeImages).toBe(true);
    expect(loadConfig({ PREENCODE_IMAGES: 'false' }).engine.preencodeImages).toBe(false);
  });
});

describe('device selection (this machine has no CUDA provider)', () => {
  it('ENGINE_DEVICE=cuda fails with a clear MODEL_UNAVAILABLE error naming CUDA', async () => {
    const srv = await startTestServer({ env: { ENGINE_DEVICE: 'cuda' } });
    try {
      const gql = httpClient(srv.url);
      const png = await toPng(drawPicture(32, 32, []));
      const err = await gql.fail(SegmentImageDocument, { input: { imageBase64: png.toString('base64'), objects: [{ points: [{ x: 0.5, y: 0.5 }] }] } });
      expect(err.code).toBe('MODEL_UNAVAILABLE');
      expect(err.message).toMatch(/ENGINE_DEVICE=cuda/);
      expect(err.message).toMatch(/CUDA execution provider/);
      expect(String(err.extensions.hint)).toMatch(/cuda12|ENGINE_DEVICE=cpu/);
    } finally {
      await srv.stop();
    }
  });

  it('ENGINE_DEVICE=auto falls back to CPU, logs why, and serves', async () => {
    const srv = await startTestServer({ env: { ENGINE_DEVICE: 'auto' } });
    try {
      const gql = httpClient(srv.url);
      const png = await toPng(drawPicture(48, 48, [{ kind: 'disc', color: [0, 0, 200], x: 24, y: 24, r: 15 }]));
      const r = await gql.request(SegmentImageDocument, { input: { imageBase64: png.toString('base64'), objects: [{ points: [{ x: 0.5, y: 0.5 }] }] } });
      expect(r.segmentImage.objects[0].mask.area).toBeGreaterThan(400);
      const demo = (await gql.request(ModelsDocument)).models.find((m) => m.name === 'demo')!;
      expect(demo.device).toBe('CPU');
      expect(srv.app.engine.sessions.cudaUnavailableReason).toMatch(/CUDA|cuda/);
      // Known before any model loads: /healthz reports where models will run.
      expect(((await (await fetch(`${srv.url}/healthz`)).json()) as { models: { device: string }[] }).models.every((m) => m.device === 'cpu')).toBe(true);
    } finally {
      await srv.stop();
    }
  });
});

describe('process', () => {
  it('starts from dist on its defaults and shuts down gracefully on SIGTERM', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'maskql-proc-'));
    await cp(inject('pgliteTemplate'), path.join(dataDir, 'db'), { recursive: true });
    const child = spawn(process.execPath, ['dist/src/main.js'], {
      env: { ...process.env, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info', DATABASE_URL: '', ENGINE_DEVICE: 'cpu' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no ready line:\n${out}`)), 30_000);
        child.stdout.on('data', () => {
          const m = /"url":"(http:\/\/[^"]+)\/graphql"/.exec(out);
          if (m) {
            clearTimeout(t);
            resolve(m[1]);
          }
        });
      });
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out).toMatch(/shutting down/);
      expect(out).toMatch(/"msg":"stopped"/);
    } finally {
      child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('a bad environment stops the process with every problem listed', async () => {
    const child = spawn(process.execPath, ['dist/src/main.js'], { env: { ...process.env, PORT: 'x', ENGINE_DEVICE: 'gpu' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code).toBe(2);
    expect(err).toContain('PORT');
    expect(err).toContain('ENGINE_DEVICE');
  });
});
