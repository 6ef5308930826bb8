// A device's ORT worker thread that dies is restarted: the call it had in hand fails with
// INFERENCE_FAILED (retryable), and the next calls are answered as before — real server, real
// ONNX Runtime on the demo model, masks checked against the drawn shape.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AddMediaDocument, CreateProjectDocument, SegmentImageDocument } from '../../client/generated/graphql.js';
import { decodeRle } from '../../src/engine/masks/coco-rle.js';
import { drawPicture, iou, toPng } from '../support/draw.js';
import { httpClient } from '../support/gql.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(() => srv?.stop());

it('fails the call in hand with INFERENCE_FAILED (retryable), restarts the thread, and answers the next calls', async () => {
  const gql = httpClient(srv.url);
  const projectId = (await gql.request(CreateProjectDocument, { input: { name: 'crash' } })).createProject.project.id;
  const pictures = [0, 1].map((i) => drawPicture(320, 240, [{ kind: 'disc', color: [40, 60, 200], x: 100 + 100 * i, y: 120, r: 50 }]));
  const ids: string[] = [];
  for (const p of pictures) {
    ids.push((await gql.request(AddMediaDocument, { input: { projectId, base64: (await toPng(p)).toString('base64') } })).addMedia.media.id);
  }
  const segment = (i: number) => ({ input: { mediaId: ids[i], coordinates: 'PIXELS' as const, objects: [{ points: [{ x: 100 + 100 * i, y: 120 }] }] } });
  await gql.request(SegmentImageDocument, segment(0)); // the model is loaded; its sessions live in the thread

  const worker = srv.app.engine.sessions.worker('cpu')!;
  const failing = gql.fail(SegmentImageDocument, segment(1));
  // Kill the thread while it holds the encoder run of the second image.
  while (worker.inFlight === 0) await new Promise((r) => setImmediate(r));
  await worker.crash();
  expect(await failing).toMatchObject({ code: 'INFERENCE_FAILED', extensions: { retryable: true } });

  for (const i of [1, 0]) {
    const res = (await gql.request(SegmentImageDocument, segment(i))).segmentImage;
    const mask = decodeRle({ size: [240, 320], counts: res.objects[0].mask.rle.counts }).data;
    expect(iou(mask, pictures[i].masks[0])).toBeGreaterThanOrEqual(0.9);
  }
  expect(worker.restarts).toBe(1);
  expect((await gql.request(SegmentImageDocument, segment(1))).segmentImage.cacheHit).toBe(true);
});
