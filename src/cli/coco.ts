// COCO detection results as JSON (images, categories, annotations with RLE segmentation), the
// format pycocotools and most annotation tools read.
export interface CocoMask {
  rle: { size: number[]; counts: string };
  bbox: number[];
  area: number;
  score: number;
}

export class CocoDataset {
  private readonly images: { id: number; file_name: string; width: number; height: number; maskql_media_id: string }[] = [];
  private readonly categories = new Map<string, number>();
  private readonly annotations: Record<string, unknown>[] = [];

  addImage(fileName: string, width: number, height: number, mediaId: string): number {
    const id = this.images.length + 1;
    this.images.push({ id, file_name: fileName, width, height, maskql_media_id: mediaId });
    return id;
  }

  addAnnotation(imageId: number, category: string, mask: CocoMask, extra: Record<string, unknown> = {}): void {
    let categoryId = this.categories.get(category);
    if (!categoryId) this.categories.set(category, (categoryId = this.categories.size + 1));
    this.annotations.push({ id: this.annotations.length + 1, image_id: imageId, category_id: categoryId, segmentation: mask.rle, area: mask.area, bbox: mask.bbox, iscrowd: 0, score: mask.score, ...extra });
  }

  toJSON(): object {
    return {
      info: { description: 'maskql segmentation', date_created: new Date().toISOString() },
      images: this.images,
      categories: [...this.categories].map(([name, id]) => ({ id, name })),
      annotations: this.annotations,
    };
  }
}
