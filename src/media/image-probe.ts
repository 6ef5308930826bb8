import sharp, { type Metadata } from 'sharp';
import { MediaError, trimReason } from './media-error.js';
import { ACCEPTED_VIDEO } from './container-sniff.js';

/** Raster formats this server accepts (what the bundled libvips decodes). */
export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff' | 'avif';

export interface ImageLimits {
  /** Largest accepted encoded size in bytes. */
  maxBytes: number;
  /** Largest accepted width*height, checked from the header before any decoding. */
  maxPixels: number;
  /** Largest accepted width or height: a 1 x 60,000,000 strip passes a pixel cap, not this. */
  maxSide?: number;
}

export interface ImageInfo {
  format: ImageFormat;
  /** Width after applying the EXIF orientation (what a viewer shows). */
  width: number;
  /** Height after applying the EXIF orientation. */
  height: number;
  /** Bands in the stored image: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA or CMYK. */
  channels: number;
  hasAlpha: boolean;
  /** EXIF orientation 1..8 (1 when absent). */
  orientation: number;
  mimeType: string;
  /** File extension to store it under, without dot. */
  ext: string;
}

const MIME: Record<ImageFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  tiff: 'image/tiff',
  avif: 'image/avif',
};

const EXT: Record<ImageFormat, string> = {
  jpeg: 'jpg',
  png: 'png',
  webp: 'webp',
  gif: 'gif',
  tiff: 'tiff',
  avif: 'avif',
};

/** Formats we recognise by their magic bytes, including ones we then refuse. */
export type SniffedFormat = ImageFormat | 'heic' | 'bmp' | 'svg' | 'pdf';

/**
 * Recognise an image container from its first bytes. Used to tell "this is an image, but
 * broken" (CORRUPT_MEDIA) from "this is not an image we know" (UNSUPPORTED_MEDIA).
 */
