// The live-session registry alone, on real parts (an embedded database, the demo model through
// ONNX Runtime, an image stored by MediaService): the caps overall and per key, one build for
// concurrent asks, the idle sweep sparing a propagating session, and the rebuild of a dropped
// session from its stored prompts giving the masks it gave before.
import 'reflect-metadata';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { openDatabase, type Database } from '../../../src/db/database.js';
import { decodeRle, Engine, type FrameResult } from '../../../src/engine/index.js';
import { ContentStore } from '../../../src/media/content-store.js';
import { MaskRepository } from '../../../src/modules/mask/mask.repository.js';
import { MediaService } from '../../../src/modules/media/media.service.js';
import { LiveSessionRegistry } from '../../../src/modules/session/live-session.registry.js';
import { SessionRepository, type SessionRow } from '../../../src/modules/session/session.repository.js';
import { drawPicture, iou, toPng } from '../../support/draw.js';
import { waitFor } from '../../support/tracking.js';

const log = pino({ level: 'silent' });
const picture = drawPicture(160, 120, [
  { kind: 'disc', color: [210, 40, 40], x: 45, y: 60, r: 22 },
  { kind: 'rect', color: [40, 60, 200], x: 95, y: 30, w: 45, h: 60 },
]);
const clicks = [
  { objectId: 1, x: 45, y: 60 },
  { objectId: 2, x: 117, y: 60 },
];

let dir: string;
let db: Database;
let engine: Engine;
let media: MediaService;
let repo: SessionRepository;
let mediaId: string;
const registries: LiveSessionRegistry[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'maskql-registry-'));
  await cp(inject('pgliteTemplate'), path.join(dir, 'db'), { recursive: true });
  const config = loadConfig({ DATA_DIR: dir, MODELS_DIR: inject('modelsDir'), ENGINE_DEVICE: 'cpu', PATH: process.env.PATH ?? '' });
  db = await openDatabase(config.database);
  engine = await Engine.create({ modelsDir: config.models.dir, device: 'cpu', concurrency: 1, threads: 1, embeddingCacheBytes: 64 << 20, inferenceTimeoutMs: 60_000, log });
  media = new MediaService(db.prisma, new ContentStore(path.join(dir, 'media')), config.media, path.join(dir, 'frames'));
  repo = new SessionRepository(db.prisma, new MaskRepository(db.prisma));
  const project = await db.prisma.project.create({ data: { name: 'registry' } });
  mediaId = (await media.add({ projectId: project.id, bytes: await toPng(picture), filename: 'shapes.png' })).media.id;
});

afterAll(async () => {
  for (const r of registries) await r.dispose();
  await engine?.dispose();
  await db?.dispose();
  await rm(dir, { recursive: true, force: true });
});

function registry(limits: { maxOpen?: number; maxOpenPerKey?: number; idleTtlMs?: number } = {}) {
  const closed: string[] = [];
  const r: LiveSessionRegistry = new LiveSessionRegistry(
    repo,
    engine,
    media,
    { maxOpen: limits.maxOpen ?? 10, maxOpenPerKey: limits.maxOpenPerKey ?? 10, idleTtlMs: limits.idleTtlMs ?? 600_000, frameCacheBytes: 16 << 20 },
    log,
    async (id) => {
      closed.push(id);
      await r.drop(id);
    },
  );
  registries.push(r);
  return { r, closed };
}

const session = (ownerId: string | null = null): Promise<SessionRow> => repo.create({ mediaId, modelName: 'demo', ownerId });

function codeOf(p: Promise<unknown> | (() => unknown)): Promise<unknown> {
  return Promise.resolve()
    .then(typeof p === 'function' ? p : () => p)
    .then(
      () => 'no error',
      (err: { code?: unknown }) => err.code,
    );
}

/** Object masks of a tracker's frame, decoded, by object id. */
function masksOf(frame: FrameResult): Map<number, Uint8Array> {
  return new Map(frame.objects.map((o) => [o.objectId, decodeRle(o.mask!.rle).data]));
}

