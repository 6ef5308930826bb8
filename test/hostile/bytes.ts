// Hostile file bytes: truncated real images, polyglots, headers that promise huge dimensions,
// and the many ways of writing (or miswriting) them as base64.
import { deflateSync } from 'node:zlib';
import { pngChunk } from '../support/png.js';
import fc from 'fast-check';
import sharp from 'sharp';

export interface RealImages {
  png: Buffer;
  jpeg: Buffer;
  webp: Buffer;
  gif: Buffer;
  tiff: Buffer;
  avif: Buffer | null;
}

/** Small real images of every accepted format (noise, so that no two encodings collide). */
export async function realImages(): Promise<RealImages> {
  const w = 40;
  const h = 30;
  const raw = Buffer.alloc(w * h * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 7919 + (i >> 3) * 104729) & 0xff;
  const img = () => sharp(raw, { raw: { width: w, height: h, channels: 3 } });
  return {
    png: await img().png().toBuffer(),
    jpeg: await img().jpeg({ quality: 80 }).toBuffer(),
    webp: await img().webp().toBuffer(),
    gif: await img().gif().toBuffer(),
    tiff: await img().tiff().toBuffer(),
    avif: await img().avif().toBuffer().catch(() => null),
  };
}

// --- CRC-32 (PNG chunks) ---

export const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A PNG whose IHDR declares width x height, with a little (or no) pixel data. */
export function pngPromising(width: number, height: number, opts: { goodCrc: boolean; idat: 'none' | 'tiny' | 'rows'; colorType: number; bitDepth: number }): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width >>> 0, 0);
  ihdr.writeUInt32BE(height >>> 0, 4);
  ihdr[8] = opts.bitDepth;
  ihdr[9] = opts.colorType;
  const parts = [PNG_MAGIC, pngChunk('IHDR', ihdr, opts.goodCrc)];
  if (opts.idat === 'tiny') parts.push(pngChunk('IDAT', deflateSync(Buffer.alloc(16))));
  // A few zero rows of a 1-byte-per-pixel image: decodes a little, then the data runs out.
  if (opts.idat === 'rows') parts.push(pngChunk('IDAT', deflateSync(Buffer.alloc(Math.min(1 << 20, (Math.min(width, 1 << 16) + 1) * 4)))));
  parts.push(pngChunk('IEND', Buffer.alloc(0)));
  return Buffer.concat(parts);
}

/** A GIF whose logical screen (and frame) declare width x height, with one tiny LZW block. */
export function gifPromising(width: number, height: number, frameToo: boolean): Buffer {
  const u16 = (v: number) => {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(v & 0xffff);
    return b;
  };
  return Buffer.concat([
    Buffer.from('GIF89a', 'latin1'),
    u16(width),
    u16(height),
    Buffer.from([0x80, 0, 0]), // global colour table of 2 entries
    Buffer.from([0, 0, 0, 255, 255, 255]),
    Buffer.from([0x2c]),
    u16(0),
    u16(0),
    frameToo ? u16(width) : u16(1),
    frameToo ? u16(height) : u16(1),
    Buffer.from([0]),
    Buffer.from([2, 2, 0x4c, 0x01, 0]), // LZW min code size 2, one sub-block, terminator
    Buffer.from([0x3b]),
  ]);
}

/** A real JPEG with its SOF frame size patched to width x height. */
export function jpegPromising(jpeg: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(jpeg);
  for (let i = 2; i + 9 < out.length; ) {
    if (out[i] !== 0xff) break;
    const marker = out[i + 1];
    const len = out.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xc3) {
      out.writeUInt16BE(height & 0xffff, i + 5);
      out.writeUInt16BE(width & 0xffff, i + 7);
      return out;
    }
    i += 2 + len;
  }
  return out;
}

/** A little-endian TIFF with one IFD declaring width x height and a strip pointing anywhere. */
export function tiffPromising(width: number, height: number, stripOffset: number): Buffer {
  const entries: [number, number, number, number][] = [
    [256, 4, 1, width >>> 0], // ImageWidth LONG
    [257, 4, 1, height >>> 0], // ImageLength LONG
    [258, 3, 1, 8], // BitsPerSample
    [259, 3, 1, 1], // Compression none
    [262, 3, 1, 1], // BlackIsZero
    [273, 4, 1, stripOffset >>> 0], // StripOffsets
    [277, 3, 1, 1], // SamplesPerPixel
    [278, 4, 1, height >>> 0], // RowsPerStrip
    [279, 4, 1, 0xffffffff], // StripByteCounts
  ];
  const b = Buffer.alloc(8 + 2 + entries.length * 12 + 4 + 64);
  b.write('II*\0', 0, 'latin1');
  b.writeUInt32LE(8, 4);
  b.writeUInt16LE(entries.length, 8);
  entries.forEach(([tag, type, count, value], k) => {
    const o = 10 + k * 12;
    b.writeUInt16LE(tag, o);
    b.writeUInt16LE(type, o + 2);
    b.writeUInt32LE(count, o + 4);
    if (type === 3) b.writeUInt16LE(value & 0xffff, o + 8);
    else b.writeUInt32LE(value >>> 0, o + 8);
  });
  return b;
}

