import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../common/context.js';
import { Project } from '../project/project.type.js';
import { Mask } from '../mask/mask.type.js';
import { AddMediaInput, DeleteMediaInput, MediaListArgs } from './media.input.js';
import { thumbnailUrl } from './media.view.js';
import { AddMediaPayload, DeleteMediaPayload, Media, MediaConnection } from './media.type.js';

@Resolver(() => Media)
export class MediaResolver {
  @Authorized('read')
  @Query(() => Media, { description: 'One media item; NOT_FOUND if it does not exist.' })
  async media(@Arg('id', () => ID, { description: 'The media id.' }) id: string, @Ctx() ctx: Context) {
    await ctx.access.media(id);
    return ctx.services.media.get(id);
  }

  @Authorized('read')
  @Query(() => MediaConnection, { description: 'Media of one project, oldest first.' })
  async mediaList(@Arg('projectId', () => ID, { description: 'The project whose media to list.' }) projectId: string, @Args() args: MediaListArgs, @Ctx() ctx: Context) {
    await ctx.access.project(projectId);
    return ctx.services.projects.get(projectId).then(() => ctx.services.media.list({ ...args, projectId }));
  }

  @Authorized('write')
  @Mutation(() => AddMediaPayload, { description: 'Adds an image (base64 or a server path). Large files: POST /upload.' })
  async addMedia(@Arg('input', { description: 'The project, the bytes or a server path, and an optional filename and label.' }) input: AddMediaInput, @Ctx() ctx: Context) {
    await ctx.access.project(input.projectId);
    return ctx.services.idempotency.storeMedia(ctx.principal.id, 'addMedia', input.clientRequestId, input, () => ctx.services.media.add(input));
  }

  @Authorized('write')
  @Mutation(() => DeleteMediaPayload, { description: 'Deletes a media item with its stored masks and sessions.' })
  async deleteMedia(@Arg('input', { description: 'The media item to delete.' }) input: DeleteMediaInput, @Ctx() ctx: Context) {
    await ctx.access.media(input.id);
    return ctx.services.media.delete(input.id);
  }

  @FieldResolver(() => Project, { description: 'The project that holds it.' })
  project(@Root() media: Media, @Ctx() ctx: Context) {
    return ctx.loaders.projectById.load(media.projectId);
  }

  @FieldResolver(() => [Mask], { description: 'Masks stored by batch segmentation (startBatchSegmentation), best score first; empty until one ran.' })
  masks(@Root() media: Media, @Ctx() ctx: Context) {
    return ctx.services.segmentation.storedMasks(media.id);
  }

  @FieldResolver(() => String, { nullable: true, description: 'Path of the thumbnail (WebP), relative to the server.' })
  thumbnailUrl(@Root() media: Media) {
    return thumbnailUrl(media);
  }
}
