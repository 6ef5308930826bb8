// Media: validated, stored once by content hash, listed, deleted (bytes go when unreferenced).
// (Over 300 lines: add() keeps nothing half-written across the store and the database; ingest
// helpers live in media/ingest.ts.)
import { createHash, randomUUID } from 'node:crypto';
import type { Config } from '../../config.js';
import type { Prisma } from '../../db/database.js';
import { AppError, badInput, notFound } from '../../errors/app-errors.js';
import type { FrameSource, ImageSource } from '../../engine/index.js';
import type { ContentStore, PutResult } from '../../media/content-store.js';
import { makeThumbnail, makeThumbnailFromRgb } from '../../media/image-decode.js';
import { decodeFirstFrame } from '../../media/video-still.js';
import type { FrameStore } from '../../media/video-frames.js';
import { videoFrameSource } from '../../media/frame-source.js';
import path from 'node:path';
import { collect, peek, statAndHead, videoExt } from '../../media/ingest.js';
import { probeVideo } from '../../media/video-probe.js';
import { FfmpegLocator, type FfmpegBins } from '../../media/ffmpeg.js';
import { probeImage } from '../../media/image-probe.js';
import { resolveAllowedPath } from '../../media/server-path.js';
import { readFile } from 'node:fs/promises';
import { LRUCache } from 'lru-cache';
import type { Connection } from '../common/connection.type.js';
import { isUuid, requireUuid } from '../common/ids.js';
import { cursorWhere, pageOrder, pageTake, toConnection, type Page } from '../common/pagination.js';
import { decodeBase64 } from './base64.js';
import { MediaKind, type Media } from './media.type.js';
import { FILENAME_MAX, LABEL_MAX } from './media.input.js';

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

export interface MediaServiceOptions {
  /**
   * Media rows kept in memory by id (0: none), so that a click on a stored image needs no
   * database round trip. Only for a process that owns its database (the embedded one): a row
   * never changes once written, it only goes, and every delete passes through this process.
   */
  rowCacheSize?: number;
  /** Told of every image stored (the background encoder); never awaited, never fails an upload. */
  onImageStored?: (media: Media) => void;
}

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
  /** The store's hold on the bytes until the row is in (see ContentStore.restore). */
  hold?: string;
  thumbnail: Buffer;
}

export class MediaService {
  private readonly rows?: LRUCache<string, Media>;
  /** Deletes so far: a row read while one ran is not kept (it may be the deleted one). */
  private deletions = 0;

  constructor(
    private readonly prisma: Prisma,
    private readonly store: ContentStore,
    private readonly limits: Config['media'],
    /** Where video frames are decoded to (one folder per scope). */
    private readonly framesDir: string,
    /** The boot's ffmpeg (resolved and logged once); without one, resolved on first use. */
    private readonly bins: FfmpegLocator = new FfmpegLocator({ ffmpegPath: limits.ffmpegPath, ffprobePath: limits.ffprobePath, envPath: limits.envPath }),
    private readonly opts: MediaServiceOptions = {},
  ) {
    if (opts.rowCacheSize) this.rows = new LRUCache({ max: opts.rowCacheSize });
  }

