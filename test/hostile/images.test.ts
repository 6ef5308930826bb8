// Hostile image bytes through addMedia (base64) and through the inline image of segmentImage,
// segmentEverything and segmentPhrases: a coded error or a valid result, never an internal
// error or a hang, and nothing half-written in the store.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64Variants, hostileImageBytes, notBase64, realImages, type RealImages } from './bytes.js';
import { PROPERTY_TIMEOUT_MS, coded, gql, hostileString, property, report, startHostile, type Hostile } from './harness.js';
import { wellFormed } from './harness.js';

const ADD_MEDIA = `mutation($input: AddMediaInput!) { addMedia(input: $input) { deduplicated media { id kind format width height byteSize sha256 filename label thumbnailUrl } } }`;
const SEGMENT = `mutation($input: SegmentImageInput!) { segmentImage(input: $input) { width height cacheHit objects { index mask { rle { size counts } bbox area score } } } }`;
const EVERYTHING = `mutation($input: SegmentEverythingInput!) { segmentEverything(input: $input) { width height candidates masks { rle { size counts } area score } } }`;
const PHRASES = `mutation($input: SegmentPhrasesInput!) { segmentPhrases(input: $input) { width height phrases { phrase objects { index mask { area } } } } }`;

const MAX_PIXELS = 60_000_000;

describe('hostile images', () => {
  let h: Hostile;
  let real: RealImages;
  const started = performance.now();

  beforeAll(async () => {
    h = await startHostile('images');
    real = await realImages();
  });
  afterAll(async () => {
    if (h) report(h, started);
    await h?.srv.stop();
  });

  /** A hostile file written in one of the ways base64 can be written, or a string that is not base64. */
  const payloads = () =>
    fc.oneof(
      { weight: 5, arbitrary: hostileImageBytes(real).chain((f) => base64Variants(f.bytes).map((v) => ({ kind: f.kind, how: v.how, text: v.text }))) },
      { weight: 1, arbitrary: notBase64.map((v) => ({ kind: 'not-base64', how: v.how, text: v.text })) },
    );

  function checkImageMedia(m: any): void {
    expect(['IMAGE', 'VIDEO']).toContain(m.kind);
    expect(m.width).toBeGreaterThan(0);
    expect(m.height).toBeGreaterThan(0);
    expect(m.width * m.height).toBeLessThanOrEqual(MAX_PIXELS);
    expect(m.sha256).toMatch(/^[0-9a-f]{64}$/);
  }

  it('addMedia with hostile base64 files: a coded error, or one stored image', async () => {
    await property(
      h,
      'addMedia(base64)',
      payloads(),
      async (p) => {
        const r = coded(h, await gql(h, { query: ADD_MEDIA, variables: { input: { projectId: h.projectId, base64: p.text, filename: `${p.kind}.bin` } } }), 'addMedia');
        if (r.ok) {
          h.expectedMedia++;
          checkImageMedia(r.data.media);
        }
      },
      { numRuns: 260, storeEachCase: true },
    );
  }, PROPERTY_TIMEOUT_MS);

  it('addMedia with hostile filename, label, projectId and both/neither sources', async () => {
    const arb = fc.record({
      filename: fc.option(hostileString, { nil: undefined }),
      label: fc.option(hostileString, { nil: undefined }),
      projectId: fc.oneof({ weight: 3, arbitrary: fc.constant('OWN') }, { weight: 1, arbitrary: hostileString }, { weight: 1, arbitrary: fc.uuid() }),
      sources: fc.constantFrom('base64', 'base64', 'base64', 'both', 'neither', 'serverPath'),
    });
    await property(
      h,
      'addMedia(metadata)',
      arb,
      async (v) => {
        const b64 = real.png.toString('base64');
        const input = {
          projectId: v.projectId === 'OWN' ? h.projectId : v.projectId,
          filename: v.filename,
          label: v.label,
          ...(v.sources === 'base64' || v.sources === 'both' ? { base64: b64 } : {}),
          ...(v.sources === 'both' || v.sources === 'serverPath' ? { serverPath: '/etc/hostname' } : {}),
        };
        const r = coded(h, await gql(h, { query: ADD_MEDIA, variables: { input } }), 'addMedia');
        if (r.ok) {
          h.expectedMedia++;
          checkImageMedia(r.data.media);
          // What was stored is what was sent.
          expect(r.data.media.filename).toBe(wellFormed(v.filename) ?? null);
          expect(r.data.media.label).toBe(wellFormed(v.label) ?? null);
        }
      },
      { numRuns: 80, storeEachCase: true },
    );
  }, PROPERTY_TIMEOUT_MS);

  it('inline images (segmentImage / segmentEverything / segmentPhrases imageBase64): a coded error or a result, and nothing stored', async () => {
    const arb = fc.tuple(payloads(), fc.constantFrom('segmentImage', 'segmentImage', 'segmentEverything', 'segmentPhrases'));
    await property(
      h,
      'inline imageBase64',
      arb,
      async ([p, op]) => {
        let r;
        if (op === 'segmentImage') {
          r = coded(h, await gql(h, { query: SEGMENT, variables: { input: { imageBase64: p.text, objects: [{ points: [{ x: 0.5, y: 0.5 }] }] } } }), op);
        } else if (op === 'segmentEverything') {
          r = coded(h, await gql(h, { query: EVERYTHING, variables: { input: { imageBase64: p.text, pointsPerSide: 2 } } }), op);
        } else {
          r = coded(h, await gql(h, { query: PHRASES, variables: { input: { imageBase64: p.text, phrases: ['red square'] } } }), op);
        }
        if (r.ok) {
          expect(r.data.width).toBeGreaterThan(0);
          expect(r.data.height).toBeGreaterThan(0);
          expect(r.data.width * r.data.height).toBeLessThanOrEqual(MAX_PIXELS);
          if (op === 'segmentImage') {
            expect(r.data.objects).toHaveLength(1);
            expect(r.data.objects[0].mask.rle.size).toEqual([r.data.height, r.data.width]);
          }
        }
      },
      // checkStore after each case: an inline image must never leave a row or a file behind.
      { numRuns: 130, storeEachCase: true },
    );
  }, PROPERTY_TIMEOUT_MS);
});