export function sniffImageFormat(bytes: Buffer): SniffedFormat | undefined {
  const b = bytes;
  const ascii = (start: number, end: number) => b.toString('latin1', start, end);
  if (b.length >= 8 && b.readUInt32BE(0) === 0x89504e47 && b.readUInt32BE(4) === 0x0d0a1a0a) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 6 && (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a')) return 'gif';
  if (b.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  if (b.length >= 4 && (ascii(0, 4) === 'II*\0' || ascii(0, 4) === 'MM\0*' || ascii(0, 4) === 'II+\0' || ascii(0, 4) === 'MM\0+')) {
    return 'tiff';
  }
  if (b.length >= 12 && ascii(4, 8) === 'ftyp') {
    const brand = ascii(8, 12);
    if (brand === 'avif' || brand === 'avis') return 'avif';
    if (['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1'].includes(brand)) return 'heic';
  }
  if (b.length >= 2 && ascii(0, 2) === 'BM') return 'bmp';
  if (b.length >= 5 && ascii(0, 5) === '%PDF-') return 'pdf';
  const head = ascii(0, Math.min(b.length, 512)).trimStart().toLowerCase();
  if (head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg'))) return 'svg';
  return undefined;
}

function validateLimits(limits: ImageLimits): void {
  for (const [k, v] of Object.entries(limits)) {
    if (v !== undefined && (!Number.isFinite(v) || v <= 0)) throw new RangeError(`image limit ${k} must be a positive number, got ${v}`);
  }
}

/**
 * Probe an uploaded image: check its size, read its header (format, dimensions, orientation),
 * refuse oversized headers before any pixel is decoded, then decode it fully once so that
 * truncated or corrupt data is rejected now rather than at inference time.
 */
export async function probeImage(bytes: Buffer, limits: ImageLimits): Promise<ImageInfo> {
  validateLimits(limits);
  if (bytes.length > limits.maxBytes) {
    throw new MediaError('TOO_LARGE', `image is ${bytes.length} bytes; the limit is ${limits.maxBytes} bytes`);
  }
  if (bytes.length === 0) throw new MediaError('UNSUPPORTED_MEDIA', 'the file is empty');

  const sniffed = sniffImageFormat(bytes);

  let meta: Metadata;
  try {
    // Header only: no pixel is decoded here, so a huge promised size costs nothing.
    meta = await sharp(bytes, { limitInputPixels: false, failOn: 'error' }).metadata();
  } catch (err) {
    throw headerError(err, sniffed);
  }

  const format = acceptedFormat(meta, sniffed);
  const { width, height } = meta;
  if (!(width > 0) || !(height > 0)) {
    throw new MediaError('CORRUPT_MEDIA', `the ${format} header declares an empty image (${width}x${height})`);
  }
  if (limits.maxSide !== undefined && (width > limits.maxSide || height > limits.maxSide)) {
    throw new MediaError('TOO_MANY_PIXELS', `image is ${width}x${height}; the limit is ${limits.maxSide} pixels on each side (MEDIA_MAX_SIDE)`);
  }
  const pixels = width * height;
  if (pixels > limits.maxPixels) {
    throw new MediaError(
      'TOO_MANY_PIXELS',
      `image is ${width}x${height} (${pixels} pixels); the limit is ${limits.maxPixels} pixels`,
    );
  }

  // Decode every pixel once (streamed through libvips: stats() keeps no full copy) so that
  // truncated or damaged data fails here. failOn 'error' also fails on truncation.
  try {
    await sharp(bytes, { limitInputPixels: limits.maxPixels, failOn: 'error' }).stats();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    if (/pixel limit/i.test(reason)) {
      throw new MediaError('TOO_MANY_PIXELS', `image exceeds the limit of ${limits.maxPixels} pixels`, { cause: err });
    }
    throw new MediaError('CORRUPT_MEDIA', `the ${format} image is truncated or corrupt: ${trimReason(reason)}`, {
      cause: err,
    });
  }

  const orientation = meta.orientation && meta.orientation >= 1 && meta.orientation <= 8 ? meta.orientation : 1;
  const swap = orientation >= 5;
  return {
    format,
    width: swap ? height : width,
    height: swap ? width : height,
    channels: meta.channels,
    hasAlpha: meta.hasAlpha === true,
    orientation,
    mimeType: MIME[format],
    ext: EXT[format],
  };
}

function headerError(err: unknown, sniffed: SniffedFormat | undefined): MediaError {
  const reason = err instanceof Error ? err.message : String(err);
  if (sniffed === undefined || /unsupported image format/i.test(reason)) {
    // sharp did not recognise the bytes at all.
    if (sniffed && sniffed !== 'bmp' && sniffed !== 'heic' && sniffed !== 'svg' && sniffed !== 'pdf') {
      return new MediaError('CORRUPT_MEDIA', `the file looks like ${sniffed} but its header cannot be read`, {
        cause: err,
      });
    }
    return new MediaError('UNSUPPORTED_MEDIA', unsupportedMessage(sniffed), { cause: err });
  }
  return new MediaError('CORRUPT_MEDIA', `the ${sniffed} header is corrupt: ${trimReason(reason)}`, { cause: err });
}

function unsupportedMessage(what: string | undefined): string {
  const accepted = 'JPEG, PNG, WebP, GIF, TIFF or AVIF';
  return what
    ? `${what.toUpperCase()} images are not supported; use ${accepted}`
    : `neither an image nor a video we read; images: ${accepted}; videos: ${ACCEPTED_VIDEO}`;
}

function acceptedFormat(meta: Metadata, sniffed: SniffedFormat | undefined): ImageFormat {
  switch (meta.format) {
    case 'jpeg':
    case 'png':
    case 'webp':
    case 'gif':
    case 'tiff':
      return meta.format;
    case 'heif':
      if (meta.compression === 'av1') return 'avif';
      throw new MediaError('UNSUPPORTED_MEDIA', unsupportedMessage('heic'));
    default:
      throw new MediaError('UNSUPPORTED_MEDIA', unsupportedMessage(sniffed ?? String(meta.format)));
  }
}
