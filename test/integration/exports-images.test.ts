// COCO exports of images: a project and one image (the masks batch segmentation stored), and a
// session on an image (objects with labels); read with the test's own RLE reader.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddMediaDocument,
  AddPromptDocument,
  CreateProjectDocument,
  JobArtifactsDocument,
  MediaStoredMasksDocument,
  StartBatchSegmentationDocument,
  StartExportDocument,
  StartSessionDocument,
  type StartExportInput,
} from '../../client/generated/graphql.js';
import { drawPicture, toPng } from '../support/draw.js';
import { iouOf, readRle } from '../support/export-readers.js';
import { httpClient } from '../support/gql.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { waitFor } from '../support/tracking.js';

describe('image exports', () => {
  let srv: TestServer;
  let gql: ReturnType<typeof httpClient>;
  let projectId: string;
  const mediaIds: string[] = [];

  async function exported(input: StartExportInput) {
    const id = (await gql.request(StartExportDocument, { input })).startExport.job.id;
    const job = await waitFor(async () => {
      const j = (await gql.request(JobArtifactsDocument, { id })).job;
      return j.status !== 'QUEUED' && j.status !== 'RUNNING' && j;
    });
    expect(job.status).toBe('COMPLETED');
    const res = await fetch(srv.url + job.artifacts[0]!.url);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await res.text();
    expect(text).toBe(await readFile(path.join(srv.dataDir, 'exports', id, 'coco.json'), 'utf8'));
    return JSON.parse(text);
  }

  beforeAll(async () => {
    srv = await startTestServer();
    gql = httpClient(srv.url);
    projectId = (await gql.request(CreateProjectDocument, { input: { name: 'images' } })).createProject.project.id;
    const pictures = [
      drawPicture(160, 120, [{ kind: 'rect', x: 20, y: 20, w: 50, h: 40, color: [200, 30, 30] }, { kind: 'disc', x: 115, y: 75, r: 25, color: [30, 60, 200] }]),
      drawPicture(160, 120, [{ kind: 'rect', x: 60, y: 30, w: 60, h: 60, color: [30, 160, 40] }]),
    ];
    for (const [i, p] of pictures.entries()) {
      const base64 = (await toPng(p)).toString('base64');
      mediaIds.push((await gql.request(AddMediaDocument, { input: { projectId, base64, filename: `pic-${i}.png` } })).addMedia.media.id);
    }
    const job = (await gql.request(StartBatchSegmentationDocument, { input: { projectId, pointsPerSide: 8 } })).startBatchSegmentation.job;
    await waitFor(async () => (await gql.request(JobArtifactsDocument, { id: job.id })).job.status === 'COMPLETED', 60_000, 100);
  });
  afterAll(() => srv?.stop());

  it('a project: every image with the masks batch segmentation stored on it', async () => {
    const coco = await exported({ format: 'COCO_JSON', projectId });
    expect(coco.images.map((i: any) => i.file_name)).toEqual(['pic-0.png', 'pic-1.png']);
    expect(coco.categories).toEqual([{ id: 1, name: 'object', supercategory: 'object' }]);
    for (const [k, mediaId] of mediaIds.entries()) {
      const stored = (await gql.request(MediaStoredMasksDocument, { id: mediaId })).media.masks.filter((m) => m.area > 0);
      expect(stored.length).toBeGreaterThan(0);
      const anns = coco.annotations.filter((a: any) => a.image_id === coco.images[k].id);
      expect(anns).toHaveLength(stored.length);
      anns.forEach((a: any, j: number) => {
        expect(iouOf(readRle(a.segmentation), readRle(stored[j]!.rle))).toBe(1);
        expect(a.bbox).toEqual(stored[j]!.bbox);
        expect(a.area).toBe(stored[j]!.area);
        expect(a.segmentation.size).toEqual([120, 160]);
      });
    }
  });

  it('one image', async () => {
    const coco = await exported({ format: 'COCO_JSON', mediaId: mediaIds[1]! });
    expect(coco.images).toHaveLength(1);
    expect(coco.images[0]).toMatchObject({ media_id: mediaIds[1], width: 160, height: 120 });
  });

  it('a session on an image: its objects, categories from their labels', async () => {
    const sessionId = (await gql.request(StartSessionDocument, { input: { mediaId: mediaIds[0]! } })).startSession.session.id;
    const a = await gql.request(AddPromptDocument, { input: { sessionId, frameIndex: 0, coordinates: 'PIXELS', points: [{ x: 45, y: 40 }], label: 'box' } });
    await gql.request(AddPromptDocument, { input: { sessionId, frameIndex: 0, coordinates: 'PIXELS', points: [{ x: 115, y: 75 }], label: 'ball' } });
    const coco = await exported({ format: 'COCO_JSON', sessionId });
    expect(coco.images).toHaveLength(1);
    expect(coco.categories.map((c: any) => c.name)).toEqual(['box', 'ball']);
    const box = coco.annotations.find((x: any) => x.object_id === a.addPrompt.objectId);
    const truth = new Uint8Array(160 * 120);
    for (let y = 20; y < 60; y++) for (let x = 20; x < 70; x++) truth[y * 160 + x] = 1;
    expect(iouOf(readRle(box.segmentation), truth)).toBeGreaterThan(0.9);
  });
});
