// COCO instance annotations (pycocotools loads them): images, RLE annotations, categories.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { StoredMaskRow } from '../../mask/mask.mapper.js';
import { Categories, loadImages, sessionFrames, type ImageSource, type SessionSource } from '../export-source.js';
import { throwIfCancelled, type WriterContext, type WrittenFile } from './writer.js';

interface CocoImage {
  id: number;
  file_name: string;
  width: number;
  height: number;
  media_id: string;
  frame_index?: number;
}

interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  segmentation: { size: [number, number]; counts: string };
  area: number;
  bbox: [number, number, number, number];
  score: number;
  iscrowd: 0;
  object_id?: number;
}

class CocoBuilder {
  readonly images: CocoImage[] = [];
  readonly annotations: CocoAnnotation[] = [];
  readonly categories = new Categories();

  image(img: Omit<CocoImage, 'id'>): number {
    const id = this.images.length + 1;
    this.images.push({ id, ...img });
    return id;
  }

  annotate(imageId: number, row: StoredMaskRow, label: string | null, objectId?: number): void {
    this.annotations.push({
      id: this.annotations.length + 1,
      image_id: imageId,
      category_id: this.categories.idOf(label),
      segmentation: { size: [row.height, row.width], counts: row.counts },
      area: row.area,
      bbox: [row.bboxX, row.bboxY, row.bboxW, row.bboxH],
      score: row.score,
      iscrowd: 0,
      ...(objectId !== undefined ? { object_id: objectId } : {}),
    });
  }

  document() {
    return {
      info: { description: 'maskql export', version: '1.0', date_created: new Date().toISOString() },
      images: this.images,
      annotations: this.annotations,
      categories: this.categories.list().map((c) => ({ ...c, supercategory: 'object' })),
    };
  }
}

async function write(ctx: WriterContext, doc: object): Promise<WrittenFile[]> {
  await writeFile(path.join(ctx.dir, 'coco.json'), JSON.stringify(doc));
  return [{ name: 'coco.json', mimeType: 'application/json' }];
}

/** A session: each frame with a mask is an image (an image session has its one image). */
export async function writeSessionCoco(ctx: WriterContext, src: SessionSource): Promise<WrittenFile[]> {
  const b = new CocoBuilder();
  const labels = new Map(src.objects.map((o) => [o.objectId, o.label]));
  const base = src.media.filename ?? src.media.id;
  const video = src.media.kind === 'VIDEO';
  await ctx.progress({ framesDone: 0, framesTotal: src.frameCount });
  for await (const { frameIndex, rows } of sessionFrames(ctx.prisma, src)) {
    throwIfCancelled(ctx.signal);
    if (rows.size || !video) {
      const imageId = b.image({
        file_name: video ? `${base}/${String(frameIndex).padStart(5, '0')}.jpg` : base,
        width: src.media.width,
        height: src.media.height,
        media_id: src.media.id,
        ...(video ? { frame_index: frameIndex } : {}),
      });
      for (const [objectId, row] of rows) b.annotate(imageId, row, labels.get(objectId) ?? null, objectId);
    }
    await ctx.progress({ framesDone: frameIndex + 1 });
  }
  return write(ctx, b.document());
}

/** Images with the masks batch segmentation stored on them. */
export async function writeImagesCoco(ctx: WriterContext, where: { mediaId: string } | { projectId: string }): Promise<WrittenFile[]> {
  const images: ImageSource[] = await loadImages(ctx.prisma, where);
  const b = new CocoBuilder();
  await ctx.progress({ framesDone: 0, framesTotal: images.length });
  for (const { media, masks } of images) {
    throwIfCancelled(ctx.signal);
    const imageId = b.image({ file_name: media.filename ?? media.id, width: media.width, height: media.height, media_id: media.id });
    // Segment-everything masks have no class: one "object" category.
    for (const m of masks) if (m.area > 0) b.annotate(imageId, m, null);
  }
  await ctx.progress({ framesDone: images.length });
  return write(ctx, b.document());
}