  async add(req: AddMediaRequest): Promise<{ media: Media; deduplicated: boolean }> {
    const sources = [req.base64, req.serverPath, req.bytes, req.stream].filter((s) => s !== undefined && s !== null).length;
    if (sources !== 1) throw badInput('Give exactly one of base64 and serverPath', { field: 'input' });
    checkText(req.filename, 'filename', FILENAME_MAX);
    checkText(req.label, 'label', LABEL_MAX);
    requireUuid('Project', req.projectId);
    if (!(await this.prisma.project.findUnique({ where: { id: req.projectId }, select: { id: true } }))) throw notFound('Project', req.projectId);
    let described: Described | undefined;
    let thumbnailPath: string | null = null;
    let thumbnailHold: string | undefined;
    try {
      described = await this.describeInput(req);
      // Dedup is reported per project only: "true" for bytes another project holds would tell
      // this caller what another tenant stored (the store still keeps the bytes once).
      const seen = await this.prisma.media.count({ where: { projectId: req.projectId, sha256: described.sha256 } });
      const thumb = await this.store.put(described.thumbnail, 'webp', { hold: true });
      thumbnailPath = thumb.relPath;
      thumbnailHold = thumb.hold;
      const d = described;
      // Under the files' locks: put back what a concurrent delete may have removed, then insert
      // the row that refers to them. releaseFiles counts and removes under the same locks.
      const media = await this.withFileLocks([d.storagePath, thumb.relPath], async (tx) => {
        await this.store.restore(d.storagePath, d.hold);
        await this.store.restore(thumb.relPath, thumb.hold);
        return tx.media.create({
          data: {
            id: randomUUID(),
            projectId: req.projectId,
            kind: d.kind,
            filename: req.filename ?? null,
            label: req.label ?? null,
            format: d.format,
            sha256: d.sha256,
            storagePath: d.storagePath,
            thumbnailPath,
            byteSize: d.size,
            width: d.width,
            height: d.height,
            frameCount: d.frameCount ?? null,
            fps: d.fps ?? null,
            durationSec: d.durationSec ?? null,
          },
        });
      });
      if (media.kind === MediaKind.IMAGE) this.opts.onImageStored?.(media as Media);
      return { media: media as Media, deduplicated: seen > 0 };
    } catch (err) {
      // Nothing half-written: files this call stored go if no row refers to them.
      if (described) await this.releaseFiles([{ storagePath: described.storagePath, thumbnailPath }]);
      if ((err as { code?: string }).code === 'P2003') throw notFound('Project', req.projectId);
      throw err;
    } finally {
      await this.store.drop(described?.hold);
      await this.store.drop(thumbnailHold);
    }
  }

