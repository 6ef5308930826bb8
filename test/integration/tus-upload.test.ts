// Resumable uploads (tus) with the tus-js-client: cut in the middle, the server restarted, resumed
// from the last byte; the media has the file's sha256 and exists once. Integrity, auth, the
// project fence and the size limit apply as on POST /upload.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tus from 'tus-js-client';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { CreateProjectDocument, MediaDocument, MediaListDocument } from '../../client/generated/graphql.js';
import { httpClient } from '../support/gql.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { fixture } from '../support/tracking.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function upload(baseUrl: string, file: Buffer, auth: string, metadata: Record<string, string>, opts: { uploadUrl?: string; chunkSize?: number; stopAfterChunk?: boolean } = {}) {
  return new Promise<{ url: string; mediaId?: string; stopped: boolean; error?: tus.DetailedError }>((resolve) => {
    const u: tus.Upload = new tus.Upload(file, {
      endpoint: `${baseUrl}/files`,
      uploadUrl: opts.uploadUrl ?? null,
      headers: { authorization: `Bearer ${auth}` },
      metadata,
      chunkSize: opts.chunkSize ?? Infinity,
      retryDelays: [],
      onChunkComplete: () => {
        if (!opts.stopAfterChunk) return;
        void u.abort().then(() => resolve({ url: u.url!, stopped: true }));
      },
      onSuccess: (p) => resolve({ url: u.url!, mediaId: p.lastResponse.getHeader('Maskql-Media-Id'), stopped: false }),
      onError: (e) => resolve({ url: u.url ?? '', stopped: false, error: e as tus.DetailedError }),
    });
    u.start();
  });
}

describe('resumable uploads (tus)', () => {
  let dataDir: string;
  let srv: TestServer | undefined;
  const env = { AUTH_MODE: 'apikey', MEDIA_MAX_BYTES: String(2 * 1024 * 1024), VIDEO_MAX_BYTES: String(4 * 1024 * 1024) };
  afterAll(async () => {
    await srv?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('an upload cut in the middle resumes after a server restart and becomes one media with the same sha256', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'maskql-tus-'));
    await cp(inject('pgliteTemplate'), path.join(dataDir, 'db'), { recursive: true });
    srv = await startTestServer({ dataDir, env });
    const key = (await srv.app.services.apiKeys.create({ name: 'uploader', scopes: ['write'] })).secret;
    const admin = httpClient(srv.url, { authorization: `Bearer ${(await srv.app.services.apiKeys.create({ name: 'admin', scopes: ['admin'] })).secret}` });
    const projectId = (await admin.request(CreateProjectDocument, { input: { name: 'tus' } })).createProject.project.id;
    const file = await readFile(fixture('discs-long.mp4'));
    const half = Math.ceil(file.length / 2);
    const meta = { projectId, sha256: sha(file), filename: 'discs-long.mp4' };

    const first = await upload(srv.url, file, key, meta, { chunkSize: half, stopAfterChunk: true });
    expect(first.stopped).toBe(true);
    const uploadPath = new URL(first.url).pathname;
    const id = path.basename(uploadPath);
    expect(existsSync(path.join(dataDir, 'uploads', id))).toBe(true);
    await srv.stop();

    srv = await startTestServer({ dataDir, env });
    const head = await fetch(srv.url + uploadPath, { method: 'HEAD', headers: { authorization: `Bearer ${key}`, 'tus-resumable': '1.0.0' } });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('upload-offset'))).toBe(half);
    // Another key does not see it.
    const other = (await srv.app.services.apiKeys.create({ name: 'other', scopes: ['write'] })).secret;
    expect((await fetch(srv.url + uploadPath, { method: 'HEAD', headers: { authorization: `Bearer ${other}`, 'tus-resumable': '1.0.0' } })).status).toBe(404);

    const rest = await upload(srv.url, file, key, meta, { uploadUrl: srv.url + uploadPath });
    expect(rest.error).toBeUndefined();
    expect(rest.mediaId).toBeTruthy();
    const gql2 = httpClient(srv.url, { authorization: `Bearer ${key}` });
    const media = (await gql2.request(MediaDocument, { id: rest.mediaId! })).media;
    expect(media).toMatchObject({ sha256: sha(file), kind: 'VIDEO', frameCount: 400, filename: 'discs-long.mp4' });
    expect((await gql2.request(MediaListDocument, { projectId })).mediaList.totalCount).toBe(1);
    // The upload's own copy is gone; the finished upload cannot be sent again.
    expect((await readdir(path.join(dataDir, 'uploads'))).filter((n) => n.startsWith(id))).toEqual([]);
  });

  it('a wrong sha256 leaves no media; the same clientRequestId twice gives one media', async () => {
    const key = (await srv!.app.services.apiKeys.create({ name: 'k2', scopes: ['admin'] })).secret;
    const gql = httpClient(srv!.url, { authorization: `Bearer ${key}` });
    const projectId = (await gql.request(CreateProjectDocument, { input: { name: 'tus-2' } })).createProject.project.id;
    const file = await readFile(fixture('discs.mp4'));
    const bad = await upload(srv!.url, file, key, { projectId, sha256: '0'.repeat(64) });
    expect(bad.error?.originalResponse?.getStatus()).toBe(460);
    expect((await gql.request(MediaListDocument, { projectId })).mediaList.totalCount).toBe(0);

    const meta = { projectId, sha256: sha(file), clientRequestId: 'same-file' };
    const a = await upload(srv!.url, file, key, meta);
    const b = await upload(srv!.url, file, key, meta);
    expect(a.mediaId).toBeTruthy();
    expect(b.mediaId).toBe(a.mediaId);
    expect((await gql.request(MediaListDocument, { projectId })).mediaList.totalCount).toBe(1);
  });

  it('the rules of /upload: a key, the write scope, the project fence, the size limit, the metadata', async () => {
    const admin = (await srv!.app.services.apiKeys.create({ name: 'k3', scopes: ['admin'] })).secret;
    const gql = httpClient(srv!.url, { authorization: `Bearer ${admin}` });
    const projectId = (await gql.request(CreateProjectDocument, { input: { name: 'tus-3' } })).createProject.project.id;
    const elsewhere = (await gql.request(CreateProjectDocument, { input: { name: 'tus-4' } })).createProject.project.id;
    const reader = (await srv!.app.services.apiKeys.create({ name: 'reader', scopes: ['read'] })).secret;
    const fenced = (await srv!.app.services.apiKeys.create({ name: 'fenced', scopes: ['write'], projectIds: [elsewhere] })).secret;
    const file = await readFile(fixture('discs.mp4'));
    const meta = { projectId, sha256: sha(file) };
    const status = async (auth: string, m: Record<string, string>, length = file.length) => {
      const enc = Object.entries(m).map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`).join(',');
      const res = await fetch(`${srv!.url}/files`, { method: 'POST', headers: { 'tus-resumable': '1.0.0', 'upload-length': String(length), 'upload-metadata': enc, ...(auth ? { authorization: `Bearer ${auth}` } : {}) } });
      return res.status;
    };
    expect(await status('', meta)).toBe(401);
    expect(await status(reader, meta)).toBe(403);
    expect(await status(fenced, meta)).toBe(404);
    expect(await status(admin, meta, 5 * 1024 * 1024)).toBe(413);
    expect(await status(admin, { projectId })).toBe(400);
    expect(await status(admin, meta)).toBe(201);
  });
});
