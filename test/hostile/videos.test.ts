// Corrupt and truncated videos through POST /upload (and addMedia base64): discs.mp4 cut at
// random offsets, bytes flipped in its header, in its moov box and anywhere, container magic
// followed by garbage, and a small Matroska file treated the same way. Each one answers 4xx with
// a coded error or 201 with a valid VIDEO (frameCount within the source's), whose last frame a
// session can really reach. Also hostile query parameters of /upload.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeTestVideo, testBins } from '../fixtures/video.js';
import { fixture } from '../support/tracking.js';
import { realImages } from './bytes.js';
import { PROPERTY_TIMEOUT_MS, coded, codedHttp, gql, hostileId, hostileString, property, report, startHostile, upload, type Hostile } from './harness.js';
import { wellFormed } from './harness.js';

const DISCS_FRAMES = 60;
const MKV_FRAMES = 8;

/** Top-level boxes of an MP4: [type, offset, size]. */
function mp4Boxes(b: Buffer): [string, number, number][] {
  const out: [string, number, number][] = [];
  for (let off = 0; off + 8 <= b.length; ) {
    let size = b.readUInt32BE(off);
    const type = b.toString('latin1', off + 4, off + 8);
    if (size === 1 && off + 16 <= b.length) size = Number(b.readBigUInt64BE(off + 8));
    if (size === 0) size = b.length - off;
    if (size < 8) break;
    out.push([type, off, size]);
    off += size;
  }
  return out;
}

