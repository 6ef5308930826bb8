// Signed download URLs on a server with API keys: no Authorization header needed, Range for
// video, refused when tampered or expired; artifacts gone after the retention period and with
// their project.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateProjectDocument, DeleteProjectDocument, JobArtifactsDocument, MediaDownloadUrlsDocument, StartExportDocument } from '../../client/generated/graphql.js';
import { colorDistance, rgbAt } from '../fixtures/video.js';
import { discFrame, DISCS, DISCS_VIDEO } from '../support/discs-video.js';
import { httpClient } from '../support/gql.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { fixture, uploadFile, waitFor } from '../support/tracking.js';

describe('downloads', () => {
  let srv: TestServer;
  let gql: ReturnType<typeof httpClient>;
  let auth: Record<string, string>;
  let projectId: string;
  let videoId: string;

  async function exportProject(pid: string) {
    const job = (await gql.request(StartExportDocument, { input: { format: 'COCO_JSON', projectId: pid } })).startExport.job;
    return waitFor(async () => {
      const j = (await gql.request(JobArtifactsDocument, { id: job.id })).job;
      return j.status === 'COMPLETED' && j;
    });
  }

  beforeAll(async () => {
    srv = await startTestServer({ env: { AUTH_MODE: 'apikey', EXPORT_RETENTION_SEC: '3', DOWNLOAD_URL_SECRET: 'a-test-secret-that-is-long-enough-1234' } });
    const key = await srv.app.services.apiKeys.create({ name: 'admin', scopes: ['admin'] });
    auth = { authorization: `Bearer ${key.secret}` };
    gql = httpClient(srv.url, auth);
    projectId = (await gql.request(CreateProjectDocument, { input: { name: 'downloads' } })).createProject.project.id;
    const up = await uploadFile(srv.url, projectId, fixture('discs.mp4'), auth);
    expect(up.status).toBe(201);
    videoId = up.body.data.media.id;
  });
  afterAll(() => srv?.stop());

  it('the original video through its signed URL, without a header, whole and by Range (206)', async () => {
    const { downloadUrl } = (await gql.request(MediaDownloadUrlsDocument, { id: videoId, index: 0 })).media;
    const original = await readFile(fixture('discs.mp4'));
    const whole = await fetch(srv.url + downloadUrl);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('video/mp4');
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(Buffer.from(await whole.arrayBuffer()).equals(original)).toBe(true);
    const part = await fetch(srv.url + downloadUrl, { headers: { range: 'bytes=100-1099' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-1099/${original.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(original.subarray(100, 1100))).toBe(true);
    // Without a signature the same path is refused, as is a tampered or an expired one.
    expect((await fetch(srv.url + downloadUrl.split('?')[0])).status).toBe(403);
    expect((await fetch(srv.url + downloadUrl.replace(/sig=./, 'sig=A'))).status).toBe(403);
    const expired = srv.app.services.urls.sign('media', videoId, undefined, Date.now() - 2 * 3600_000);
    const res = await fetch(srv.url + expired);
    expect(res.status).toBe(403);
    expect((await res.json()).errors[0].extensions.reason).toBe('URL_EXPIRED');
  });

  it('one decoded frame as PNG', async () => {
    const f = 30;
    const { frameUrl } = (await gql.request(MediaDownloadUrlsDocument, { id: videoId, index: f })).media;
    const res = await fetch(srv.url + frameUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const { data, info } = await sharp(Buffer.from(await res.arrayBuffer())).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([DISCS_VIDEO.width, DISCS_VIDEO.height]);
    const truth = discFrame(f);
    for (const d of DISCS) {
      const [cx, cy] = d.path(f);
      expect(colorDistance(rgbAt(data, info.width, cx, cy), rgbAt(truth, info.width, cx, cy))).toBeLessThan(12);
    }
    const outside = (await gql.request(MediaDownloadUrlsDocument, { id: videoId, index: DISCS_VIDEO.frames })).media.frameUrl;
    expect((await fetch(srv.url + outside)).status).toBe(400);
  });

  it('an artifact downloads until its retention ends; then the URL is 404 and the file is gone', async () => {
    const job = await exportProject(projectId);
    const a = job.artifacts[0]!;
    const res = await fetch(srv.url + a.url);
    expect(res.status).toBe(200);
    const coco = await res.json();
    expect(coco.images).toEqual([]);
    const file = path.join(srv.dataDir, 'exports', job.id, a.name);
    expect(existsSync(file)).toBe(true);
    await waitFor(async () => !existsSync(file), 15_000, 200);
    expect((await fetch(srv.url + a.url)).status).toBe(404);
    expect((await gql.request(JobArtifactsDocument, { id: job.id })).job.artifacts).toEqual([]);
  });

  it('deleting a project deletes its artifacts', async () => {
    const pid = (await gql.request(CreateProjectDocument, { input: { name: 'short-lived' } })).createProject.project.id;
    const job = await exportProject(pid);
    const dir = path.join(srv.dataDir, 'exports', job.id);
    expect(existsSync(dir)).toBe(true);
    await gql.request(DeleteProjectDocument, { input: { id: pid } });
    expect((await fetch(srv.url + job.artifacts[0]!.url)).status).toBe(404);
    await waitFor(async () => !existsSync(dir), 15_000, 200);
  });
});
