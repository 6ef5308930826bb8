import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { Context } from '../../server/context.js';
import { SegmentEverythingInput, SegmentImageInput, SegmentPhrasesInput, StartBatchSegmentationInput } from './segmentation.input.js';
import { toJob } from '../job/job.mapper.js';
import { JobPayload } from '../job/job.type.js';
import { SegmentEverythingPayload, SegmentImagePayload, SegmentPhrasesPayload } from './segmentation.type.js';

@Resolver()
export class SegmentationResolver {
  @Mutation(() => SegmentImagePayload, { description: 'Segments one image from point and box prompts; one mask per object.' })
  segmentImage(@Arg('input') input: SegmentImageInput, @Ctx() ctx: Context) {
    return ctx.services.segmentation.segmentImage(input);
  }

  @Mutation(() => SegmentPhrasesPayload, { description: 'Many phrases on one image: one image encoding and one detector run; results per phrase.' })
  segmentPhrases(@Arg('input') input: SegmentPhrasesInput, @Ctx() ctx: Context) {
    return ctx.services.segmentation.segmentPhrases(input);
  }

  @Mutation(() => SegmentEverythingPayload, { description: 'Every mask of an image without prompts (a grid of points, filtered and de-duplicated).' })
  segmentEverything(@Arg('input') input: SegmentEverythingInput, @Ctx() ctx: Context) {
    return ctx.services.segmentation.segmentEverything(input);
  }

  @Mutation(() => JobPayload, { description: 'Segment everything on every image of a project, as a job (follow it with jobProgress); masks are stored per media (Media.masks).' })
  async startBatchSegmentation(@Arg('input') input: StartBatchSegmentationInput, @Ctx() ctx: Context) {
    const job = await ctx.services.segmentation.startBatch(input, ctx.services.runner, (id) => ctx.services.projects.get(id));
    return { job: toJob(job) };
  }
}