  /**
   * Runs fn in a transaction holding an advisory lock per stored file (PostgreSQL and PGlite
   * alike, so it also holds across processes): "count the rows, then unlink" and "restore the
   * file, then insert the row" become one step each and never interleave. Keys are taken in
   * order, so two callers never wait on each other crosswise.
   */
  private withFileLocks<T>(relPaths: (string | null)[], fn: (tx: TxClient) => Promise<T>): Promise<T> {
    const keys = [...new Set(relPaths.filter((p): p is string => !!p).map(lockKey))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return this.prisma.$transaction(
      async (tx) => {
        for (const k of keys) await tx.$executeRaw`SELECT pg_advisory_xact_lock(${k})`;
        return fn(tx);
      },
      { maxWait: 60_000, timeout: 60_000 },
    );
  }

  private async describeInput(req: AddMediaRequest): Promise<Described> {
    if (req.stream) {
      const { head, all } = await peek(req.stream, SNIFF_BYTES);
      const ext = videoExt(head);
      if (ext === undefined) return this.describeImage(await collect(all, this.limits.maxBytes));
      const stored = await this.store.putStream(all, ext, { maxBytes: this.limits.videoMaxBytes, hold: true });
      return this.describeStoredVideo(stored);
    }
    if (req.serverPath != null) return this.describeServerFile(req.serverPath);
    const bytes = req.bytes ?? decodeBase64(req.base64!, 'input.base64', Math.max(this.limits.maxBytes, this.limits.videoMaxBytes));
    return videoExt(bytes.subarray(0, SNIFF_BYTES)) !== undefined ? this.describeVideo(bytes) : this.describeImage(bytes);
  }

  /**
   * A file on this server: its size and first bytes decide before anything is read; a video is
   * streamed into the store (never whole in memory), an image is read only once it is known to
   * be within MEDIA_MAX_BYTES (sharp decodes images from memory, as for every other upload).
   */
  private async describeServerFile(requested: string): Promise<Described> {
    const file = await resolveAllowedPath(requested, this.limits.allowedRoots);
    const { size, head } = await statAndHead(file, SNIFF_BYTES);
    const ext = videoExt(head);
    if (ext !== undefined) {
      if (size > this.limits.videoMaxBytes) throw badInput(`Video is ${size} bytes; the limit is ${this.limits.videoMaxBytes} bytes (VIDEO_MAX_BYTES)`, { reason: 'TOO_LARGE' });
      return this.describeStoredVideo(await this.store.putFile(file, ext, { maxBytes: this.limits.videoMaxBytes, hold: true }));
    }
    if (size > this.limits.maxBytes) throw badInput(`Image is ${size} bytes; the limit is ${this.limits.maxBytes} bytes (MEDIA_MAX_BYTES)`, { reason: 'TOO_LARGE' });
    return this.describeImage(await readFile(file));
  }

  private async describeImage(bytes: Buffer): Promise<Described> {
    if (bytes.length > this.limits.maxBytes) throw badInput(`Image is larger than ${this.limits.maxBytes} bytes (MEDIA_MAX_BYTES)`, { reason: 'TOO_LARGE' });
    const info = await probeImage(bytes, { maxBytes: this.limits.maxBytes, maxPixels: this.limits.maxPixels, maxSide: this.limits.maxSide });
    const thumbnail = await makeThumbnail(bytes);
    const stored = await this.store.put(bytes, info.ext, { hold: true });
    return { kind: MediaKind.IMAGE, format: info.format, width: info.width, height: info.height, thumbnail, storagePath: stored.relPath, sha256: stored.sha256, size: stored.size, created: stored.created, hold: stored.hold };
  }

  /** Videos are stored first (ffprobe reads files), then probed; a bad one is removed again. */
  private async describeVideo(bytes: Buffer): Promise<Described> {
    if (bytes.length > this.limits.videoMaxBytes) throw badInput(`Video is larger than ${this.limits.videoMaxBytes} bytes (VIDEO_MAX_BYTES)`, { reason: 'TOO_LARGE' });
    return this.describeStoredVideo(await this.store.put(bytes, videoExt(bytes.subarray(0, SNIFF_BYTES))!, { hold: true }));
  }

  private async describeStoredVideo(stored: PutResult): Promise<Described> {
    try {
      // The hold, not the shared file: a concurrent delete of the same bytes cannot pull it away.
      const file = stored.hold ?? this.store.path(stored.relPath);
      const bins = this.ffmpeg();
      const info = await probeVideo(file, bins, { maxBytes: this.limits.videoMaxBytes, maxPixels: this.limits.maxPixels, maxSide: this.limits.maxSide, maxFrames: this.limits.videoMaxFrames });
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
        hold: stored.hold,
      };
    } catch (err) {
      await this.store.drop(stored.hold);
      await this.releaseFiles([{ storagePath: stored.relPath, thumbnailPath: null }]);
      throw err;
    }
  }

  /** ffmpeg and ffprobe: FFMPEG_PATH/FFPROBE_PATH, else the PATH, else the npm-shipped binaries. */
  ffmpeg(): FfmpegBins {
    return this.bins.get();
  }

  async get(id: string): Promise<Media> {
    const cached = this.rows?.get(id.toLowerCase());
    if (cached) return cached;
    const deletions = this.deletions;
    const m = isUuid(id) ? await this.prisma.media.findUnique({ where: { id } }) : null;
    if (!m) throw notFound('Media', id);
    if (this.rows && deletions === this.deletions) this.rows.set(m.id, Object.freeze(m) as Media);
    return m as Media;
  }

  /** The project of a media, or null when there is none (what project-limited keys are checked against). */
  async projectOf(id: string): Promise<string | null> {
    if (!isUuid(id)) return null;
    if (!this.rows) return (await this.prisma.media.findUnique({ where: { id }, select: { projectId: true } }))?.projectId ?? null;
    // The whole row, kept: the click that follows this check reads it from memory.
    return this.get(id).then(
      (m) => m.projectId,
      (err) => {
        if (err instanceof AppError && err.code === 'NOT_FOUND') return null;
        throw err;
      },
    );
  }

