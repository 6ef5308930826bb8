// Hostile prompts on a stored image: segmentImage points, boxes, groups, enums, numbers JSON
// cannot even write through JSON.stringify (1e999, -0, 1e-400), phrases (segmentPhrases and
// text groups), and segmentEverything's grid and thresholds out of range.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRle } from '../../src/engine/masks/coco-rle.js';
import { drawPicture, toPng } from '../support/draw.js';
import { edgeNumber, hostileInt } from './arbitraries.js';
import { PROPERTY_TIMEOUT_MS, coded, gql, hostileId, hostileString, Lit, num, property, report, startHostile, type Hostile } from './harness.js';

const SEGMENT = `mutation($input: SegmentImageInput!) { segmentImage(input: $input) {
  model width height cacheHit
  objects { index label phrase detectionScore mask { rle { size counts } bbox area score polygons } masks { rle { size counts } bbox area score } } } }`;
const PHRASES = `mutation($input: SegmentPhrasesInput!) { segmentPhrases(input: $input) {
  width height phrases { phrase objects { index phrase detectionScore mask { rle { size counts } bbox area score } } } } }`;
const EVERYTHING = `mutation($input: SegmentEverythingInput!) { segmentEverything(input: $input) {
  width height candidates masks { rle { size counts } bbox area score polygons } } }`;

const W = 64;
const H = 48;

/** Mostly inside [0, 1] (so that most cases reach the engine), sometimes any edge number. */
const coord: fc.Arbitrary<number | Lit> = fc.oneof({ weight: 14, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) }, { weight: 1, arbitrary: edgeNumber });

const hostileEnum = (...valid: string[]) =>
  fc.oneof({ weight: 20, arbitrary: fc.constantFrom(...valid) }, { weight: 1, arbitrary: fc.constantFrom('', 'positive', 'Positive', 'NULL', '__proto__', 'NORMALISED', 'PIXEL') }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) });

const point = fc.record({ x: coord, y: coord, label: fc.option(hostileEnum('POSITIVE', 'NEGATIVE'), { nil: undefined }) }, { requiredKeys: ['x', 'y'] });
const box = fc.record({ x: coord, y: coord, w: coord, h: coord });

/** Plausible phrases (they reach the detector) and hostile ones. */
const phrase: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.constantFrom('red', 'blue', 'square', 'disc', 'shape', 'the', 'a', 'big', 'Ｒｅｄ', 'ROUGE', 'carré', '红色', '🟥', '-', ',', '.'), { minLength: 1, maxLength: 6 }).map((w) => w.join(' ')) },
  { weight: 3, arbitrary: hostileString },
);

/** A few points, or many copies of one (up to 5000, beyond MAX_POINTS_PER_OBJECT). */
const points = fc.oneof(
  { weight: 18, arbitrary: fc.array(point, { minLength: 1, maxLength: 4 }) },
  { weight: 1, arbitrary: fc.constant([]) },
  { weight: 1, arbitrary: fc.tuple(point, fc.integer({ min: 60, max: 5000 })).map(([p, n]) => Array.from({ length: n }, () => p)) },
);

const group = fc.record(
  {
    points,
    box: fc.option(box, { nil: undefined }),
    text: fc.option(phrase, { nil: undefined, freq: 6 }),
    label: fc.option(hostileString, { nil: undefined }),
  },
  { requiredKeys: ['points'] },
);

/** Few groups, none, or hundreds (beyond MAX_OBJECTS_PER_REQUEST). */
const groups = fc.oneof(
  { weight: 20, arbitrary: fc.array(group, { minLength: 1, maxLength: 4 }) },
  { weight: 1, arbitrary: fc.constant([]) },
  { weight: 1, arbitrary: fc.constant([{}]) },
  { weight: 2, arbitrary: fc.tuple(group, fc.integer({ min: 33, max: 400 })).map(([g, n]) => Array.from({ length: n }, () => g)) },
);