/** A WebP VP8X header declaring a canvas of width x height (both 1..16384), no image data. */
export function webpPromising(width: number, height: number): Buffer {
  const vp8x = Buffer.alloc(10);
  vp8x.writeUIntLE((width - 1) & 0xffffff, 4, 3);
  vp8x.writeUIntLE((height - 1) & 0xffffff, 7, 3);
  const chunk = Buffer.concat([Buffer.from('VP8X', 'latin1'), Buffer.from([10, 0, 0, 0]), vp8x]);
  const riff = Buffer.alloc(12);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(4 + chunk.length, 4);
  riff.write('WEBP', 8, 'latin1');
  return Buffer.concat([riff, chunk]);
}

const MAGICS: Record<string, Buffer> = {
  png: PNG_MAGIC,
  jpegSoi: Buffer.from([0xff, 0xd8, 0xff]),
  jpegSoiApp0: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]),
  gif: Buffer.from('GIF89a', 'latin1'),
  webp: Buffer.from('RIFF\x00\x00\x00\x00WEBPVP8 ', 'latin1'),
  tiffLE: Buffer.from('II*\0', 'latin1'),
  tiffBE: Buffer.from('MM\0*', 'latin1'),
  bigTiff: Buffer.from('II+\0\x08\x00\x00\x00', 'latin1'),
  zip: Buffer.from('PK\x03\x04\x14\x00\x00\x00\x08\x00', 'latin1'),
  pdf: Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n', 'latin1'),
  svg: Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="100000" height="100000">', 'latin1'),
  bmp: Buffer.from('BM', 'latin1'),
  heic: Buffer.from('\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic', 'latin1'),
  avif: Buffer.from('\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf', 'latin1'),
  mp4: Buffer.from('\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41', 'latin1'),
  mkv: Buffer.from([0x1a, 0x45, 0xdf, 0xa3]),
  gzip: Buffer.from([0x1f, 0x8b, 0x08, 0x00]),
  elf: Buffer.from('\x7fELF', 'latin1'),
  psd: Buffer.from('8BPS', 'latin1'),
  ico: Buffer.from([0, 0, 1, 0]),
  jxl: Buffer.from([0xff, 0x0a]),
};

const HUGE_DIMS = fc.constantFrom(0, 1, 2, 16383, 16384, 65535, 65536, 100_000, 1 << 24, 0x7fffffff, 0x80000000, 0xffffffff);

