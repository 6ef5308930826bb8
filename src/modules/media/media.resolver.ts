import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../server/context.js';
import { Project } from '../project/project.type.js';
import { Mask } from '../segmentation/segmentation.type.js';
import { AddMediaInput, DeleteMediaInput, MediaListArgs } from './media.input.js';
import { AddMediaPayload, DeleteMediaPayload, Media, MediaConnection } from './media.type.js';

@Resolver(() => Media)
export class MediaResolver {
  @Query(() => Media, { description: 'One media item; NOT_FOUND if it does not exist.' })
  media(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.services.media.get(id);
  }

  @Query(() => MediaConnection, { description: 'Media of one project, oldest first.' })
  mediaList(@Arg('projectId', () => ID) projectId: string, @Args() args: MediaListArgs, @Ctx() ctx: Context) {
    return ctx.services.projects.get(projectId).then(() => ctx.services.media.list({ ...args, projectId }));
  }

  @Mutation(() => AddMediaPayload, { description: 'Adds an image (base64 or a server path). Large files: POST /upload.' })
  addMedia(@Arg('input') input: AddMediaInput, @Ctx() ctx: Context) {
    return ctx.services.media.add(input);
  }

  @Mutation(() => DeleteMediaPayload)
  deleteMedia(@Arg('input') input: DeleteMediaInput, @Ctx() ctx: Context) {
    return ctx.services.media.delete(input.id);
  }

  @FieldResolver(() => Project)
  project(@Root() media: Media, @Ctx() ctx: Context) {
    return ctx.loaders.projectById.load(media.projectId);
  }

  @FieldResolver(() => [Mask], { description: 'Masks stored by batch segmentation (startBatchSegmentation), best first' })
  masks(@Root() media: Media, @Ctx() ctx: Context) {
    return ctx.services.segmentation.storedMasks(media.id);
  }

  @FieldResolver(() => String, { nullable: true, description: 'Path of the thumbnail (WebP), relative to the server.' })
  thumbnailUrl(@Root() media: Media) {
    return media.thumbnailPath ? `/media/${media.id}/thumbnail` : null;
  }
}
