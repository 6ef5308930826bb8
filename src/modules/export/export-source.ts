// What an export reads: the masks of a session (per frame), or the stored masks of images, with
// categories named after object labels (a text prompt's phrase is its objects' label).
import type { Prisma } from '../../db/database.js';
import type { StoredMaskRow } from '../mask/mask.mapper.js';
import type { Media } from '../media/media.type.js';

export interface Category {
  id: number;
  name: string;
}

/** Category ids 1.. in order of first appearance; an object without a label is an "object". */
export class Categories {
  private readonly ids = new Map<string, number>();
  idOf(label: string | null | undefined): number {
    const name = label?.trim() || 'object';
    let id = this.ids.get(name);
    if (id === undefined) this.ids.set(name, (id = this.ids.size + 1));
    return id;
  }
  list(): Category[] {
    return [...this.ids].map(([name, id]) => ({ id, name }));
  }
}

export interface SessionObject {
  objectId: number;
  label: string | null;
}

export interface SessionSource {
  sessionId: string;
  media: Media;
  objects: SessionObject[];
  /** Frames of the media (1 for an image). */
  frameCount: number;
}

/** One frame's masks, by object id (an object absent on the frame has no entry). */
export type FrameRows = Map<number, StoredMaskRow>;

export async function loadSession(prisma: Prisma, sessionId: string, objectIds?: readonly number[] | null): Promise<SessionSource> {
  const session = await prisma.session.findUniqueOrThrow({ where: { id: sessionId }, include: { media: true, objects: { orderBy: { objectId: 'asc' } } } });
  const media = session.media as unknown as Media;
  const objects = session.objects
    .filter((o) => !objectIds?.length || objectIds.includes(o.objectId))
    .map((o) => ({ objectId: o.objectId, label: o.label }));
  return { sessionId, media, objects, frameCount: media.frameCount ?? 1 };
}

/**
 * Every frame 0..frameCount-1 in order with its masks, read from the database a window of frames
 * at a time (a long video's masks are never all in memory). Empty masks (area 0) are left out.
 */
export async function* sessionFrames(prisma: Prisma, src: SessionSource, windowFrames = 256): AsyncGenerator<{ frameIndex: number; rows: FrameRows }> {
  const ids = src.objects.map((o) => o.objectId);
  for (let from = 0; from < src.frameCount; from += windowFrames) {
    const to = Math.min(src.frameCount, from + windowFrames) - 1;
    const rows = ids.length
      ? await prisma.frameMask.findMany({
          where: { sessionId: src.sessionId, frameIndex: { gte: from, lte: to }, objectId: { in: ids }, area: { gt: 0 } },
          orderBy: [{ frameIndex: 'asc' }, { objectId: 'asc' }],
        })
      : [];
    const byFrame = new Map<number, FrameRows>();
    for (const r of rows) {
      let m = byFrame.get(r.frameIndex);
      if (!m) byFrame.set(r.frameIndex, (m = new Map()));
      m.set(r.objectId, r);
    }
    for (let f = from; f <= to; f++) yield { frameIndex: f, rows: byFrame.get(f) ?? new Map() };
  }
}

export interface ImageSource {
  media: Media;
  masks: StoredMaskRow[];
}

/** Images (one, or every image of a project) with the masks batch segmentation stored on them. */
export async function loadImages(prisma: Prisma, where: { mediaId: string } | { projectId: string }): Promise<ImageSource[]> {
  const media = await prisma.media.findMany({
    where: 'mediaId' in where ? { id: where.mediaId, kind: 'IMAGE' } : { projectId: where.projectId, kind: 'IMAGE' },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    include: { masks: { orderBy: { index: 'asc' } } },
  });
  return media.map(({ masks, ...m }) => ({ media: m as unknown as Media, masks }));
}

/** Sessions on the videos of a project that have objects, oldest first. */
export async function videoSessionsOf(prisma: Prisma, projectId: string): Promise<string[]> {
  const rows = await prisma.session.findMany({
    where: { media: { projectId, kind: 'VIDEO' }, objects: { some: {} } },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    select: { id: true },
  });
  return rows.map((r) => r.id);
}