/** Every kind of hostile image file. */
export function hostileImageBytes(real: RealImages): fc.Arbitrary<{ kind: string; bytes: Buffer }> {
  const reals = Object.entries(real).filter(([, b]) => b) as [string, Buffer][];
  const realArb = fc.constantFrom(...reals);
  const garbage = fc.uint8Array({ maxLength: 2048 }).map((a) => Buffer.from(a));
  return fc.oneof(
    { weight: 2, arbitrary: garbage.map((bytes) => ({ kind: 'random', bytes })) },
    {
      weight: 4,
      arbitrary: fc.tuple(realArb, fc.double({ min: 0, max: 1, noNaN: true })).map(([[name, b], at]) => ({ kind: `truncated-${name}`, bytes: b.subarray(0, Math.floor(at * b.length)) })),
    },
    {
      weight: 3,
      arbitrary: fc.tuple(fc.constantFrom(...Object.keys(MAGICS)), garbage).map(([m, g]) => ({ kind: `polyglot-${m}`, bytes: Buffer.concat([MAGICS[m], g]) })),
    },
    {
      weight: 1,
      // Valid image with a second format appended (PNG+ZIP, JPEG+PDF, ...): still that image.
      arbitrary: fc.tuple(realArb, fc.constantFrom(...Object.keys(MAGICS)), garbage).map(([[name, b], m, g]) => ({ kind: `${name}+${m}`, bytes: Buffer.concat([b, MAGICS[m], g]) })),
    },
    {
      weight: 2,
      // A real image with bytes flipped in its header (first 64 bytes) or anywhere.
      arbitrary: fc
        .tuple(realArb, fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 }), fc.boolean())
        .map(([[name, b], flips, headerOnly]) => {
          const out = Buffer.from(b);
          for (const [at, x] of flips) out[Math.floor(at * (headerOnly ? Math.min(64, out.length) : out.length)) % out.length] ^= x;
          return { kind: `flipped-${name}`, bytes: out };
        }),
    },
    {
      weight: 3,
      arbitrary: fc.oneof(
        fc
          .record({ w: HUGE_DIMS, h: HUGE_DIMS, goodCrc: fc.boolean(), idat: fc.constantFrom('none' as const, 'tiny' as const, 'rows' as const), colorType: fc.constantFrom(0, 2, 3, 4, 6, 7), bitDepth: fc.constantFrom(1, 8, 16, 3) })
          .map((o) => ({ kind: 'png-huge', bytes: pngPromising(o.w, o.h, o) })),
        fc.record({ w: HUGE_DIMS, h: HUGE_DIMS, frame: fc.boolean() }).map((o) => ({ kind: 'gif-huge', bytes: gifPromising(o.w, o.h, o.frame) })),
        fc.record({ w: HUGE_DIMS, h: HUGE_DIMS }).map((o) => ({ kind: 'jpeg-huge', bytes: jpegPromising(real.jpeg, o.w, o.h) })),
        fc.record({ w: HUGE_DIMS, h: HUGE_DIMS, off: fc.constantFrom(0, 8, 100, 0x7fffffff, 0xffffffff) }).map((o) => ({ kind: 'tiff-huge', bytes: tiffPromising(o.w, o.h, o.off) })),
        fc.record({ w: fc.integer({ min: 1, max: 16384 }), h: fc.integer({ min: 1, max: 16384 }) }).map((o) => ({ kind: 'webp-huge', bytes: webpPromising(o.w, o.h) })),
      ),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'empty', bytes: Buffer.alloc(0) }) },
  );
}

/** The ways of writing bytes as a base64 string, from correct to broken. */
export function base64Variants(bytes: Buffer): fc.Arbitrary<{ how: string; text: string }> {
  const b64 = bytes.toString('base64');
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant({ how: 'base64', text: b64 }) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(
          'data:image/png;base64,',
          'data:application/octet-stream;base64,',
          'data:image/svg+xml;charset=utf-8;base64,',
          'DATA:IMAGE/PNG;BASE64,',
          'data:;base64,',
          'data:image/png,',
          'data:image/png;base64;base64,',
          'data:text/html;base64,',
          'data:image/png;base64,data:image/png;base64,',
          ' data:image/png;base64,',
          'data:image/png;param="x";base64,',
        )
        .map((prefix) => ({ how: `data-url ${JSON.stringify(prefix)}`, text: prefix + b64 })),
    },
    { weight: 1, arbitrary: fc.constant({ how: 'base64url', text: bytes.toString('base64url') }) },
    { weight: 1, arbitrary: fc.constantFrom('\n', '\r\n', ' ', '\t').map((sep) => ({ how: `wrapped ${JSON.stringify(sep)}`, text: b64.replace(/.{1,76}/g, (m) => m + sep) })) },
    { weight: 1, arbitrary: fc.constant({ how: 'no padding', text: b64.replace(/=+$/, '') }) },
    { weight: 1, arbitrary: fc.constantFrom('=', '==', '===', '====', '=A', 'A').map((s) => ({ how: `suffix ${s}`, text: b64 + s })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom('!', '*', '%', '\u0000', 'é', '😀', '-', '_', '.', '=', '\\n'))
        .map(([at, ch]) => {
          const i = Math.floor(at * b64.length);
          return { how: `junk ${JSON.stringify(ch)} at ${i}`, text: b64.slice(0, i) + ch + b64.slice(i) };
        }),
    },
    { weight: 1, arbitrary: fc.constant({ how: 'hex', text: bytes.toString('hex') }) },
    { weight: 1, arbitrary: fc.constant({ how: 'utf16', text: bytes.toString('latin1') }) },
  );
}

/** Strings that are not base64 at all (or barely). */
export const notBase64: fc.Arbitrary<{ how: string; text: string }> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }).map((text) => ({ how: 'random', text })),
  fc.constantFrom('', ' ', '\n\n', '=', '====', 'A', 'AA', 'AAA', 'AAAA', 'data:', 'data:image/png;base64,', 'data:image/png;base64,====', 'null', 'undefined', '[object Object]').map((text) => ({ how: 'edge', text })),
  fc.integer({ min: 100_000, max: 400_000 }).map((n) => ({ how: `${n} x "A"`, text: 'A'.repeat(n - (n % 4)) })),
);
