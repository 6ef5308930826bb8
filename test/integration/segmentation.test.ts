// Image segmentation over GraphQL, end to end: real server, real database, real ONNX Runtime on
// the demo models (sam2 committed, sam generated), masks checked against the drawn shapes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddMediaDocument, CreateProjectDocument, SegmentImageDocument, type SegmentImageInput } from '../../client/generated/graphql.js';
import { decodeRle } from '../../src/engine/masks/coco-rle.js';
import { drawPicture, iou, toPng, type Picture, type Shape } from '../support/draw.js';
import { httpClient, wsClient, wsRequest } from '../support/gql.js';
import { databaseKinds, startTestServer, type TestServer } from '../support/test-server.js';

const RED: [number, number, number] = [200, 40, 40];
const BLUE: [number, number, number] = [40, 60, 200];
const GREEN: [number, number, number] = [40, 170, 70];

describe.each(databaseKinds())('segmentImage (%s)', (db) => {
  let srv: TestServer;
  let gql: ReturnType<typeof httpClient>;
  let projectId: string;

  beforeAll(async () => {
    srv = await startTestServer({ db });
    gql = httpClient(srv.url);
    projectId = (await gql.request(CreateProjectDocument, { input: { name: 'shapes' } })).createProject.project.id;
  });
  afterAll(() => srv?.stop());

  async function addPicture(p: Picture): Promise<string> {
    const png = await toPng(p);
    const r = await gql.request(AddMediaDocument, { input: { projectId, base64: png.toString('base64'), filename: 'shapes.png' } });
    return r.addMedia.media.id;
  }

  async function segment(input: SegmentImageInput) {
    return (await gql.request(SegmentImageDocument, { input })).segmentImage;
  }

  function maskOf(rle: { size: number[]; counts: string }): Uint8Array {
    return decodeRle({ size: [rle.size[0], rle.size[1]], counts: rle.counts }).data;
  }

  const sizes: [number, number][] = [
    [320, 240],
    [257, 391],
    [641, 333],
    [96, 96],
  ];

  for (const model of ['demo', 'demo-sam']) {
    for (const [w, h] of sizes) {
      it(`${model}: a point inside a shape selects that shape (${w}x${h})`, async () => {
        const shapes: Shape[] = [
          { kind: 'rect', color: RED, x: w * 0.1, y: h * 0.15, w: w * 0.3, h: h * 0.35 },
          { kind: 'disc', color: BLUE, x: w * 0.7, y: h * 0.6, r: Math.min(w, h) * 0.18 },
          { kind: 'rect', color: RED, x: w * 0.55, y: h * 0.05, w: w * 0.3, h: h * 0.2 },
        ];
        const pic = drawPicture(w, h, shapes);
        const mediaId = await addPicture(pic);
        const res = await segment({
          mediaId,
          model,
          objects: [
            { points: [{ x: 0.25, y: 0.32 }] },
            { points: [{ x: 0.7, y: 0.6 }] },
          ],
        });
        expect(res.width).toBe(w);
        expect(res.height).toBe(h);
        expect(res.objects).toHaveLength(2);
        // The red rectangle alone: the other red rectangle is a separate instance.
        expect(iou(maskOf(res.objects[0].mask.rle), pic.masks[0])).toBeGreaterThanOrEqual(0.9);
        expect(iou(maskOf(res.objects[1].mask.rle), pic.masks[1])).toBeGreaterThanOrEqual(0.9);
        expect(res.objects[0].mask.area).toBeGreaterThan(0);
        expect(res.objects[0].mask.score).toBeGreaterThan(0.5);
      });
    }

    it(`${model}: a box prompt bounds the mask`, async () => {
      const w = 300;
      const h = 200;
      const pic = drawPicture(w, h, [
        { kind: 'rect', color: GREEN, x: 30, y: 40, w: 100, h: 90 },
        { kind: 'disc', color: BLUE, x: 220, y: 100, r: 50 },
      ]);
      const mediaId = await addPicture(pic);
      const res = await segment({ mediaId, model, coordinates: 'PIXELS', objects: [{ box: { x: 170, y: 50, w: 100, h: 100 } }] });
      const mask = maskOf(res.objects[0].mask.rle);
      expect(iou(mask, pic.masks[1])).toBeGreaterThanOrEqual(0.9);
      const [bx, by, bw, bh] = res.objects[0].mask.bbox;
      expect(bx).toBeGreaterThanOrEqual(169);
      expect(by).toBeGreaterThanOrEqual(49);
      expect(bx + bw).toBeLessThanOrEqual(271);
      expect(by + bh).toBeLessThanOrEqual(151);
    });

    it(`${model}: a negative point cuts off a touching region of the same colour`, async () => {
      const w = 320;
      const h = 240;
      // Two red rectangles that touch along x = 160.
      const pic = drawPicture(w, h, [
        { kind: 'rect', color: RED, x: 60, y: 60, w: 100, h: 120 },
        { kind: 'rect', color: RED, x: 160, y: 60, w: 100, h: 120 },
      ]);
      const mediaId = await addPicture(pic);
      const both = await segment({ mediaId, model, coordinates: 'PIXELS', objects: [{ points: [{ x: 110, y: 120 }] }] });
      const union = pic.masks[0].map((v, i) => v | pic.masks[1][i]);
      expect(iou(maskOf(both.objects[0].mask.rle), union)).toBeGreaterThanOrEqual(0.9);
      const cut = await segment({
        mediaId,
        model,
        coordinates: 'PIXELS',
        objects: [{ points: [{ x: 110, y: 120 }, { x: 210, y: 120, label: 'NEGATIVE' }] }],
      });
      expect(iou(maskOf(cut.objects[0].mask.rle), pic.masks[0])).toBeGreaterThanOrEqual(0.9);
    });
  }

  it('a second prompt on the same image is a cache hit and skips the encoder', async () => {
    const pic = drawPicture(200, 150, [{ kind: 'disc', color: BLUE, x: 100, y: 75, r: 40 }]);
    const mediaId = await addPicture(pic);
    const first = await segment({ mediaId, objects: [{ points: [{ x: 0.5, y: 0.5 }] }] });
    expect(first.cacheHit).toBe(false);
    expect(first.timings.encodeMs).toBeGreaterThan(0);
    const runs = srv.app.engine.encoderRuns;
    const second = await segment({ mediaId, objects: [{ points: [{ x: 0.45, y: 0.5 }] }] });
    expect(second.cacheHit).toBe(true);
    expect(second.timings.encodeMs).toBe(0);
    expect(srv.app.engine.encoderRuns).toBe(runs);
    expect(iou(maskOf(second.objects[0].mask.rle), pic.masks[0])).toBeGreaterThanOrEqual(0.9);
  });

  it('several objects in one call share one encoder run', async () => {
    const pic = drawPicture(240, 160, [
      { kind: 'rect', color: RED, x: 10, y: 10, w: 60, h: 60 },
      { kind: 'rect', color: GREEN, x: 90, y: 30, w: 60, h: 90 },
      { kind: 'disc', color: BLUE, x: 200, y: 100, r: 30 },
    ]);
    const mediaId = await addPicture(pic);
    const runs = srv.app.engine.encoderRuns;
    const res = await segment({
      mediaId,
      coordinates: 'PIXELS',
      objects: [{ points: [{ x: 40, y: 40 }] }, { points: [{ x: 120, y: 75 }], label: 'green' }, { points: [{ x: 200, y: 100 }] }],
    });
    expect(srv.app.engine.encoderRuns).toBe(runs + 1);
    expect(res.objects.map((o) => o.label)).toEqual([null, 'green', null]);
    res.objects.forEach((o, i) => expect(iou(maskOf(o.mask.rle), pic.masks[i])).toBeGreaterThanOrEqual(0.9));
  });

  it('an inline base64 image, multimask and polygons', async () => {
    const pic = drawPicture(160, 120, [{ kind: 'rect', color: GREEN, x: 40, y: 30, w: 80, h: 60 }]);
    const res = await segment({
      imageBase64: (await toPng(pic)).toString('base64'),
      objects: [{ points: [{ x: 0.5, y: 0.5 }] }],
      multimask: true,
      polygons: true,
    });
    const obj = res.objects[0];
    expect(obj.masks.length).toBeGreaterThan(1);
    const scores = obj.masks.map((m) => m.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(obj.mask).toEqual(obj.masks[0]);
    expect(iou(maskOf(obj.mask.rle), pic.masks[0])).toBeGreaterThanOrEqual(0.9);
    const poly = obj.mask.polygons![0];
    const xs = poly.filter((_, i) => i % 2 === 0);
    const ys = poly.filter((_, i) => i % 2 === 1);
    expect(Math.min(...xs)).toBeCloseTo(40, -1);
    expect(Math.max(...xs)).toBeCloseTo(120, -1);
    expect(Math.min(...ys)).toBeCloseTo(30, -1);
    expect(Math.max(...ys)).toBeCloseTo(90, -1);
  });

  it('works over graphql-ws as well', async () => {
    const pic = drawPicture(120, 90, [{ kind: 'disc', color: RED, x: 60, y: 45, r: 25 }]);
    const mediaId = await addPicture(pic);
    const client = wsClient(srv.url);
    try {
      const r = await wsRequest(client, SegmentImageDocument, { input: { mediaId, objects: [{ points: [{ x: 0.5, y: 0.5 }] }] } });
      expect(iou(maskOf(r.segmentImage.objects[0].mask.rle), pic.masks[0])).toBeGreaterThanOrEqual(0.9);
    } finally {
      await client.dispose();
    }
  });

  describe('bad input gets a coded error', () => {
    let mediaId: string;
    beforeAll(async () => {
      mediaId = await addPicture(drawPicture(100, 80, [{ kind: 'disc', color: RED, x: 50, y: 40, r: 20 }]));
    });
    const cases: [string, () => SegmentImageInput, string][] = [
      ['a point outside the image', () => ({ mediaId, objects: [{ points: [{ x: 1.5, y: 0.5 }] }] }), 'BAD_USER_INPUT'],
      ['a negative coordinate in pixels', () => ({ mediaId, coordinates: 'PIXELS', objects: [{ points: [{ x: -1, y: 5 }] }] }), 'BAD_USER_INPUT'],
      ['an empty prompt group', () => ({ mediaId, objects: [{ points: [] }] }), 'BAD_USER_INPUT'],
      ['no objects', () => ({ mediaId, objects: [] }), 'BAD_USER_INPUT'],
      ['only negative points', () => ({ mediaId, objects: [{ points: [{ x: 0.5, y: 0.5, label: 'NEGATIVE' }] }] }), 'BAD_USER_INPUT'],
      ['too many points', () => ({ mediaId, objects: [{ points: Array.from({ length: 65 }, () => ({ x: 0.5, y: 0.5 })) }] }), 'BAD_USER_INPUT'],
      ['a box of zero width', () => ({ mediaId, objects: [{ box: { x: 0.1, y: 0.1, w: 0, h: 0.2 } }] }), 'BAD_USER_INPUT'],
      ['a box leaving the image', () => ({ mediaId, objects: [{ box: { x: 0.5, y: 0.5, w: 0.8, h: 0.2 } }] }), 'BAD_USER_INPUT'],
      ['an unknown model', () => ({ mediaId, model: 'nope', objects: [{ points: [{ x: 0.5, y: 0.5 }] }] }), 'NOT_FOUND'],
      ['an unknown media id', () => ({ mediaId: '00000000-0000-4000-8000-000000000000', objects: [{ points: [{ x: 0.5, y: 0.5 }] }] }), 'NOT_FOUND'],
      ['a malformed media id', () => ({ mediaId: 'not-an-id', objects: [{ points: [{ x: 0.5, y: 0.5 }] }] }), 'NOT_FOUND'],
      ['both an image and a media id', () => ({ mediaId, imageBase64: 'AAAA', objects: [{ points: [{ x: 0.5, y: 0.5 }] }] }), 'BAD_USER_INPUT'],
      ['neither an image nor a media id', () => ({ objects: [{ points: [{ x: 0.5, y: 0.5 }] }] }), 'BAD_USER_INPUT'],
      ['malformed base64', () => ({ imageBase64: 'not base64 at all!', objects: [{ points: [{ x: 0.5, y: 0.5 }] }] }), 'BAD_USER_INPUT'],
      ['base64 of something that is not an image', () => ({ imageBase64: Buffer.from('hello, world').toString('base64'), objects: [{ points: [{ x: 0.5, y: 0.5 }] }] }), 'BAD_USER_INPUT'],
    ];
    it.each(cases)('%s', async (_name, input, code) => {
      const err = await gql.fail(SegmentImageDocument, { input: input() });
      expect(err.code).toBe(code);
      expect(err.message.length).toBeGreaterThan(10);
    });

    it('NaN and Infinity never reach the engine', async () => {
      // JSON cannot carry NaN; a GraphQL literal of Infinity is not a Float either.
      const r = await gql.raw(`mutation { segmentImage(input: { mediaId: "${mediaId}", objects: [{ points: [{ x: Infinity, y: 0.5 }] }] }) { model } }`);
      expect(r.errors?.[0].extensions?.code).toMatch(/GRAPHQL_VALIDATION_FAILED|BAD_USER_INPUT/);
      const v = await gql.fail(SegmentImageDocument, { input: { mediaId, objects: [{ points: [{ x: Number.NaN, y: 0.5 }] }] } });
      expect(v.code).toBe('BAD_USER_INPUT');
    });
  });
});
