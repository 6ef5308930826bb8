// DAVIS-style masks: one 8-bit indexed PNG per frame whose palette index is the object id
// (0 = background; a later object wins where two overlap), all in one zip.
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { encode } from 'fast-png';
import yazl from 'yazl';
import { decodeRle } from '../../../engine/index.js';
import { sessionFrames, type FrameRows, type SessionSource } from '../export-source.js';
import { palette } from './palette.js';
import { ExportError, throwIfCancelled, type WriterContext, type WrittenFile } from './writer.js';

const PALETTE = palette(256);

/** The index map of one frame: pixel = id of the object covering it, 0 where none does. */
export function indexMap(width: number, height: number, rows: FrameRows): Uint8Array {
  const out = new Uint8Array(width * height);
  for (const [objectId, r] of [...rows].sort((a, b) => a[0] - b[0])) {
    const m = decodeRle({ size: [r.height, r.width], counts: r.counts });
    if (m.width !== width || m.height !== height) throw new ExportError('CORRUPT_MASK', `object ${objectId}'s mask is ${m.width}x${m.height}, the media ${width}x${height}`);
    for (let i = 0; i < out.length; i++) if (m.data[i]) out[i] = objectId;
  }
  return out;
}

export async function writeDavis(ctx: WriterContext, src: SessionSource): Promise<WrittenFile[]> {
  const tooBig = src.objects.find((o) => o.objectId > 255);
  if (tooBig) throw new ExportError('BAD_USER_INPUT', `object ${tooBig.objectId} does not fit an 8-bit palette index`, 'Export at most objects 1..255 (objectIds).');
  const { width, height } = src.media;
  const zip = new yazl.ZipFile();
  const name = 'masks.zip';
  const written = pipeline(zip.outputStream, createWriteStream(path.join(ctx.dir, name)));
  const folder = (src.media.filename ?? src.media.id).replace(/\.[^.]+$/, '');
  await ctx.progress({ framesDone: 0, framesTotal: src.frameCount });
  try {
    for await (const { frameIndex, rows } of sessionFrames(ctx.prisma, src)) {
      throwIfCancelled(ctx.signal);
      const png = encode({ width, height, data: indexMap(width, height, rows), depth: 8, channels: 1, palette: PALETTE });
      // PNG data is already deflated: store it.
      zip.addBuffer(Buffer.from(png), `${folder}/${String(frameIndex).padStart(5, '0')}.png`, { compress: false });
      await ctx.progress({ framesDone: frameIndex + 1 });
    }
  } finally {
    zip.end();
    await written;
  }
  return [{ name, mimeType: 'application/zip' }];
}
