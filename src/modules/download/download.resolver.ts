import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import type { Context } from '../common/context.js';
import { Media } from '../media/media.type.js';

@Resolver(() => Media)
export class MediaDownloadResolver {
  @FieldResolver(() => String, { description: 'A signed, expiring URL path of the original file (GET, no Authorization header needed; Range supported for video): prefix it with the server’s address' })
  downloadUrl(@Root() media: Media, @Ctx() ctx: Context): string {
    return ctx.services.urls.sign('media', media.id);
  }

  @FieldResolver(() => String, { description: 'A signed, expiring URL path of one decoded frame as PNG (frame 0 of an image is the image)' })
  frameUrl(@Root() media: Media, @Arg('index', () => Int, { description: 'The frame, 0-based.' }) index: number, @Ctx() ctx: Context): string {
    return ctx.services.urls.sign('frame', media.id, index);
  }
}
