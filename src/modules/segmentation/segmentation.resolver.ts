import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { Context } from '../../server/context.js';
import { SegmentImageInput } from './segmentation.input.js';
import { SegmentImagePayload } from './segmentation.type.js';

@Resolver()
export class SegmentationResolver {
  @Mutation(() => SegmentImagePayload, { description: 'Segments one image from point and box prompts; one mask per object.' })
  segmentImage(@Arg('input') input: SegmentImageInput, @Ctx() ctx: Context) {
    return ctx.services.segmentation.segmentImage(input);
  }
}
