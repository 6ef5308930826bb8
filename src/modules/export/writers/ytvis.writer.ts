// YouTube-VIS-style video annotations: videos, and one annotation per object with per-frame
// lists (segmentations, bboxes, areas) holding null on frames where the object is absent.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Categories, sessionFrames, type SessionSource } from '../export-source.js';
import { throwIfCancelled, type WriterContext, type WrittenFile } from './writer.js';

type Rle = { size: [number, number]; counts: string };

export async function writeYtvis(ctx: WriterContext, sources: SessionSource[]): Promise<WrittenFile[]> {
  const categories = new Categories();
  const videos: object[] = [];
  const annotations: object[] = [];
  const total = sources.reduce((n, s) => n + s.frameCount, 0);
  let done = 0;
  await ctx.progress({ framesDone: 0, framesTotal: total });
  for (const src of sources) {
    const videoId = videos.length + 1;
    const base = src.media.filename ?? src.media.id;
    const n = src.frameCount;
    videos.push({
      id: videoId,
      width: src.media.width,
      height: src.media.height,
      length: n,
      fps: src.media.fps,
      file_names: Array.from({ length: n }, (_, i) => `${base}/${String(i).padStart(5, '0')}.jpg`),
      media_id: src.media.id,
      session_id: src.sessionId,
    });
    const tracks = src.objects.map((o) => ({
      objectId: o.objectId,
      category: categories.idOf(o.label),
      segmentations: new Array<Rle | null>(n).fill(null),
      bboxes: new Array<number[] | null>(n).fill(null),
      areas: new Array<number | null>(n).fill(null),
      scores: [] as number[],
    }));
    for await (const { frameIndex, rows } of sessionFrames(ctx.prisma, src)) {
      throwIfCancelled(ctx.signal);
      for (const t of tracks) {
        const r = rows.get(t.objectId);
        if (!r) continue;
        t.segmentations[frameIndex] = { size: [r.height, r.width], counts: r.counts };
        t.bboxes[frameIndex] = [r.bboxX, r.bboxY, r.bboxW, r.bboxH];
        t.areas[frameIndex] = r.area;
        t.scores.push(r.score);
      }
      await ctx.progress({ framesDone: ++done });
    }
    for (const t of tracks) {
      annotations.push({
        id: annotations.length + 1,
        video_id: videoId,
        category_id: t.category,
        object_id: t.objectId,
        segmentations: t.segmentations,
        bboxes: t.bboxes,
        areas: t.areas,
        // The track's score: the mean of its frames' scores.
        score: t.scores.length ? t.scores.reduce((a, b) => a + b, 0) / t.scores.length : 0,
        iscrowd: 0,
        height: src.media.height,
        width: src.media.width,
        length: 1,
      });
    }
  }
  const doc = {
    info: { description: 'maskql export (YouTube-VIS format)', version: '1.0', date_created: new Date().toISOString() },
    videos,
    annotations,
    categories: categories.list().map((c) => ({ ...c, supercategory: 'object' })),
  };
  await writeFile(path.join(ctx.dir, 'ytvis.json'), JSON.stringify(doc));
  return [{ name: 'ytvis.json', mimeType: 'application/json' }];
}
