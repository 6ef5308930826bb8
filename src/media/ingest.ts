// Taking media in: what an upload is from its first bytes, streams peeked and collected within a
// limit, and a server file's size and head read before anything else.
import { open } from 'node:fs/promises';
import { ACCEPTED_VIDEO, sniffRefusedVideo, sniffVideoContainer } from './container-sniff.js';
import { MediaError } from './media-error.js';

/**
 * The store extension of an accepted video container, undefined for anything that should be
 * read as an image; a recognised video container we do not accept is refused by name.
 */
export function videoExt(head: Buffer): 'mp4' | 'mkv' | undefined {
  const refused = sniffRefusedVideo(head);
  if (refused) throw new MediaError('UNSUPPORTED_MEDIA', `${refused} videos are not supported; accepted video containers: ${ACCEPTED_VIDEO}`);
  const container = sniffVideoContainer(head);
  return container === undefined ? undefined : container === 'mp4' ? 'mp4' : 'mkv';
}

/** A file's size and first bytes, read before anything else. */
export async function statAndHead(file: string, n: number): Promise<{ size: number; head: Buffer }> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return { size, head: buf.subarray(0, bytesRead) };
  } finally {
    await fh.close();
  }
}

/** The first `n` bytes of a stream (fewer if it is shorter), and the whole stream again. */
export async function peek(stream: AsyncIterable<Buffer>, n: number): Promise<{ head: Buffer; all: AsyncIterable<Buffer> }> {
  const it = stream[Symbol.asyncIterator]();
  const seen: Buffer[] = [];
  let size = 0;
  while (size < n) {
    const r = await it.next();
    if (r.done) break;
    seen.push(r.value);
    size += r.value.length;
  }
  async function* all() {
    yield* seen;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  }
  return { head: Buffer.concat(seen).subarray(0, n), all: all() };
}

/** A stream into memory, refused past `max` bytes (images only: videos stream to disk). */
export async function collect(stream: AsyncIterable<Buffer>, max: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > max) throw new MediaError('TOO_LARGE', `Image is larger than ${max} bytes (MEDIA_MAX_BYTES)`);
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}
