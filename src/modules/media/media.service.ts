// Media: validated, stored once by content hash, listed, deleted (bytes go when unreferenced).
import { randomUUID } from 'node:crypto';
import type { Config } from '../../config.js';
import type { Prisma } from '../../db/database.js';
import { badInput, notFound } from '../../errors/app-errors.js';
import type { ImageSource } from '../../engine/image-source.js';
import type { ContentStore } from '../../media/content-store.js';
import { makeThumbnail } from '../../media/image-decode.js';
import { probeImage } from '../../media/image-probe.js';
import { resolveAllowedPath } from '../../media/server-path.js';
import { readFile } from 'node:fs/promises';
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
  filename?: string | null;
  label?: string | null;
}

type StoredPaths = { storagePath: string; thumbnailPath: string | null };

export class MediaService {
  constructor(
    private readonly prisma: Prisma,
    private readonly store: ContentStore,
    private readonly limits: Config['media'],
  ) {}

  async add(req: AddMediaRequest): Promise<{ media: Media; deduplicated: boolean }> {
    const sources = [req.base64, req.serverPath, req.bytes].filter((s) => s !== undefined && s !== null).length;
    if (sources !== 1) throw badInput('Give exactly one of base64 and serverPath', { field: 'input' });
    requireUuid('Project', req.projectId);
    if (!(await this.prisma.project.findUnique({ where: { id: req.projectId }, select: { id: true } }))) throw notFound('Project', req.projectId);
    const bytes = await this.readInput(req);
    const info = await probeImage(bytes, { maxBytes: this.limits.maxBytes, maxPixels: this.limits.maxPixels }).catch(mapMediaError);
    const stored = await this.store.put(bytes, info.ext).catch(mapMediaError);
    let thumbnailPath: string | null = null;
    try {
      const thumb = await this.store.put(await makeThumbnail(bytes), 'webp');
      thumbnailPath = thumb.relPath;
      const media = await this.prisma.media.create({
        data: {
          id: randomUUID(),
          projectId: req.projectId,
          kind: MediaKind.IMAGE,
          filename: req.filename ?? null,
          label: req.label ?? null,
          format: info.format,
          sha256: stored.sha256,
          storagePath: stored.relPath,
          thumbnailPath,
          byteSize: stored.size,
          width: info.width,
          height: info.height,
        },
      });
      return { media: media as Media, deduplicated: !stored.created };
    } catch (err) {
      // Nothing half-written: files this call created go if no row refers to them.
      await this.releaseFiles([{ storagePath: stored.relPath, thumbnailPath }]);
      if ((err as { code?: string }).code === 'P2003') throw notFound('Project', req.projectId);
      return mapMediaError(err);
    }
  }

  private async readInput(req: AddMediaRequest): Promise<Buffer> {
    if (req.bytes) {
      if (req.bytes.length > this.limits.maxBytes) throw badInput(`Upload is larger than ${this.limits.maxBytes} bytes`, { reason: 'TOO_LARGE' });
      return req.bytes;
    }
    if (req.base64 != null) return decodeBase64(req.base64, 'input.base64', this.limits.maxBytes);
    const file = await resolveAllowedPath(req.serverPath!, this.limits.allowedRoots).catch(mapMediaError);
    const bytes = await readFile(file);
    if (bytes.length > this.limits.maxBytes) throw badInput(`File is larger than ${this.limits.maxBytes} bytes`, { reason: 'TOO_LARGE' });
    return bytes;
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