  /** Rows deleted, by id or with their project: never answered from memory again. */
  forget(which: { id: string } | { projectId: string }): void {
    this.deletions++;
    if (!this.rows) return;
    if ('id' in which) this.rows.delete(which.id);
    else for (const [id, m] of this.rows.entries()) if (m.projectId === which.projectId) this.rows.delete(id);
  }

  async list(args: Page & { projectId?: string; label?: string | null }): Promise<Connection<Media>> {
    const where = { ...(args.projectId ? { projectId: args.projectId } : {}), ...(args.label != null ? { label: args.label } : {}) };
    const [rows, total] = await Promise.all([
      this.prisma.media.findMany({ where: { ...where, ...cursorWhere(args) }, orderBy: pageOrder(args), take: pageTake(args) }),
      this.prisma.media.count({ where }),
    ]);
    return toConnection(rows as Media[], args, total);
  }

  async delete(id: string): Promise<{ id: string }> {
    const media = await this.get(id);
    await this.prisma.media.delete({ where: { id: media.id } }).catch((err: { code?: string }) => {
      if (err.code === 'P2025') throw notFound('Media', id);
      throw err;
    }).finally(() => this.forget({ id: media.id }));
    await this.releaseFiles([media]);
    return { id: media.id };
  }

  /** Removes stored files that no media row refers to any longer. */
  async releaseFiles(rows: StoredPaths[]): Promise<void> {
    const paths = [...new Set(rows.flatMap((r) => [r.storagePath, r.thumbnailPath]).filter((p): p is string => !!p))];
    for (const p of paths) {
      await this.withFileLocks([p], async (tx) => {
        const inUse = await tx.media.count({ where: { OR: [{ storagePath: p }, { thumbnailPath: p }] } });
        if (inUse === 0) await this.store.remove(p).catch(() => undefined);
      });
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

  /**
   * The frames of a media as the engine reads them: an image is one frame; a video's frames are
   * decoded into a store of their own under the frames folder, named by `scope` (a session id).
   */
  frameSource(media: Media, scope: string): { source: FrameSource; store: FrameStore | null } {
    if (media.kind === MediaKind.IMAGE) {
      const image = this.imageSource(media);
      return { source: { width: media.width, height: media.height, frameCount: 1, frame: () => image }, store: null };
    }
    const video = { path: this.filePath(media), sha256: media.sha256, width: media.width, height: media.height, frameCount: media.frameCount ?? 1 };
    return videoFrameSource(video, path.join(this.framesDir, scope), this.ffmpeg(), this.limits.frameStoreBytes);
  }

  /** The engine's view of an image sent inline as base64 (checked like an upload, never stored). */
  async inlineImage(base64: string, field: string): Promise<ImageSource> {
    const bytes = decodeBase64(base64, field, this.limits.maxBytes);
    const info = await probeImage(bytes, { maxBytes: this.limits.maxBytes, maxPixels: this.limits.maxPixels, maxSide: this.limits.maxSide });
    return {
      key: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
      width: info.width,
      height: info.height,
      pixels: async () => ({ kind: 'encoded', bytes }),
    };
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

/** Enough of a file's start to tell its container (MPEG-TS needs its second sync byte at 188). */
const SNIFF_BYTES = 192;

type TxClient = Parameters<Parameters<Prisma['$transaction']>[0]>[0];

/** A 64-bit advisory-lock key for a stored file (its relPath names its content hash). */
function lockKey(relPath: string): bigint {
  return createHash('sha256').update(`maskql:file:${relPath}`).digest().readBigInt64BE(0);
}

/** The filename and label rules of AddMediaInput, for callers that bypass GraphQL (POST /upload). */
function checkText(value: string | null | undefined, field: string, max: number): void {
  if (value == null) return;
  if (value.length < 1 || value.length > max) throw badInput(`${field} must be 1 to ${max} characters long`, { field: `input.${field}` });
}


