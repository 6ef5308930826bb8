// The BATCH_SEGMENTATION job: segment everything on every image of a project, storing each
// image's masks (replacing earlier ones) as it goes; returns how it ended (handlers do not throw).
import type { Prisma } from '../../db/database.js';
import { PRIORITY_BACKGROUND, type Engine, type EverythingOptions } from '../../engine/index.js';
import type { JobHandler } from '../../jobs/job-handler.js';
import { toJobError } from '../common/client-errors.js';
import type { MaskRepository } from '../mask/mask.repository.js';
import type { MediaService } from '../media/media.service.js';
import { MediaKind, type Media } from '../media/media.type.js';

export interface BatchSegmentationParams {
  projectId: string;
  model: string;
  options: EverythingOptions;
}

export function batchSegmentationJob(prisma: Prisma, maskRepo: MaskRepository, engine: Engine, media: MediaService): JobHandler {
  return async ({ job, signal, progress }) => {
    const params = (job as unknown as { params: BatchSegmentationParams }).params;
    const images = (await prisma.media.findMany({ where: { projectId: params.projectId, kind: MediaKind.IMAGE }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] })) as Media[];
    await progress({ framesDone: 0, framesTotal: images.length, message: `${images.length} images` });
    let masks = 0;
    for (let i = 0; i < images.length; i++) {
      if (signal.aborted) return { status: 'CANCELLED', message: `cancelled after ${i} images` };
      const m = images[i];
      try {
        const r = await engine.segmentEverything({ model: params.model, image: media.imageSource(m), options: params.options, polygons: false, priority: PRIORITY_BACKGROUND });
        await maskRepo.replaceMediaMasks(m.id, job.id, r.masks);
        masks += r.masks.length;
      } catch (err) {
        if (signal.aborted) return { status: 'CANCELLED' };
        const error = toJobError(err, 'Images done so far keep their masks; start the job again.');
        return { status: 'FAILED', error: { ...error, message: `image ${m.id}: ${error.message}` } };
      }
      await progress({ framesDone: i + 1, message: `image ${i + 1} of ${images.length}` });
    }
    return { status: 'COMPLETED', result: { images: images.length, masks }, message: `${masks} masks on ${images.length} images` };
  };
}
