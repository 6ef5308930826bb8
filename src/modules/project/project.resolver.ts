import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../server/context.js';
import { PageArgs } from '../common/connection.type.js';
import { MediaConnection } from '../media/media.type.js';
import { MediaListArgs } from '../media/media.input.js';
import { CreateProjectInput, DeleteProjectInput, RenameProjectInput } from './project.input.js';
import { DeleteProjectPayload, Project, ProjectConnection, ProjectPayload } from './project.type.js';

@Resolver(() => Project)
export class ProjectResolver {
  @Query(() => Project, { description: 'One project; NOT_FOUND if it does not exist.' })
  project(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.services.projects.get(id);
  }

  @Query(() => ProjectConnection)
  projects(@Args() { first, after }: PageArgs, @Ctx() ctx: Context) {
    return ctx.services.projects.list(first, after);
  }

  @Mutation(() => ProjectPayload)
  async createProject(@Arg('input') input: CreateProjectInput, @Ctx() ctx: Context) {
    return { project: await ctx.services.projects.create(input.name) };
  }

  @Mutation(() => ProjectPayload)
  async renameProject(@Arg('input') input: RenameProjectInput, @Ctx() ctx: Context) {
    return { project: await ctx.services.projects.rename(input.id, input.name) };
  }

  @Mutation(() => DeleteProjectPayload, { description: 'Deletes the project with its media.' })
  deleteProject(@Arg('input') input: DeleteProjectInput, @Ctx() ctx: Context) {
    return ctx.services.projects.delete(input.id);
  }

  @FieldResolver(() => Int)
  mediaCount(@Root() project: Project, @Ctx() ctx: Context) {
    return ctx.loaders.mediaCountByProject.load(project.id);
  }

  @FieldResolver(() => MediaConnection)
  media(@Root() project: Project, @Args() args: MediaListArgs, @Ctx() ctx: Context) {
    return ctx.services.media.list({ ...args, projectId: project.id });
  }
}