const model: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(undefined, undefined, 'demo', 'demo-sam') },
  { weight: 1, arbitrary: fc.constantFrom('demo-grounding', '../demo', 'demo/../demo', '__proto__', 'constructor', 'hasOwnProperty', '', ' demo', 'DEMO', '/etc/passwd', '../../models/demo') },
  { weight: 1, arbitrary: hostileString },
);

describe('hostile prompts', () => {
  let h: Hostile;
  let mediaId: string;
  let tinyId: string;
  let tinyBase64: string;
  const started = performance.now();

  beforeAll(async () => {
    h = await startHostile('prompts');
    const pic = drawPicture(W, H, [
      { kind: 'rect', color: [200, 40, 40], x: 8, y: 8, w: 20, h: 16 },
      { kind: 'disc', color: [40, 60, 200], x: 44, y: 30, r: 10 },
    ]);
    const add = async (png: Buffer) => {
      const r = coded(h, await gql(h, { query: 'mutation($i: AddMediaInput!) { addMedia(input: $i) { media { id } } }', variables: { i: { projectId: h.projectId, base64: png.toString('base64') } } }), 'addMedia');
      if (!r.ok) throw new Error('setup: addMedia failed');
      h.expectedMedia++;
      return r.data.media.id as string;
    };
    mediaId = await add(await toPng(pic));
    const tiny = await toPng(drawPicture(1, 1, [], [10, 20, 30]));
    tinyBase64 = tiny.toString('base64');
    tinyId = await add(tiny);
  });
  afterAll(async () => {
    if (h) report(h, started);
    await h?.srv.stop();
  });

  /** A valid mask answer: size [h, w], area = the pixels of the RLE, bbox inside, finite score. */
  function checkMask(m: any, w: number, hh: number): void {
    expect(m.rle.size).toEqual([hh, w]);
    const decoded = decodeRle({ size: [m.rle.size[0], m.rle.size[1]], counts: m.rle.counts });
    let area = 0;
    for (const v of decoded.data) area += v;
    expect(m.area).toBe(area);
    expect(m.bbox).toHaveLength(4);
    const [x, y, bw, bh] = m.bbox;
    for (const v of m.bbox) expect(Number.isFinite(v)).toBe(true);
    expect(x).toBeGreaterThanOrEqual(0);
    expect(y).toBeGreaterThanOrEqual(0);
    expect(x + bw).toBeLessThanOrEqual(w);
    expect(y + bh).toBeLessThanOrEqual(hh);
    expect(Number.isFinite(m.score)).toBe(true);
  }

  /** What the server must have refused: a coordinate outside the image, a non-positive box. */
  function outOfRange(input: any, w: number, hh: number): string | undefined {
    const normalized = input.coordinates === undefined || input.coordinates === 'NORMALIZED';
    const mx = normalized ? 1 : w;
    const my = normalized ? 1 : hh;
    for (const [i, g] of (input.objects as any[]).entries()) {
      for (const [j, p] of (g.points ?? []).entries()) {
        const x = num(p.x);
        const y = num(p.y);
        if (x === null || y === null || x < 0 || x > mx || y < 0 || y > my) return `objects.${i}.points.${j} = (${p.x}, ${p.y})`;
      }
      if (g.box) {
        const [x, y, bw, bh] = [num(g.box.x), num(g.box.y), num(g.box.w), num(g.box.h)];
        if (x === null || y === null || bw === null || bh === null) return `objects.${i}.box has a non-number`;
        if (!(bw > 0) || !(bh > 0)) return `objects.${i}.box has size ${bw}x${bh}`;
        // The corners, in pixels, with the server's own arithmetic tolerance of one ulp.
        const px = (v: number, s: number) => (normalized ? v * s : v);
        const eps = 1e-9 * Math.max(w, hh);
        if (px(x, w) < -eps || px(y, hh) < -eps || px(x + bw, w) > w + eps || px(y + bh, hh) > hh + eps) return `objects.${i}.box = ${JSON.stringify(g.box)}`;
      }
    }
    return undefined;
  }

  it('segmentImage with hostile prompts: a coded error, or valid masks for prompts inside the image', async () => {
    const hostile = fc.record(
      {
        target: fc.constantFrom('media', 'media', 'media', 'media', 'media', 'tiny', 'tinyInline', 'badId'),
        badId: hostileId,
        objects: groups,
        coordinates: fc.option(hostileEnum('NORMALIZED', 'PIXELS'), { nil: undefined }),
        multimask: fc.option(fc.boolean(), { nil: undefined }),
        polygons: fc.option(fc.boolean(), { nil: undefined }),
        threshold: fc.option(fc.oneof({ weight: 2, arbitrary: fc.double({ min: -20, max: 20, noNaN: true }) }, { weight: 1, arbitrary: edgeNumber }), { nil: undefined, freq: 2 }),
        detectionThreshold: fc.option(fc.oneof({ weight: 3, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) }, { weight: 1, arbitrary: edgeNumber }), { nil: undefined, freq: 2 }),
        model,
      },
      { requiredKeys: ['target', 'badId', 'objects'] },
    );
    // Valid requests (they reach the engine: decoder, masks, polygons on odd prompts) ...
    const unit = fc.double({ min: 0, max: 1, noNaN: true });
    const valid = fc.record(
      {
        target: fc.constantFrom('media', 'media', 'media', 'tiny', 'tinyInline'),
        badId: fc.constant(''),
        objects: fc.array(
          fc.record(
            {
              points: fc.array(fc.record({ x: unit, y: unit, label: fc.constantFrom('POSITIVE', 'NEGATIVE', undefined) }), { minLength: 1, maxLength: 4 }),
              box: fc.option(fc.record({ x: fc.double({ min: 0, max: 0.5, noNaN: true }), y: fc.double({ min: 0, max: 0.5, noNaN: true }), w: fc.double({ min: 1e-9, max: 0.5, noNaN: true }), h: fc.double({ min: 1e-9, max: 0.5, noNaN: true }) }), { nil: undefined }),
              label: fc.option(hostileString, { nil: undefined }),
            },
            { requiredKeys: ['points'] },
          ),
          { minLength: 1, maxLength: 4 },
        ),
        multimask: fc.boolean(),
        polygons: fc.boolean(),
        threshold: fc.option(fc.double({ min: -30, max: 30, noNaN: true }), { nil: undefined }),
        model: fc.constantFrom(undefined, 'demo', 'demo-sam'),
      },
      { requiredKeys: ['target', 'badId', 'objects'] },
    );
    // ... and valid requests with one field made hostile.
    const oneHostile = fc.tuple(valid, hostile, fc.constantFrom('target', 'objects', 'coordinates', 'threshold', 'detectionThreshold', 'model')).map(([v, x, k]) => ({ ...v, [k]: x[k], ...(k === 'target' ? { badId: x.badId } : {}) }));
    const arb = fc.oneof({ weight: 2, arbitrary: hostile }, { weight: 1, arbitrary: valid }, { weight: 2, arbitrary: oneHostile });
    await property(
      h,
      'segmentImage(prompts)',
      arb,
      async (v) => {
        const { target, badId, ...rest } = v;
        const input: any = { ...rest };
        if (target === 'media') input.mediaId = mediaId;
        else if (target === 'tiny') input.mediaId = tinyId;
        else if (target === 'tinyInline') input.imageBase64 = tinyBase64;
        else input.mediaId = badId;
        const r = coded(h, await gql(h, { query: SEGMENT, variables: { input } }), 'segmentImage');
        if (!r.ok) return;
        const [w, hh] = target === 'media' ? [W, H] : [1, 1];
        expect([r.data.width, r.data.height]).toEqual([w, hh]);
        const bad = outOfRange(input, w, hh);
        expect(bad, `accepted a prompt outside the image: ${bad}`).toBeUndefined();
        for (const o of r.data.objects) {
          expect(o.index).toBeGreaterThanOrEqual(0);
          expect(o.index).toBeLessThan(input.objects.length);
          checkMask(o.mask, w, hh);
          for (const m of o.masks) checkMask(m, w, hh);
        }
        // Every group without text answers exactly one object.
        input.objects.forEach((g: any, i: number) => {
          if (g.text == null) expect(r.data.objects.filter((o: any) => o.index === i), `group ${i}`).toHaveLength(1);
        });
      },
      { numRuns: 160 },
    );
  }, PROPERTY_TIMEOUT_MS);

  it('segmentPhrases with hostile phrases (unicode, emoji, control characters, 10 KB)', async () => {
    const arb = fc.record(
      {
        phrases: fc.oneof({ weight: 12, arbitrary: fc.array(phrase, { minLength: 1, maxLength: 5 }) }, { weight: 1, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.tuple(hostileString, fc.integer({ min: 30, max: 300 })).map(([p, n]) => Array.from({ length: n }, () => p)) }),
        detectionThreshold: fc.option(fc.oneof({ weight: 3, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) }, { weight: 1, arbitrary: edgeNumber }), { nil: undefined }),
        polygons: fc.option(fc.boolean(), { nil: undefined }),
        model,
      },
      { requiredKeys: ['phrases'] },
    );
    await property(
      h,
      'segmentPhrases',
      arb,
      async (v) => {
        const r = coded(h, await gql(h, { query: PHRASES, variables: { input: { mediaId, ...v } } }), 'segmentPhrases');
        if (!r.ok) return;
        expect(r.data.phrases).toHaveLength(v.phrases.length);
        r.data.phrases.forEach((p: any, i: number) => {
          expect(p.phrase).toBe(v.phrases[i]);
          for (const o of p.objects) checkMask(o.mask, W, H);
        });
      },
      { numRuns: 90 },
    );
  }, PROPERTY_TIMEOUT_MS);

  it('segmentEverything with pointsPerSide, thresholds and minArea out of range', async () => {
    const int = hostileInt(-3, 8);
    // 64, the largest grid (4096 prompts), costs seconds: rare.
    const side = fc.oneof({ weight: 12, arbitrary: int }, { weight: 1, arbitrary: fc.constant(64) });
    const unit = fc.option(fc.oneof({ weight: 3, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) }, { weight: 1, arbitrary: edgeNumber }), { nil: undefined, freq: 4 });
    const arb = fc.record(
      {
        pointsPerSide: fc.option(side, { nil: undefined, freq: 4 }),
        predIouThreshold: unit,
        stabilityThreshold: unit,
        boxNmsThreshold: unit,
        minArea: fc.option(int, { nil: undefined, freq: 4 }),
        polygons: fc.boolean(),
        model,
        target: fc.constantFrom('media', 'media', 'media', 'tiny', 'both', 'neither'),
      },
      { requiredKeys: ['target'] },
    );
    await property(
      h,
      'segmentEverything',
      arb,
      async ({ target, ...input }) => {
        const full: any = { ...input };
        if (target === 'media' || target === 'both') full.mediaId = mediaId;
        if (target === 'tiny') full.mediaId = tinyId;
        if (target === 'both') full.imageBase64 = tinyBase64;
        const r = coded(h, await gql(h, { query: EVERYTHING, variables: { input: full } }), 'segmentEverything');
        if (!r.ok) return;
        const pps = num(input.pointsPerSide) ?? 16;
        expect(Number.isInteger(pps) && pps >= 1 && pps <= 64, `accepted pointsPerSide ${input.pointsPerSide}`).toBe(true);
        for (const k of ['predIouThreshold', 'stabilityThreshold', 'boxNmsThreshold'] as const) {
          if (input[k] === undefined) continue;
          const t = num(input[k]);
          expect(t !== null && t >= 0 && t <= 1, `accepted ${k} ${input[k]}`).toBe(true);
        }
        const [w, hh] = target === 'tiny' ? [1, 1] : [W, H];
        for (const m of r.data.masks) checkMask(m, w, hh);
      },
      { numRuns: 50 },
    );
  }, PROPERTY_TIMEOUT_MS);
});
