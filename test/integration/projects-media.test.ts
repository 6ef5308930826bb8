// Projects and media over GraphQL and the raw upload route, against a real database and store.
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddMediaDocument,
  CreateProjectDocument,
  DeleteMediaDocument,
  DeleteProjectDocument,
  MediaDocument,
  MediaListDocument,
  ProjectDocument,
  ProjectsDocument,
  RenameProjectDocument,
} from '../../client/generated/graphql.js';
import { drawPicture, toPng } from '../support/draw.js';
import { crc32 } from '../support/png.js';
import { httpClient } from '../support/gql.js';
import { databaseKinds, startTestServer, type TestServer } from '../support/test-server.js';

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) {
    if (e.isFile()) out.push(path.join(e.parentPath, e.name));
  }
  return out;
}

describe.each(databaseKinds())('projects and media (%s)', (db) => {
  let srv: TestServer;
  let gql: ReturnType<typeof httpClient>;
  let allowedRoot: string;
  const png = (w: number, h: number, seed = 0) => toPng(drawPicture(w, h, [{ kind: 'rect', color: [seed, 100, 200], x: 2, y: 2, w: w / 2, h: h / 2 }]));

  beforeAll(async () => {
    allowedRoot = await mkdtemp(path.join(tmpdir(), 'maskql-allowed-'));
    srv = await startTestServer({ db, env: { MEDIA_ALLOWED_ROOTS: allowedRoot, MEDIA_MAX_BYTES: String(2 * 1024 * 1024), MEDIA_MAX_PIXELS: String(4_000_000) } });
    gql = httpClient(srv.url);
  });
  afterAll(async () => {
    await srv?.stop();
    await rm(allowedRoot, { recursive: true, force: true });
  });

  const newProject = async (name = 'p') => (await gql.request(CreateProjectDocument, { input: { name } })).createProject.project;

  it('creates, renames, lists with pagination and deletes projects', async () => {
    const a = await newProject('alpha');
    expect(a.name).toBe('alpha');
    expect(a.mediaCount).toBe(0);
    const renamed = await gql.request(RenameProjectDocument, { input: { id: a.id, name: 'beta' } });
    expect(renamed.renameProject.project.name).toBe('beta');
    for (let i = 0; i < 4; i++) await newProject(`bulk-${i}`);
    const seen: string[] = [];
    let after: string | null | undefined = null;
    let total = 0;
    for (;;) {
      const page: Awaited<ReturnType<typeof gql.request<any, any>>> = await gql.request(ProjectsDocument, { first: 2, after });
      total = page.projects.totalCount;
      seen.push(...page.projects.edges.map((e: { node: { id: string } }) => e.node.id));
      if (!page.projects.pageInfo.hasNextPage) break;
      after = page.projects.pageInfo.endCursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(total);
    expect(seen).toContain(a.id);
    const del = await gql.request(DeleteProjectDocument, { input: { id: a.id } });
    expect(del.deleteProject).toEqual({ id: a.id, deletedMediaCount: 0 });
    expect((await gql.fail(ProjectDocument, { id: a.id })).code).toBe('NOT_FOUND');
  });

  it('adds an image by base64, stores its bytes once, and serves a thumbnail', async () => {
    const p = await newProject();
    const bytes = await png(123, 77);
    const a = await gql.request(AddMediaDocument, { input: { projectId: p.id, base64: bytes.toString('base64'), filename: 'a.png', label: 'cat' } });
    expect(a.addMedia.media).toMatchObject({ kind: 'IMAGE', format: 'png', width: 123, height: 77, filename: 'a.png', label: 'cat', byteSize: bytes.length });
    expect(a.addMedia.deduplicated).toBe(false);
    const b = await gql.request(AddMediaDocument, { input: { projectId: p.id, base64: `data:image/png;base64,${bytes.toString('base64')}`, label: 'dog' } });
    expect(b.addMedia.deduplicated).toBe(true);
    expect(b.addMedia.media.sha256).toBe(a.addMedia.media.sha256);
    const thumb = await fetch(`${srv.url}${a.addMedia.media.thumbnailUrl}`);
    expect(thumb.status).toBe(200);
    const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
    expect(meta.format).toBe('webp');
    expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(256);

    const cats = await gql.request(MediaListDocument, { projectId: p.id, label: 'cat' });
    expect(cats.mediaList.totalCount).toBe(1);
    expect(cats.mediaList.edges[0].node.id).toBe(a.addMedia.media.id);
    const one = await gql.request(MediaDocument, { id: a.addMedia.media.id });
    expect(one.media.project).toEqual({ id: p.id, name: p.name });
    expect((await gql.request(ProjectDocument, { id: p.id })).project.mediaCount).toBe(2);

    // The bytes stay while one media refers to them, and go with the last.
    const storeDir = path.join(srv.dataDir, 'media');
    const countBlobs = async () => (await filesUnder(storeDir)).filter((f) => f.includes(a.addMedia.media.sha256)).length;
    expect(await countBlobs()).toBe(1);
    await gql.request(DeleteMediaDocument, { input: { id: a.addMedia.media.id } });
    expect(await countBlobs()).toBe(1);
    await gql.request(DeleteMediaDocument, { input: { id: b.addMedia.media.id } });
    expect(await countBlobs()).toBe(0);
    expect((await gql.fail(MediaDocument, { id: a.addMedia.media.id })).code).toBe('NOT_FOUND');
  });

  it('deleting a project deletes its media and their bytes', async () => {
    const p = await newProject();
    const before = (await filesUnder(path.join(srv.dataDir, 'media'))).length;
    for (let i = 0; i < 3; i++) await gql.request(AddMediaDocument, { input: { projectId: p.id, base64: (await png(40 + i, 30, 250)).toString('base64') } });
    expect((await filesUnder(path.join(srv.dataDir, 'media'))).length).toBeGreaterThan(before);
    const del = await gql.request(DeleteProjectDocument, { input: { id: p.id } });
    expect(del.deleteProject.deletedMediaCount).toBe(3);
    expect((await filesUnder(path.join(srv.dataDir, 'media'))).length).toBe(before);
  });

  it('adds an image by a server path under an allowed root, and refuses paths outside it', async () => {
    const p = await newProject();
    const file = path.join(allowedRoot, 'pic.png');
    await writeFile(file, await png(50, 40, 7));
    const r = await gql.request(AddMediaDocument, { input: { projectId: p.id, serverPath: file } });
    expect(r.addMedia.media.width).toBe(50);
    const outside = path.join(tmpdir(), `maskql-outside-${process.pid}.png`);
    await writeFile(outside, await png(50, 40, 8));
    await mkdir(path.join(allowedRoot, 'sub'), { recursive: true });
    await symlink(outside, path.join(allowedRoot, 'sub', 'link.png')).catch(() => undefined);
    for (const serverPath of [outside, path.join(allowedRoot, '..', path.basename(outside)), path.join(allowedRoot, 'sub', 'link.png'), '/etc/passwd']) {
      expect((await gql.fail(AddMediaDocument, { input: { projectId: p.id, serverPath } })).code).toBe('FORBIDDEN');
    }
    expect((await gql.fail(AddMediaDocument, { input: { projectId: p.id, serverPath: path.join(allowedRoot, 'missing.png') } })).code).toBe('NOT_FOUND');
    await rm(outside, { force: true });
  });

  it('accepts a raw upload on POST /upload', async () => {
    const p = await newProject();
    const bytes = await png(64, 48, 9);
    const res = await fetch(`${srv.url}/upload?projectId=${p.id}&filename=up.png&label=raw`, { method: 'POST', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { data: { media: { id: string; width: number; label: string } } };
    expect(body.data.media).toMatchObject({ width: 64, label: 'raw' });
    const bad = await fetch(`${srv.url}/upload?projectId=${p.id}`, { method: 'POST', body: Buffer.from('not an image') });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const big = await fetch(`${srv.url}/upload?projectId=${p.id}`, { method: 'POST', body: Buffer.alloc(3 * 1024 * 1024) });
    expect(big.status).toBe(413);
    const nowhere = await fetch(`${srv.url}/upload?projectId=00000000-0000-4000-8000-000000000000`, { method: 'POST', body: bytes });
    expect(nowhere.status).toBe(404);
  });

  describe('bad media input gets a coded error and writes nothing', () => {
    let projectId: string;
    beforeAll(async () => {
      projectId = (await newProject('bad')).id;
    });

    // A PNG header that promises 100000 x 100000 pixels (decompression bomb).
    const bomb = () => {
      const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      const ihdr = Buffer.alloc(13);
      ihdr.writeUInt32BE(100000, 0);
      ihdr.writeUInt32BE(100000, 4);
      ihdr.set([8, 2, 0, 0, 0], 8);
      const type = Buffer.from('IHDR');
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(crc32(Buffer.concat([type, ihdr])), 0);
      const len = Buffer.alloc(4);
      len.writeUInt32BE(13, 0);
      return Buffer.concat([sig, len, type, ihdr, crc, Buffer.alloc(64)]).toString('base64');
    };

    const cases: [string, () => Promise<Record<string, unknown>>, string][] = [
      ['malformed base64', async () => ({ base64: '###' }), 'BAD_USER_INPUT'],
      ['a text file', async () => ({ base64: Buffer.from('just some text').toString('base64') }), 'BAD_USER_INPUT'],
      ['a truncated PNG', async () => ({ base64: (await png(200, 200)).subarray(0, 100).toString('base64') }), 'BAD_USER_INPUT'],
      ['too many bytes', async () => ({ base64: Buffer.alloc(3 * 1024 * 1024).toString('base64') }), 'BAD_USER_INPUT'],
      ['a decompression bomb', async () => ({ base64: bomb() }), 'BAD_USER_INPUT'],
      ['no source', async () => ({}), 'BAD_USER_INPUT'],
      ['two sources', async () => ({ base64: (await png(10, 10)).toString('base64'), serverPath: '/tmp/x.png' }), 'BAD_USER_INPUT'],
      ['an unknown project', async () => ({ projectId: '00000000-0000-4000-8000-000000000000', base64: (await png(10, 10)).toString('base64') }), 'NOT_FOUND'],
    ];
    it.each(cases)('%s', async (_name, input, code) => {
      const before = await filesUnder(path.join(srv.dataDir, 'media'));
      const count = await srv.app.db.prisma.media.count();
      const err = await gql.fail(AddMediaDocument, { input: { projectId, ...(await input()) } as never });
      expect(err.code).toBe(code);
      expect(await srv.app.db.prisma.media.count()).toBe(count);
      expect(await filesUnder(path.join(srv.dataDir, 'media'))).toEqual(before);
    });

    it('unknown ids in every query and mutation', async () => {
      const id = '00000000-0000-4000-8000-000000000000';
      expect((await gql.fail(ProjectDocument, { id })).code).toBe('NOT_FOUND');
      expect((await gql.fail(MediaDocument, { id })).code).toBe('NOT_FOUND');
      expect((await gql.fail(RenameProjectDocument, { input: { id, name: 'x' } })).code).toBe('NOT_FOUND');
      expect((await gql.fail(DeleteProjectDocument, { input: { id } })).code).toBe('NOT_FOUND');
      expect((await gql.fail(DeleteMediaDocument, { input: { id: 'garbage' } })).code).toBe('NOT_FOUND');
      expect((await gql.fail(MediaListDocument, { projectId: id })).code).toBe('NOT_FOUND');
      expect((await gql.fail(CreateProjectDocument, { input: { name: '' } })).code).toBe('BAD_USER_INPUT');
      expect((await gql.fail(ProjectsDocument, { first: 1000 })).code).toBe('BAD_USER_INPUT');
      expect((await gql.fail(ProjectsDocument, { first: 1, after: '%%%' })).code).toBe('BAD_USER_INPUT');
    });
  });
});
