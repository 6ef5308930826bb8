import sharp from 'sharp';
import { MediaError, trimReason } from './media-error.js';

export interface RgbImage {
  /** Packed RGB, 3 bytes per pixel, row-major, no padding: length = width * height * 3. */
  data: Buffer;
  width: number;
  height: number;
}

export interface DecodeOptions {
  /**
   * Resize after orientation. 'fill' stretches to exactly width x height; 'contain' letterboxes
   * on black; 'cover' crops the centre; 'inside' keeps the aspect ratio within the box (the
   * result may be smaller than width x height in one dimension).
   */
  resize?: { width: number; height: number; fit: 'fill' | 'contain' | 'cover' | 'inside' };
  /** Refuse inputs above this many pixels (sharp's own default limit when omitted). */
  maxPixels?: number;
}

/** Format of the thumbnails makeThumbnail produces. */
export const THUMBNAIL_FORMAT = { format: 'webp', mimeType: 'image/webp', ext: 'webp' } as const;

function decodeFailure(err: unknown): MediaError {
  if (err instanceof MediaError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  if (/pixel limit/i.test(reason)) return new MediaError('TOO_MANY_PIXELS', trimReason(reason), { cause: err });
  if (/unsupported image format/i.test(reason)) {
    return new MediaError('UNSUPPORTED_MEDIA', 'not a supported image', { cause: err });
  }
  return new MediaError('CORRUPT_MEDIA', `cannot decode the image: ${trimReason(reason)}`, { cause: err });
}

/**
 * Decode to 8-bit sRGB, 3 channels: EXIF orientation applied, alpha flattened onto black,
 * grey expanded to RGB, 16-bit reduced to 8-bit, ICC profiles converted to sRGB.
 */
export async function decodeRgb(bytes: Buffer, opts: DecodeOptions = {}): Promise<RgbImage> {
  try {
    let img = sharp(bytes, { failOn: 'error', limitInputPixels: opts.maxPixels ?? true }).autoOrient();
    if (opts.resize) {
      const { width, height, fit } = opts.resize;
      if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
        throw new RangeError(`resize needs positive integer sizes, got ${width}x${height}`);
      }
      img = img.resize({ width, height, fit, background: { r: 0, g: 0, b: 0, alpha: 1 }, kernel: 'linear' });
    }
    const { data, info } = await img
      .flatten({ background: { r: 0, g: 0, b: 0 } })
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
      throw new MediaError('CORRUPT_MEDIA', `unexpected decode result: ${info.channels} channels, ${data.length} bytes`);
    }
    return { data, width: info.width, height: info.height };
  } catch (err) {
    if (err instanceof RangeError) throw err;
    throw decodeFailure(err);
  }
}

/**
 * A WebP thumbnail (see THUMBNAIL_FORMAT) whose longer side is at most maxSide, orientation
 * applied, never enlarged; alpha is kept.
 */
export async function makeThumbnail(bytes: Buffer, maxSide = 256): Promise<Buffer> {
  if (!Number.isInteger(maxSide) || maxSide <= 0) throw new RangeError(`maxSide must be a positive integer, got ${maxSide}`);
  try {
    return await sharp(bytes, { failOn: 'error' })
      .autoOrient()
      .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .webp({ quality: 80 })
      .toBuffer();
  } catch (err) {
    throw decodeFailure(err);
  }
}

/** The same thumbnail from a decoded RGB frame (e.g. frame 0 of a video). */
export async function makeThumbnailFromRgb(frame: RgbImage, maxSide = 256): Promise<Buffer> {
  if (!Number.isInteger(maxSide) || maxSide <= 0) throw new RangeError(`maxSide must be a positive integer, got ${maxSide}`);
  return sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 80 })
    .toBuffer();
}
