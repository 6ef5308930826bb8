// Media: validated, stored once by content hash, listed, deleted (bytes go when unreferenced).
import { randomUUID } from 'node:crypto';
import type { Config } from '../../config.js';
import type { Prisma } from '../../db/database.js';
import { badInput, notFound } from '../../errors/app-errors.js';
import type { ImageSource } from '../../engine/image-source.js';
import type { ContentStore, PutResult } from '../../media/content-store.js';
import { makeThumbnail, makeThumbnailFromRgb } from '../../media/image-decode.js';
import { decodeFirstFrame } from '../../media/video-still.js';
import { probeVideo, resolveFfmpeg, sniffVideoContainer, type FfmpegBins } from '../../media/video-probe.js';
import { probeImage } from '../../media/image-probe.js';
import { resolveAllowedPath } from '../../media/server-path.js';
import { readFile, stat } from 'node:fs/promises';
import type { Connection } from '../common/connection.type.js';
import { isUuid, requireUuid } from '../common/ids.js';
import { afterCursor, keysetOrder, toConnection } from '../common/pagination.js';
import { decodeBase64 } from './base64.js';
import { mapMediaError } from './media-errors.js';
import { MediaKind, type Media } from './media.type.js';

export interface AddMediaRequest {
  projectId: string;
  base64?: string | null;
  serverPath?: string | null;
  /** Bytes of a raw upload. */
  bytes?: Buffer;
  /** A raw upload as it arrives: a video goes to disk as it streams, never whole into memory. */
  stream?: AsyncIterable<Buffer>;
  filename?: string | null;
  label?: string | null;
}

type StoredPaths = { storagePath: string; thumbnailPath: string | null };

interface Described {
  kind: MediaKind;
  format: string;
  width: number;
  height: number;
  frameCount?: number;
  fps?: number;
  durationSec?: number;
  storagePath: string;
  sha256: string;
  size: number;
  created: boolean;
  thumbnail: Buffer;
}

export class MediaService {
  constructor(
    private readonly prisma: Prisma,
    private readonly store: ContentStore,
    private readonly limits: Config['media'],
  ) {}

  private bins?: FfmpegBins;

  async add(req: AddMediaRequest): Promise<{ media: Media; deduplicated: boolean }> {
    const sources = [req.base64, req.serverPath, req.bytes, req.stream].filter((s) => s !== undefined && s !== null).length;
    if (sources !== 1) throw badInput('Give exactly one of base64 and serverPath', { field: 'input' });
    requireUuid('Project', req.projectId);
    if (!(await this.prisma.project.findUnique({ where: { id: req.projectId }, select: { id: true } }))) throw notFound('Project', req.projectId);
    let described: Described | undefined;
    let thumbnailPath: string | null = null;
    try {
      described = await this.describeInput(req);
      thumbnailPath = (await this.store.put(described.thumbnail, 'webp')).relPath;
      const media = await this.prisma.media.create({
        data: {
          id: randomUUID(),
          projectId: req.projectId,
          kind: described.kind,
          filename: req.filename ?? null,
          label: req.label ?? null,
          format: described.format,
          sha256: described.sha256,
          storagePath: described.storagePath,
          thumbnailPath,
          byteSize: described.size,
          width: described.width,
          height: described.height,
          frameCount: described.frameCount ?? null,
          fps: described.fps ?? null,
          durationSec: described.durationSec ?? null,
        },
      });
      return { media: media as Media, deduplicated: !described.created };
    } catch (err) {
      // Nothing half-written: files this call stored go if no row refers to them.
      if (described) await this.releaseFiles([{ storagePath: described.storagePath, thumbnailPath }]);
      if ((err as { code?: string }).code === 'P2003') throw notFound('Project', req.projectId);
      return mapMediaError(err);
    }
  }

  private async describeInput(req: AddMediaRequest): Promise<Described> {
    if (req.stream) {
      const { head, all } = await peek(req.stream, 64);
      const container = sniffVideoContainer(head);
      if (container === undefined) return this.describeImage(await collect(all, this.limits.maxBytes));
      const stored = await this.store.putStream(all, container === 'mp4' ? 'mp4' : 'mkv', { maxBytes: this.limits.videoMaxBytes });
      return this.describeStoredVideo(stored);
    }
    const bytes = await this.readInput(req);
    return sniffVideoContainer(bytes.subarray(0, 64)) !== undefined ? this.describeVideo(bytes) : this.describeImage(bytes);
  }

  private async describeImage(bytes: Buffer): Promise<Described> {
    if (bytes.length > this.limits.maxBytes) throw badInput(`Image is larger than ${this.limits.maxBytes} bytes (MEDIA_MAX_BYTES)`, { reason: 'TOO_LARGE' });
    const info = await probeImage(bytes, { maxBytes: this.limits.maxBytes, maxPixels: this.limits.maxPixels });
    const thumbnail = await makeThumbnail(bytes);
    const stored = await this.store.put(bytes, info.ext);
    return { kind: MediaKind.IMAGE, format: info.format, width: info.width, height: info.height, thumbnail, storagePath: stored.relPath, sha256: stored.sha256, size: stored.size, created: stored.created };
  }

  /** Videos are stored first (ffprobe reads files), then probed; a bad one is removed again. */
  private async describeVideo(bytes: Buffer): Promise<Described> {
    if (bytes.length > this.limits.videoMaxBytes) throw badInput(`Video is larger than ${this.limits.videoMaxBytes} bytes (VIDEO_MAX_BYTES)`, { reason: 'TOO_LARGE' });
    return this.describeStoredVideo(await this.store.put(bytes, sniffVideoContainer(bytes.subarray(0, 64)) === 'mp4' ? 'mp4' : 'mkv'));
  }

