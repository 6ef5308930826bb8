import path from 'node:path';

/**
 * Errors of the media layer. This layer knows nothing of GraphQL: the service layer maps
 * `code` to a client-facing error code. Messages are meant for humans and may be shown to
 * clients, so they never contain absolute server paths or secrets.
 */
export type MediaErrorCode =
  | 'UNSUPPORTED_MEDIA'
  | 'CORRUPT_MEDIA'
  | 'TOO_LARGE'
  | 'TOO_MANY_PIXELS'
  | 'NOT_FOUND'
  | 'FORBIDDEN_PATH'
  | 'DISK_FULL'
  | 'FFMPEG_UNAVAILABLE';

export class MediaError extends Error {
  override readonly name = 'MediaError';
  readonly code: MediaErrorCode;

  constructor(code: MediaErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isMediaError(err: unknown, code?: MediaErrorCode): err is MediaError {
  return err instanceof MediaError && (code === undefined || err.code === code);
}

/** Node's errno code of an fs/child_process error, if any. */
export function errnoCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    return (err as { code: string }).code;
  }
  return undefined;
}

/** ENOSPC / EDQUOT become MediaError DISK_FULL; anything else is returned unchanged. */
export function mapDiskError(err: unknown): unknown {
  const code = errnoCode(err);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new MediaError('DISK_FULL', 'not enough disk space to store the media', { cause: err });
  }
  return err;
}

/**
 * ffmpeg/ffprobe diagnostics made fit for a client: no memory addresses ("[mov,mp4 @ 0x55…]"),
 * no file names or paths of this server (the file is "the file"), one short line.
 */
export function toolReason(text: string, filePath: string): string {
  const abs = path.resolve(filePath);
  const cleaned = text
    .split(`file:${abs}`).join('the file')
    .split(abs).join('the file')
    .split(path.basename(abs)).join('the file')
    .replace(/\[[^\]\n]*@\s*0x[0-9a-f]+\]\s*/gi, '')
    .replace(/0x[0-9a-f]{4,}/gi, '')
    .replace(/(?:file:)?(?:\/[^\s/:'"]+)+\/?/g, 'the file')
    .replace(/\b[0-9a-f]{32,}\b/gi, '');
  return trimReason(cleaned);
}

/** Trim a tool's diagnostic output to a short single-line reason. */
export function trimReason(text: string, max = 300): string {
  const oneLine = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .join('; ');
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}
