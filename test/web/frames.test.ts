// GET /media/:id/frames/:index, which the web app draws under the masks: the decoded frame
// (the disc where the ground truth puts it), an image as frame 0, the read scope, and bad indexes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { CreateProjectDocument } from '../../client/generated/graphql.js';
import { DISCS, DISCS_VIDEO } from '../support/discs-video.js';
import { drawPicture, toPng } from '../support/draw.js';
import { httpClient } from '../support/gql.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { fixture, uploadFile } from '../support/tracking.js';

describe('GET /media/:id/frames/:index', () => {
  let srv: TestServer;
  let auth: Record<string, string>;
  let videoId: string;
  let imageId: string;

  beforeAll(async () => {
    srv = await startTestServer({ env: { AUTH_MODE: 'apikey' } });
    auth = { authorization: `Bearer ${(await srv.app.services.apiKeys.create({ name: 'r', scopes: ['write'] })).secret}` };
    const { createProject } = await httpClient(srv.url, auth).request(CreateProjectDocument, { input: { name: 'frames' } });
    videoId = (await uploadFile(srv.url, createProject.project.id, fixture('discs.mp4'), auth)).body.data.media.id;
    const png = await toPng(drawPicture(40, 30, [{ kind: 'rect', color: [200, 30, 30], x: 0, y: 0, w: 20, h: 30 }]));
    const res = await fetch(`${srv.url}/upload?projectId=${createProject.project.id}&filename=a.png`, { method: 'POST', headers: auth, body: png });
    imageId = ((await res.json()) as { data: { media: { id: string } } }).data.media.id;
  });
  afterAll(() => srv?.stop());

  it('serves the decoded frame: the disc is where it is on that frame', async () => {
    for (const f of [0, 37]) {
      const res = await fetch(`${srv.url}/media/${videoId}/frames/${f}`, { headers: auth });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      const { data, info } = await sharp(Buffer.from(await res.arrayBuffer())).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height]).toEqual([DISCS_VIDEO.width, DISCS_VIDEO.height]);
      const [cx, cy] = DISCS[0]!.path(f).map(Math.round) as [number, number];
      const i = (cy * info.width + cx) * 3;
      expect(Math.abs(data[i]! - DISCS[0]!.color[0]) + Math.abs(data[i + 1]! - DISCS[0]!.color[1]) + Math.abs(data[i + 2]! - DISCS[0]!.color[2])).toBeLessThan(40);
    }
  });

  it('serves an image as frame 0', async () => {
    const res = await fetch(`${srv.url}/media/${imageId}/frames/0`, { headers: auth });
    const { data, info } = await sharp(Buffer.from(await res.arrayBuffer())).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([40, 30]);
    expect([...data.subarray(0, 3)]).toEqual([200, 30, 30]);
  });

  it('needs a key with the read scope, and an index inside the video', async () => {
    expect((await fetch(`${srv.url}/media/${videoId}/frames/0`)).status).toBe(401);
    for (const bad of ['60', '-1', '1.5', 'x', '99999999999']) {
      const res = await fetch(`${srv.url}/media/${videoId}/frames/${bad}`, { headers: auth });
      expect(res.status, bad).toBe(400);
      expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('BAD_USER_INPUT');
    }
    expect((await fetch(`${srv.url}/media/${imageId}/frames/1`, { headers: auth })).status).toBe(400);
    expect((await fetch(`${srv.url}/media/00000000-0000-4000-8000-000000000000/frames/0`, { headers: auth })).status).toBe(404);
  });
});
