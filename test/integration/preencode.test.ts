// Background encoding of stored images (PREENCODE_IMAGES): an image stored through addMedia or
// POST /upload is encoded for DEFAULT_MODEL without being asked, so its first click is a cache
// hit and runs no encoder; with the setting off the first click encodes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRle } from '../../src/engine/masks/coco-rle.js';
import { drawPicture, iou, toPng, type Picture } from '../support/draw.js';
import { httpClient } from '../support/gql.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { waitFor } from '../support/tracking.js';

const CLICK = 'mutation($m: ID!) { segmentImage(input: { mediaId: $m, objects: [{ points: [{ x: 0.375, y: 0.5 }] }] }) { cacheHit timings { encodeMs } objects { mask { rle { size counts } } } } }';
const picture = (r: number): Picture => drawPicture(160, 120, [{ kind: 'disc', color: [40, 60, 200], x: 60, y: 60, r }]);

async function world(env: Record<string, string>) {
  const srv = await startTestServer({ env });
  const gql = httpClient(srv.url);
  const projectId = (await gql.request('mutation { createProject(input: { name: "p" }) { project { id } } }')).createProject.project.id as string;
  const addMedia = async (p: Picture) =>
    (await gql.request('mutation($p: ID!, $b: String!) { addMedia(input: { projectId: $p, base64: $b }) { media { id } } }', { p: projectId, b: (await toPng(p)).toString('base64') })).addMedia.media.id as string;
  const upload = async (p: Picture) => {
    const res = await fetch(`${srv.url}/upload?projectId=${projectId}&filename=p.png`, { method: 'POST', body: await toPng(p) });
    expect(res.status).toBe(201);
    return ((await res.json()) as { data: { media: { id: string } } }).data.media.id;
  };
  const click = async (mediaId: string) => (await gql.request(CLICK, { m: mediaId })).segmentImage;
  return { srv, addMedia, upload, click };
}

describe('background encoding on (PREENCODE_IMAGES=true)', () => {
  let w: Awaited<ReturnType<typeof world>>;
  beforeAll(async () => {
    w = await world({ PREENCODE_IMAGES: 'true' });
  });
  afterAll(() => w?.srv.stop());

  for (const via of ['addMedia', 'POST /upload'] as const) {
    it(`an image stored through ${via} is encoded before its first click, which is a cache hit`, async () => {
      const { engine, services } = w.srv.app;
      const pic = picture(via === 'addMedia' ? 30 : 35);
      const before = services.preencoder!.counts.encoded;
      const mediaId = await (via === 'addMedia' ? w.addMedia(pic) : w.upload(pic));
      await waitFor(async () => services.preencoder!.counts.encoded === before + 1);
      const runs = engine.encoderRuns;
      const first = await w.click(mediaId);
      expect(first.cacheHit).toBe(true);
      expect(first.timings.encodeMs).toBe(0);
      expect(engine.encoderRuns).toBe(runs);
      expect(iou(decodeRle(first.objects[0].mask.rle).data, pic.masks[0]!)).toBeGreaterThanOrEqual(0.9);
    });
  }

  it('the same bytes stored again are not encoded again', async () => {
    const { services, engine } = w.srv.app;
    const pic = picture(25);
    await w.addMedia(pic);
    await waitFor(async () => services.preencoder!.waiting === 0 && services.preencoder!.counts.encoded > 0);
    const { encoded, skipped } = services.preencoder!.counts;
    const runs = engine.encoderRuns;
    const again = await w.addMedia(pic);
    await waitFor(async () => services.preencoder!.counts.skipped === skipped + 1);
    expect(services.preencoder!.counts.encoded).toBe(encoded);
    expect(engine.encoderRuns).toBe(runs);
    expect((await w.click(again)).cacheHit).toBe(true);
  });
});

describe('background encoding off (PREENCODE_IMAGES=false)', () => {
  let w: Awaited<ReturnType<typeof world>>;
  beforeAll(async () => {
    w = await world({ PREENCODE_IMAGES: 'false' });
  });
  afterAll(() => w?.srv.stop());

  it('the first click on a stored image encodes it', async () => {
    expect(w.srv.app.services.preencoder).toBeUndefined();
    const pic = picture(30);
    const mediaId = await w.addMedia(pic);
    const runs = w.srv.app.engine.encoderRuns;
    const first = await w.click(mediaId);
    expect(first.cacheHit).toBe(false);
    expect(w.srv.app.engine.encoderRuns).toBe(runs + 1);
    expect((await w.click(mediaId)).cacheHit).toBe(true);
  });
});
