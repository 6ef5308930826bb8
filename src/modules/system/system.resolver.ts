import { Authorized, Ctx, Query, Resolver } from 'type-graphql';
import type { Context } from '../common/context.js';
import { Health } from './system.type.js';

@Resolver()
export class SystemResolver {
  @Authorized('read')
  @Query(() => Health, { description: 'The same report as GET /healthz.' })
  health(@Ctx() ctx: Context) {
    return ctx.services.system.health();
  }
}
