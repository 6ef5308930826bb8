import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import type { Context } from '../common/context.js';
import { SegmentEverythingInput, SegmentImageInput, SegmentPhrasesInput, StartBatchSegmentationInput } from './segmentation.input.js';
import { toJob } from '../job/job.mapper.js';
import { JobPayload } from '../job/job.type.js';
import { SegmentEverythingPayload, SegmentImagePayload, SegmentPhrasesPayload } from './segmentation.type.js';

@Resolver()
export class SegmentationResolver {
  @Authorized('write')
  @Mutation(() => SegmentImagePayload, { description: 'Segments one image from point and box prompts; one mask per object.' })
  async segmentImage(@Arg('input', { description: 'The image, the model and one prompt group per object.' }) input: SegmentImageInput, @Ctx() ctx: Context) {
    if (input.mediaId) await ctx.access.media(input.mediaId);
    return ctx.services.segmentation.segmentImage(input);
  }

  @Authorized('write')
  @Mutation(() => SegmentPhrasesPayload, { description: 'Many phrases on one image: one image encoding and one detector run; results per phrase.' })
  async segmentPhrases(@Arg('input', { description: 'The image, the model and the phrases.' }) input: SegmentPhrasesInput, @Ctx() ctx: Context) {
    if (input.mediaId) await ctx.access.media(input.mediaId);
    return ctx.services.segmentation.segmentPhrases(input);
  }

  @Authorized('write')
  @Mutation(() => SegmentEverythingPayload, { description: 'Every mask of an image without prompts (a grid of points, filtered and de-duplicated).' })
  async segmentEverything(@Arg('input', { description: 'The image, the model and the grid and filter settings.' }) input: SegmentEverythingInput, @Ctx() ctx: Context) {
    if (input.mediaId) await ctx.access.media(input.mediaId);
    return ctx.services.segmentation.segmentEverything(input);
  }

  @Authorized('write')
  @Mutation(() => JobPayload, { description: 'Segment everything on every image of a project, as a job (follow it with jobProgress); masks are stored per media (Media.masks).' })
  async startBatchSegmentation(@Arg('input', { description: 'The project, the model and the segmentEverything settings.' }) input: StartBatchSegmentationInput, @Ctx() ctx: Context) {
    await ctx.access.project(input.projectId);
    const job = await ctx.services.idempotency.job(ctx.principal.id, 'startBatchSegmentation', input, () => ctx.services.segmentation.startBatch(input, ctx.services.runner, (id) => ctx.services.projects.get(id)));
    return { job: toJob(job) };
  }
}