describe('hostile videos', () => {
  let h: Hostile;
  let tmp: string;
  let sources: { name: string; bytes: Buffer; frames: number; region: [number, number] }[];
  /** sha256 of accepted videos already opened in a session. */
  const reached = new Set<string>();
  const started = performance.now();

  beforeAll(async () => {
    h = await startHostile('videos');
    tmp = await mkdtemp(path.join(tmpdir(), 'maskql-hostile-videos-'));
    const mp4 = await readFile(fixture('discs.mp4'));
    const moov = mp4Boxes(mp4).find(([t]) => t === 'moov');
    sources = [{ name: 'discs.mp4', bytes: mp4, frames: DISCS_FRAMES, region: moov ? [moov[1], moov[1] + moov[2]] : [0, Math.min(4096, mp4.length)] }];
    const mkvPath = path.join(tmp, 'small.mkv');
    await encodeTestVideo({ outPath: mkvPath, width: 64, height: 48, fps: 10, frameCount: MKV_FRAMES, codec: 'mpeg4', frames: (i) => Buffer.alloc(64 * 48 * 3, (i * 30) & 0xff), bins: testBins() });
    const mkv = await readFile(mkvPath);
    sources.push({ name: 'small.mkv', bytes: mkv, frames: MKV_FRAMES, region: [0, Math.min(512, mkv.length)] });
  });
  afterAll(async () => {
    if (h) report(h, started);
    await h?.srv.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  type Damage = { source: number; how: string; bytes: Buffer };

  const damaged = (): fc.Arbitrary<Damage> => {
    const at = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
    const src = fc.constantFrom(0, 0, 0, 1);
    const flips = fc.array(fc.tuple(at, fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 6 });
    const flip = (b: Buffer, lo: number, hi: number, fs: [number, number][]) => {
      const out = Buffer.from(b);
      for (const [p, x] of fs) out[lo + Math.floor(p * (hi - lo))] ^= x;
      return out;
    };
    return fc.oneof(
      fc.tuple(src, at).map(([s, p]) => {
        const b = sources[s].bytes;
        const cut = Math.floor(p * b.length);
        return { source: s, how: `truncated at ${cut}/${b.length}`, bytes: b.subarray(0, cut) };
      }),
      fc.tuple(src, fc.integer({ min: 1, max: 3000 })).map(([s, k]) => {
        const b = sources[s].bytes;
        return { source: s, how: `last ${k} bytes cut`, bytes: b.subarray(0, Math.max(0, b.length - k)) };
      }),
      fc.tuple(src, flips).map(([s, fs]) => ({ source: s, how: `flipped in the first 64 bytes ${JSON.stringify(fs)}`, bytes: flip(sources[s].bytes, 0, Math.min(64, sources[s].bytes.length), fs) })),
      fc.tuple(src, flips).map(([s, fs]) => {
        const [lo, hi] = sources[s].region;
        return { source: s, how: `flipped in the header (${sources[s].name} ${lo}..${hi}) ${JSON.stringify(fs)}`, bytes: flip(sources[s].bytes, lo, hi, fs) };
      }),
      fc.tuple(src, flips).map(([s, fs]) => ({ source: s, how: `flipped anywhere ${JSON.stringify(fs)}`, bytes: flip(sources[s].bytes, 0, sources[s].bytes.length, fs) })),
      fc.tuple(src, at, at).map(([s, a, b]) => {
        const src = sources[s].bytes;
        const [lo, hi] = [Math.floor(Math.min(a, b) * src.length), Math.floor(Math.max(a, b) * src.length)];
        const out = Buffer.from(src);
        out.fill(0, lo, Math.min(hi, lo + 65536));
        return { source: s, how: `zeroed ${lo}..${Math.min(hi, lo + 65536)}`, bytes: out };
      }),
      fc.tuple(src, fc.uint8Array({ maxLength: 4096 })).map(([s, g]) => ({ source: s, how: `${g.length} garbage bytes appended`, bytes: Buffer.concat([sources[s].bytes, g]) })),
      fc.tuple(fc.constantFrom('ftyp-isom', 'mkv', 'moov', 'mdat', 'free', 'wide'), fc.uint8Array({ maxLength: 4096 })).map(([m, g]) => {
        const magic: Record<string, Buffer> = {
          'ftyp-isom': Buffer.from('\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2', 'latin1'),
          mkv: Buffer.from([0x1a, 0x45, 0xdf, 0xa3]),
          moov: Buffer.from('\x00\x00\x00\x08moov', 'latin1'),
          mdat: Buffer.from('\xff\xff\xff\xffmdat', 'latin1'),
          free: Buffer.from('\x00\x00\x00\x01free\xff\xff\xff\xff\xff\xff\xff\xff', 'latin1'),
          wide: Buffer.from('\x00\x00\x00\x08wide', 'latin1'),
        };
        return { source: 0, how: `${m} + ${g.length} garbage bytes`, bytes: Buffer.concat([magic[m], Buffer.from(g)]) };
      }),
      // The head of the file (ftyp ... moov) without any media data: a box table pointing nowhere.
      fc.constant(0).map((s) => {
        const b = sources[s].bytes;
        const boxes = mp4Boxes(b).filter(([t]) => t !== 'mdat');
        return { source: s, how: 'every box but mdat', bytes: Buffer.concat(boxes.map(([, o, n]) => b.subarray(o, o + n))) };
      }),
    );
  };

  /**
   * An accepted video must be usable: a session reaches its first and last frames (or says why not,
   * with a code). Checked for every accepted video with fewer frames than its source (a cut one)
   * and for the first few others (sessions cost a frame decode and an encoder run).
   */
  async function reachLastFrame(media: { id: string; sha256: string; frameCount: number }, sourceFrames: number): Promise<void> {
    if (reached.has(media.sha256) || (media.frameCount === sourceFrames && reached.size >= 3)) return;
    reached.add(media.sha256);
    const s = coded(h, await gql(h, { query: 'mutation($i: StartSessionInput!) { startSession(input: $i) { session { id totalFrames } } }', variables: { i: { mediaId: media.id } } }), 'startSession');
    if (!s.ok) return;
    const sessionId = s.data.session.id;
    expect(s.data.session.totalFrames).toBe(media.frameCount);
    try {
      for (const frameIndex of [0, media.frameCount - 1]) {
        const p = coded(h, await gql(h, { query: 'mutation($i: AddPromptInput!) { addPrompt(input: $i) { objectId frame { frameIndex } } }', variables: { i: { sessionId, frameIndex, points: [{ x: 0.5, y: 0.5 }] } } }), 'addPrompt');
        if (p.ok) expect(p.data.frame.frameIndex).toBe(frameIndex);
      }
    } finally {
      coded(h, await gql(h, { query: 'mutation($i: SessionIdInput!) { closeSession(input: $i) { freedBytes } }', variables: { i: { sessionId } } }), 'closeSession');
    }
  }

  it('corrupt and truncated videos: 4xx with a code, or 201 with a valid VIDEO', async () => {
    await property(
      h,
      'upload(damaged video)',
      fc.tuple(damaged(), fc.constantFrom('upload', 'upload', 'upload', 'addMedia')),
      async ([d, route]) => {
        let media: any;
        if (route === 'upload') {
          const r = codedHttp(h, await upload(h, `projectId=${h.projectId}&filename=v.bin`, d.bytes, 60_000));
          if (!r.ok) return;
          media = r.data.media;
        } else {
          const r = coded(h, await gql(h, { query: 'mutation($i: AddMediaInput!) { addMedia(input: $i) { media { id kind sha256 width height frameCount fps durationSec } } }', variables: { i: { projectId: h.projectId, base64: d.bytes.toString('base64') } } }, 60_000), 'addMedia');
          if (!r.ok) return;
          media = r.data.media;
        }
        h.expectedMedia++;
        expect(media.kind, d.how).toBe('VIDEO');
        expect(media.frameCount, d.how).toBeGreaterThanOrEqual(1);
        expect(media.frameCount, d.how).toBeLessThanOrEqual(sources[d.source].frames);
        expect(media.width).toBeGreaterThan(0);
        expect(media.height).toBeGreaterThan(0);
        expect(Number.isFinite(media.fps) && media.fps > 0).toBe(true);
        await reachLastFrame(media, sources[d.source].frames);
      },
      { numRuns: 40, storeEachCase: true },
    );
  }, PROPERTY_TIMEOUT_MS);

  it('upload with hostile query parameters (projectId, filename, label) and bodies', async () => {
    const img = await realImages();
    const param = fc.oneof(fc.constant(undefined), hostileString, hostileString.map((s) => encodeURIComponent(wellFormed(s)!)));
    const arb = fc.record({
      projectId: fc.oneof({ weight: 2, arbitrary: fc.constant('OWN') }, { weight: 1, arbitrary: hostileId }),
      filename: param,
      label: param,
      body: fc.constantFrom('png', 'png', 'empty', 'text'),
      extra: fc.constantFrom('', '&projectId=x', '&projectId[]=a&projectId[]=b', '&filename[a]=b', '&__proto__[x]=1'),
    });
    await property(
      h,
      'upload(query params)',
      arb,
      async (v) => {
        const q = new URLSearchParams();
        q.set('projectId', v.projectId === 'OWN' ? h.projectId : v.projectId);
        if (v.filename !== undefined) q.set('filename', v.filename);
        if (v.label !== undefined) q.set('label', v.label);
        const body = v.body === 'png' ? img.png : v.body === 'text' ? Buffer.from('hello') : Buffer.alloc(0);
        const r = codedHttp(h, await upload(h, q.toString() + v.extra, body));
        if (r.ok) {
          h.expectedMedia++;
          expect(r.data.media.kind).toBe('IMAGE');
        }
      },
      { numRuns: 40, storeEachCase: true },
    );
  }, PROPERTY_TIMEOUT_MS);
});
