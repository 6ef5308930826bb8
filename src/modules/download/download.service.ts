// What a signed download URL serves: an export artifact, a media's original bytes, or one frame.
import path from 'node:path';
import { badInput, notFound } from '../../errors/app-errors.js';
import type { ArtifactStore } from '../export/artifact.store.js';
import type { MediaService } from '../media/media.service.js';
import { imagePng, videoFramePng } from './frame-decode.js';
import type { DownloadKind } from './url-signer.js';

export type Download = { kind: 'file'; file: string; mimeType: string; filename: string } | { kind: 'bytes'; bytes: Buffer; mimeType: string; filename: string };

const MIME: Record<string, string> = { mp4: 'video/mp4', mov: 'video/quicktime', webm: 'video/webm', mkv: 'video/x-matroska', jpeg: 'image/jpeg', jpg: 'image/jpeg' };

export class DownloadService {
  constructor(
    private readonly media: MediaService,
    private readonly artifacts: ArtifactStore,
  ) {}

  async resolve(kind: DownloadKind, id: string, part: string | undefined): Promise<Download> {
    if (kind === 'artifact') {
      const a = await this.artifacts.get(id);
      if (!a) throw notFound('Artifact', id);
      return { kind: 'file', file: this.artifacts.filePath(a), mimeType: a.mimeType, filename: a.name };
    }
    const m = await this.media.get(id);
    const base = (m.filename ?? m.id).replace(/\.[^.]+$/, '');
    if (kind === 'media') {
      const ext = path.extname(m.storagePath).slice(1) || m.format;
      return { kind: 'file', file: this.media.filePath(m), mimeType: MIME[m.format] ?? `image/${m.format}`, filename: `${base}.${ext}` };
    }
    const index = Number(part);
    const frames = m.frameCount ?? 1;
    if (!Number.isInteger(index) || index < 0 || index >= frames) throw badInput(`Frame ${part} is outside 0..${frames - 1}`, { field: 'index' });
    const bytes = m.kind === 'VIDEO' ? await videoFramePng(this.media.filePath(m), this.media.ffmpeg(), index, m.width, m.height) : await imagePng(await this.media.readBytes(m));
    return { kind: 'bytes', bytes, mimeType: 'image/png', filename: `${base}-${String(index).padStart(5, '0')}.png` };
  }
}
