import { Authorized, Ctx, Query, Resolver } from 'type-graphql';
import type { Context } from '../common/context.js';
import { Model } from './model.type.js';

@Resolver(() => Model)
export class ModelResolver {
  @Authorized('read')
  @Query(() => [Model], { description: 'The models of the repository, loaded or not.' })
  models(@Ctx() ctx: Context) {
    return ctx.services.models.list();
  }
}
