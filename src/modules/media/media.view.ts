// The Media object as GraphQL answers it, for plain HTTP routes (POST /upload): the same fields,
// thumbnailUrl instead of the internal storage paths.
import type { Media } from './media.type.js';

export type MediaView = Omit<Media, 'storagePath' | 'thumbnailPath' | 'createdAt'> & { createdAt: string; thumbnailUrl: string | null };

export function thumbnailUrl(media: Pick<Media, 'id' | 'thumbnailPath'>): string | null {
  return media.thumbnailPath ? `/media/${media.id}/thumbnail` : null;
}

export function mediaView(m: Media): MediaView {
  return {
    id: m.id,
    projectId: m.projectId,
    kind: m.kind,
    filename: m.filename,
    label: m.label,
    format: m.format,
    sha256: m.sha256,
    byteSize: m.byteSize,
    width: m.width,
    height: m.height,
    frameCount: m.frameCount,
    fps: m.fps,
    durationSec: m.durationSec,
    createdAt: new Date(m.createdAt).toISOString(),
    thumbnailUrl: thumbnailUrl(m),
  };
}
