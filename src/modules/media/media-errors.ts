// Media-layer errors -> client errors with codes.
import { AppError, type ErrorCode } from '../../errors/app-errors.js';
import { MediaError, type MediaErrorCode } from '../../media/media-error.js';

const CODES: Record<MediaErrorCode, ErrorCode> = {
  UNSUPPORTED_MEDIA: 'BAD_USER_INPUT',
  CORRUPT_MEDIA: 'BAD_USER_INPUT',
  TOO_LARGE: 'BAD_USER_INPUT',
  TOO_MANY_PIXELS: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  FORBIDDEN_PATH: 'FORBIDDEN',
  DISK_FULL: 'RESOURCE_EXHAUSTED',
  FFMPEG_UNAVAILABLE: 'INTERNAL_SERVER_ERROR',
};

/** Rethrows a MediaError as an AppError (reason kept in extensions.reason); others unchanged. */
export function mapMediaError(err: unknown): never {
  if (err instanceof MediaError) {
    throw new AppError(CODES[err.code], err.message, { reason: err.code, retryable: err.code === 'DISK_FULL' });
  }
  throw err;
}
