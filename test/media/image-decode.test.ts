import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { THUMBNAIL_FORMAT, decodeRgb, makeThumbnail, makeThumbnailFromRgb } from '../../src/media/image-decode.js';
import { MediaError } from '../../src/media/media-error.js';

describe('decodeRgb', () => {
  it('flattens alpha on black and returns packed RGB', async () => {
    // Left half opaque green, right half fully transparent white.
    const png = await sharp({ create: { width: 40, height: 20, channels: 4, background: { r: 255, g: 255, b: 255, alpha: 0 } } })
      .composite([{ input: { create: { width: 20, height: 20, channels: 4, background: { r: 0, g: 255, b: 0, alpha: 1 } } }, left: 0, top: 0 }])
      .png()
      .toBuffer();
    const { data, width, height } = await decodeRgb(png);
    expect([width, height]).toEqual([40, 20]);
    expect(data.length).toBe(40 * 20 * 3);
    expect([...data.subarray((10 * 40 + 5) * 3, (10 * 40 + 5) * 3 + 3)]).toEqual([0, 255, 0]);
    expect([...data.subarray((10 * 40 + 35) * 3, (10 * 40 + 35) * 3 + 3)]).toEqual([0, 0, 0]);
  });

  it('expands 16-bit grey to 8-bit RGB', async () => {
    const g16 = await sharp({ create: { width: 8, height: 4, channels: 3, background: '#808080' } }).toColourspace('grey16').png().toBuffer();
    expect((await sharp(g16).metadata()).depth).toBe('ushort');
    const { data } = await decodeRgb(g16);
    expect(data.length).toBe(8 * 4 * 3);
    expect(Math.abs(data[0]! - 128)).toBeLessThanOrEqual(1);
    expect(data[0]).toBe(data[1]);
    expect(data[1]).toBe(data[2]);
  });

  it('resizes with fit fill to the exact size', async () => {
    const jpg = await sharp({ create: { width: 300, height: 100, channels: 3, background: '#336699' } }).jpeg().toBuffer();
    const out = await decodeRgb(jpg, { resize: { width: 64, height: 64, fit: 'fill' } });
    expect([out.width, out.height, out.data.length]).toEqual([64, 64, 64 * 64 * 3]);
    const inside = await decodeRgb(jpg, { resize: { width: 64, height: 64, fit: 'inside' } });
    expect([inside.width, inside.height]).toEqual([64, 21]);
  });

  it('rejects corrupt data with a MediaError', async () => {
    const png = await sharp({ create: { width: 100, height: 100, channels: 3, background: '#010203' } }).png({ compressionLevel: 0 }).toBuffer();
    const err = await decodeRgb(png.subarray(0, png.length / 2)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MediaError);
    expect((err as MediaError).code).toBe('CORRUPT_MEDIA');
  });
});

describe('makeThumbnail', () => {
  it('makes a WebP no larger than maxSide, never enlarging', async () => {
    expect(THUMBNAIL_FORMAT.format).toBe('webp');
    const big = await sharp({ create: { width: 1000, height: 500, channels: 3, background: '#abcdef' } }).png().toBuffer();
    const thumb = await makeThumbnail(big);
    const meta = await sharp(thumb).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 256, 128]);

    const small = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#abcdef' } }).png().toBuffer();
    const m2 = await sharp(await makeThumbnail(small, 64)).metadata();
    expect([m2.width, m2.height]).toEqual([40, 30]);
  });

  it('makes a thumbnail from a raw RGB frame', async () => {
    const frame = { data: Buffer.alloc(320 * 240 * 3, 200), width: 320, height: 240 };
    const meta = await sharp(await makeThumbnailFromRgb(frame, 100)).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 100, 75]);
  });
});