describe('LiveSessionRegistry', () => {
  it('caps live sessions overall (SESSION_MAX_OPEN) and per key (SESSION_MAX_OPEN_PER_KEY)', async () => {
    const { r } = registry({ maxOpen: 2, maxOpenPerKey: 1 });
    const a = await session('key-a');
    await r.ensureLive(a);
    expect(await codeOf(() => r.ensureCapacity('key-a'))).toBe('RESOURCE_EXHAUSTED');
    expect(await codeOf(() => r.ensureCapacity('key-b'))).toBe('no error');
    await r.ensureLive(await session('key-b'));
    expect(r.size).toBe(2);
    const c = await session();
    expect(await codeOf(r.ensureLive(c))).toBe('RESOURCE_EXHAUSTED');
    // A session already live is returned, not counted again.
    expect(await codeOf(r.ensureLive(a))).toBe('no error');
    expect(await r.drop(a.id)).toBeGreaterThanOrEqual(0);
    expect(r.get(a.id)).toBeUndefined();
    await r.ensureLive(c);
    expect(r.size).toBe(2);
  });

  it('concurrent asks for one session build it once; a closed session is refused with CONFLICT', async () => {
    const { r } = registry({ maxOpen: 3 });
    const s = await session();
    const [x, y, z] = await Promise.all([r.ensureLive(s), r.ensureLive(s), r.ensureLive(s)]);
    expect(x).toBe(y);
    expect(y).toBe(z);
    expect(r.size).toBe(1);
    const closed = await repo.close((await session()).id, 'closed');
    expect(await codeOf(r.ensureLive(closed))).toBe('CONFLICT');
    expect(r.size).toBe(1);
  });

  it('the idle sweep closes sessions idle past the TTL, except one that is propagating', async () => {
    const { r, closed } = registry({ idleTtlMs: 600_000 });
    const [idle, busy, fresh] = [await session(), await session(), await session()];
    for (const s of [idle, busy, fresh]) await r.ensureLive(s);
    const now = Date.now();
    r.get(idle.id)!.lastActivity = now - 700_000;
    r.get(busy.id)!.lastActivity = now - 700_000;
    r.get(busy.id)!.activeJobId = 'a-running-job';
    expect(await r.sweep(now)).toEqual([idle.id]);
    expect(closed).toEqual([idle.id]);
    expect(r.get(idle.id)).toBeUndefined();
    expect(r.get(busy.id)).toBeDefined();
    expect(r.get(fresh.id)).toBeDefined();
    // Once the job ends the busy one goes on the next sweep.
    r.get(busy.id)!.activeJobId = null;
    expect(await r.sweep(now)).toEqual([busy.id]);
  });

  it('the sweeper runs by itself every quarter TTL (at least 250 ms)', async () => {
    const { r, closed } = registry({ idleTtlMs: 300 });
    const s = await session();
    await r.ensureLive(s);
    await waitFor(async () => closed.includes(s.id), 10_000);
    expect(r.get(s.id)).toBeUndefined();
  });

  it('a dropped session is rebuilt from its stored prompts and answers with the same masks', async () => {
    const { r } = registry();
    const s = await session();
    const live = await r.ensureLive(s);
    let before: FrameResult | undefined;
    for (const c of clicks) {
      const objectId = await repo.allocateObjectId(s.id);
      expect(objectId).toBe(c.objectId);
      const prompt = { points: [{ x: c.x, y: c.y, positive: true }] };
      before = await live.tracker.addPrompt(0, objectId, prompt, false);
      await repo.storePrompt({ sessionId: s.id, objectId, frameIndex: 0, prompt, newObjectLabel: null, replace: false, masks: [] });
    }
    const masks = masksOf(before!);
    // The masks are the drawn shapes (the demo model selects the instance under the click).
    for (const [k, c] of clicks.entries()) expect(iou(masks.get(c.objectId)!, picture.masks[k])).toBeGreaterThan(0.9);

    await r.drop(s.id);
    const rebuilt = await r.ensureLive(s);
    expect(rebuilt).not.toBe(live);
    expect(rebuilt.tracker.hasPrompts()).toBe(true);
    expect(rebuilt.tracker.objectIds().sort()).toEqual([1, 2]);
    const frames: FrameResult[] = [];
    for await (const f of rebuilt.tracker.propagate({ start: 0, direction: 'forward' })) frames.push(f);
    expect(frames.map((f) => f.frameIndex)).toEqual([0]);
    const after = masksOf(frames[0]);
    for (const c of clicks) expect(iou(after.get(c.objectId)!, masks.get(c.objectId)!)).toBeGreaterThan(0.99);
  });
});
