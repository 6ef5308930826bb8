import { pngChunk } from '../support/png.js';
import { randomBytes } from 'node:crypto';
import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeRgb } from '../../src/media/image-decode.js';
import { probeImage, sniffImageFormat } from '../../src/media/image-probe.js';
import { MediaError, type MediaErrorCode } from '../../src/media/media-error.js';

const limits = { maxBytes: 10 * 1024 * 1024, maxPixels: 4096 * 4096 };

/** A 200x150 picture: red background, blue square; with alpha, the background is half transparent. */
async function drawn(alpha = false): Promise<Sharp> {
  const channels = alpha ? 4 : 3;
  const data = Buffer.alloc(200 * 150 * channels);
  for (let y = 0; y < 150; y++) {
    for (let x = 0; x < 200; x++) {
      const o = (y * 200 + x) * channels;
      const inSquare = x >= 20 && x < 70 && y >= 30 && y < 80;
      data[o] = inSquare ? 0 : 255;
      data[o + 2] = inSquare ? 255 : 0;
      if (alpha) data[o + 3] = inSquare ? 255 : 128;
    }
  }
  return sharp(data, { raw: { width: 200, height: 150, channels } });
}

async function expectCode(p: Promise<unknown>, code: MediaErrorCode): Promise<MediaError> {
  const err = await p.then(
    () => {
      throw new Error(`expected MediaError ${code}, got success`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MediaError);
  expect((err as MediaError).code, (err as Error).message).toBe(code);
  return err as MediaError;
}

// --- crafting a PNG by hand -------------------------------------------------------------------
/** A PNG whose IHDR (with a correct CRC) promises width x height RGB pixels. */
function pngPromising(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  // compression, filter, interlace = 0
  const idat = Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]); // empty zlib stream
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', idat),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('probeImage', () => {
  it.each([
    ['png', 3, false, async () => (await drawn()).png().toBuffer()],
    ['jpeg', 3, false, async () => (await drawn()).jpeg().toBuffer()],
    ['webp', 3, false, async () => (await drawn()).webp().toBuffer()],
    ['png', 4, true, async () => (await drawn(true)).png().toBuffer()],
    ['webp', 4, true, async () => (await drawn(true)).webp({ lossless: true }).toBuffer()],
    ['gif', 3, false, async () => (await drawn()).gif().toBuffer()],
    ['tiff', 3, false, async () => (await drawn()).tiff().toBuffer()],
    ['avif', 3, false, async () => (await drawn()).avif({ effort: 0 }).toBuffer()],
  ] as const)('reads %s (%d channels, alpha %s)', async (format, channels, hasAlpha, make) => {
    const info = await probeImage(await make(), limits);
    expect(info.format).toBe(format);
    expect(info.width).toBe(200);
    expect(info.height).toBe(150);
    expect(info.orientation).toBe(1);
    if (format !== 'gif') {
      expect(info.channels).toBe(channels);
      expect(info.hasAlpha).toBe(hasAlpha);
    }
    expect(info.mimeType).toBe(`image/${format}`);
  });

  it('reports EXIF-oriented dimensions and decodes upright', async () => {
    // Stored 200x100: left half red, right half blue; orientation 6 = rotate 90° clockwise.
    const stored = await sharp({ create: { width: 200, height: 100, channels: 3, background: '#ff0000' } })
      .composite([{ input: { create: { width: 100, height: 100, channels: 3, background: '#0000ff' } }, left: 100, top: 0 }])
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const info = await probeImage(stored, limits);
    expect(info).toMatchObject({ format: 'jpeg', width: 100, height: 200, orientation: 6 });
    const rgb = await decodeRgb(stored);
    expect([rgb.width, rgb.height]).toEqual([100, 200]);
    const at = (x: number, y: number) => [...rgb.data.subarray((y * 100 + x) * 3, (y * 100 + x) * 3 + 3)];
    // Displayed: top half red (was left), bottom half blue (was right).
    expect(at(50, 20)[0]).toBeGreaterThan(200);
    expect(at(50, 20)[2]).toBeLessThan(60);
    expect(at(50, 180)[2]).toBeGreaterThan(200);
    expect(at(50, 180)[0]).toBeLessThan(60);
  });

  it('rejects a truncated PNG whose header is intact', async () => {
    const png = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#123456' } })
      .composite([{ input: randomBytes(100 * 100 * 3), raw: { width: 100, height: 100, channels: 3 }, left: 10, top: 10 }])
      .png({ compressionLevel: 0 })
      .toBuffer();
    const cut = png.subarray(0, Math.floor(png.length / 2));
    expect(sniffImageFormat(cut)).toBe('png');
    const err = await expectCode(probeImage(cut, limits), 'CORRUPT_MEDIA');
    expect(err.message).toMatch(/png/i);
  });

  it('rejects a truncated JPEG', async () => {
    const jpg = await sharp(randomBytes(256 * 256 * 3), { raw: { width: 256, height: 256, channels: 3 } }).jpeg().toBuffer();
    await expectCode(probeImage(jpg.subarray(0, Math.floor(jpg.length * 0.6)), limits), 'CORRUPT_MEDIA');
  });

  it('rejects random bytes, text, SVG and BMP as unsupported', async () => {
    await expectCode(probeImage(randomBytes(4096), limits), 'UNSUPPORTED_MEDIA');
    await expectCode(probeImage(Buffer.from('just some text, certainly not a picture\n'.repeat(20)), limits), 'UNSUPPORTED_MEDIA');
    await expectCode(
      probeImage(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'), limits),
      'UNSUPPORTED_MEDIA',
    );
    const bmp = Buffer.alloc(58);
    bmp.write('BM', 0, 'latin1');
    bmp.writeUInt32LE(58, 2);
    bmp.writeUInt32LE(54, 10);
    bmp.writeUInt32LE(40, 14);
    bmp.writeInt32LE(1, 18);
    bmp.writeInt32LE(1, 22);
    bmp.writeUInt16LE(1, 26);
    bmp.writeUInt16LE(24, 28);
    await expectCode(probeImage(bmp, limits), 'UNSUPPORTED_MEDIA');
    await expectCode(probeImage(Buffer.alloc(0), limits), 'UNSUPPORTED_MEDIA');
  });

  it('rejects a polyglot: PNG magic followed by garbage', async () => {
    const poly = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(2000)]);
    await expectCode(probeImage(poly, limits), 'CORRUPT_MEDIA');
    const jpegish = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('<?php echo 1; ?>'.repeat(50))]);
    await expectCode(probeImage(jpegish, limits), 'CORRUPT_MEDIA');
  });

  it('rejects a header promising 100000x100000 pixels before decoding anything', async () => {
    const bomb = pngPromising(100_000, 100_000);
    expect(bomb.length).toBeLessThan(100);
    const rssBefore = process.memoryUsage().rss;
    const t0 = performance.now();
    const err = await expectCode(probeImage(bomb, limits), 'TOO_MANY_PIXELS');
    const ms = performance.now() - t0;
    expect(err.message).toContain('100000x100000');
    expect(ms).toBeLessThan(1000);
    // Decoding would need 30 GB; nothing close to even 100 MB was allocated.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(100 * 1024 * 1024);
  });

  it('honours maxPixels exactly and maxBytes', async () => {
    const png = await (await drawn()).png().toBuffer(); // 200x150 = 30000 px
    await expect(probeImage(png, { maxBytes: png.length, maxPixels: 30_000 })).resolves.toMatchObject({ width: 200 });
    await expectCode(probeImage(png, { maxBytes: png.length, maxPixels: 29_999 }), 'TOO_MANY_PIXELS');
    await expectCode(probeImage(png, { maxBytes: png.length - 1, maxPixels: 30_000 }), 'TOO_LARGE');
  });
});