  private async describeStoredVideo(stored: PutResult): Promise<Described> {
    try {
      const file = this.store.path(stored.relPath);
      const bins = this.ffmpeg();
      const info = await probeVideo(file, bins, { maxBytes: this.limits.videoMaxBytes, maxPixels: this.limits.maxPixels, maxFrames: this.limits.videoMaxFrames });
      const still = await decodeFirstFrame(file, bins, info.width, info.height);
      return {
        kind: MediaKind.VIDEO,
        format: info.format,
        width: info.width,
        height: info.height,
        frameCount: info.frameCount,
        fps: info.fps,
        durationSec: info.durationSec,
        thumbnail: await makeThumbnailFromRgb(still),
        storagePath: stored.relPath,
        sha256: stored.sha256,
        size: stored.size,
        created: stored.created,
      };
    } catch (err) {
      await this.releaseFiles([{ storagePath: stored.relPath, thumbnailPath: null }]);
      throw err;
    }
  }

  /** ffmpeg and ffprobe: FFMPEG_PATH/FFPROBE_PATH, else the PATH, else the npm-shipped binaries. */
  ffmpeg(): FfmpegBins {
    this.bins ??= resolveFfmpeg({ ffmpegPath: this.limits.ffmpegPath, ffprobePath: this.limits.ffprobePath, envPath: this.limits.envPath });
    return this.bins;
  }

  private async readInput(req: AddMediaRequest): Promise<Buffer> {
    const max = Math.max(this.limits.maxBytes, this.limits.videoMaxBytes);
    if (req.bytes) return req.bytes;
    if (req.base64 != null) return decodeBase64(req.base64, 'input.base64', max);
    const file = await resolveAllowedPath(req.serverPath!, this.limits.allowedRoots).catch(mapMediaError);
    if ((await stat(file)).size > max) throw badInput(`File is larger than ${max} bytes`, { reason: 'TOO_LARGE' });
    return readFile(file);
  }

  async get(id: string): Promise<Media> {
    const m = isUuid(id) ? await this.prisma.media.findUnique({ where: { id } }) : null;
    if (!m) throw notFound('Media', id);
    return m as Media;
  }

  async list(args: { projectId?: string; label?: string | null; first: number; after?: string | null }): Promise<Connection<Media>> {
    const where = { ...(args.projectId ? { projectId: args.projectId } : {}), ...(args.label != null ? { label: args.label } : {}) };
    const [rows, total] = await Promise.all([
      this.prisma.media.findMany({ where: { ...where, ...afterCursor(args.after) }, orderBy: keysetOrder, take: args.first + 1 }),
      this.prisma.media.count({ where }),
    ]);
    return toConnection(rows as Media[], args.first, total, !!args.after);
  }

  async delete(id: string): Promise<{ id: string }> {
    const media = await this.get(id);
    await this.prisma.media.delete({ where: { id: media.id } }).catch((err: { code?: string }) => {
      if (err.code === 'P2025') throw notFound('Media', id);
      throw err;
    });
    await this.releaseFiles([media]);
    return { id: media.id };
  }

  /** Removes stored files that no media row refers to any longer. */
  async releaseFiles(rows: StoredPaths[]): Promise<void> {
    const paths = [...new Set(rows.flatMap((r) => [r.storagePath, r.thumbnailPath]).filter((p): p is string => !!p))];
    for (const p of paths) {
      const inUse = await this.prisma.media.count({ where: { OR: [{ storagePath: p }, { thumbnailPath: p }] } });
      if (inUse === 0) await this.store.remove(p).catch(() => undefined);
    }
  }

  /**
   * Removes stored files no media row refers to: left when a process died between writing the
   * bytes and inserting the row. Files younger than minAgeMs are spared (another process may be
   * about to insert their row).
   */
  async sweepOrphans(minAgeMs = 0): Promise<number> {
    const rows = await this.prisma.media.findMany({ select: { storagePath: true, thumbnailPath: true } });
    const referenced = new Set(rows.flatMap((r) => [r.storagePath, r.thumbnailPath]).filter((p): p is string => !!p));
    const now = Date.now();
    let removed = 0;
    for (const f of await this.store.list()) {
      if (referenced.has(f.relPath) || now - f.mtimeMs < minAgeMs) continue;
      await this.store.remove(f.relPath).catch(() => undefined);
      removed++;
    }
    return removed;
  }

  /** Where a media's bytes are on disk (ffmpeg reads files). */
  filePath(media: Pick<Media, 'storagePath'>): string {
    return this.store.path(media.storagePath);
  }

  readBytes(media: Pick<Media, 'storagePath'>): Promise<Buffer> {
    return this.store.read(media.storagePath);
  }

  thumbnail(media: Pick<Media, 'thumbnailPath'>): Promise<Buffer | null> {
    return media.thumbnailPath ? this.store.read(media.thumbnailPath) : Promise.resolve(null);
  }

  /** The engine's view of a stored image. */
  imageSource(media: Media): ImageSource {
    if (media.kind !== MediaKind.IMAGE) throw badInput(`Media ${media.id} is a ${media.kind.toLowerCase()}, not an image`, { field: 'input.mediaId' });
    return {
      key: `sha256:${media.sha256}`,
      width: media.width,
      height: media.height,
      pixels: async () => ({ kind: 'encoded', bytes: await this.readBytes(media) }),
    };
  }
}

/** The first `n` bytes of a stream (fewer if it is shorter), and the whole stream again. */
async function peek(stream: AsyncIterable<Buffer>, n: number): Promise<{ head: Buffer; all: AsyncIterable<Buffer> }> {
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
async function collect(stream: AsyncIterable<Buffer>, max: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > max) throw badInput(`Image is larger than ${max} bytes (MEDIA_MAX_BYTES)`, { reason: 'TOO_LARGE' });
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}
