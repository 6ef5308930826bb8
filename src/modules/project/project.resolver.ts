import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../common/context.js';
import { PageArgs } from '../common/connection.type.js';
import { MediaConnection } from '../media/media.type.js';
import { MediaListArgs } from '../media/media.input.js';
import { CreateProjectInput, DeleteProjectInput, RenameProjectInput } from './project.input.js';
import { DeleteProjectPayload, Project, ProjectConnection, ProjectPayload } from './project.type.js';

@Resolver(() => Project)
export class ProjectResolver {
  @Authorized('read')
  @Query(() => Project, { description: 'One project; NOT_FOUND if it does not exist.' })
  async project(@Arg('id', () => ID, { description: 'The project id.' }) id: string, @Ctx() ctx: Context) {
    await ctx.access.project(id);
    return ctx.services.projects.get(id);
  }

  @Authorized('read')
  @Query(() => ProjectConnection, { description: 'Projects, oldest first (only its own for a project-limited key).' })
  projects(@Args() page: PageArgs, @Ctx() ctx: Context) {
    return ctx.services.projects.list(page, ctx.access.projectIds);
  }

  @Authorized('write')
  @Mutation(() => ProjectPayload, { description: 'Creates an empty project. Not for a project-limited key (FORBIDDEN).' })
  async createProject(@Arg('input', { description: 'The name of the new project.' }) input: CreateProjectInput, @Ctx() ctx: Context) {
    ctx.access.requireAllProjects('create projects');
    return { project: await ctx.services.projects.create(input.name) };
  }

  @Authorized('write')
  @Mutation(() => ProjectPayload, { description: 'Renames a project.' })
  async renameProject(@Arg('input', { description: 'The project and its new name.' }) input: RenameProjectInput, @Ctx() ctx: Context) {
    await ctx.access.project(input.id);
    return { project: await ctx.services.projects.rename(input.id, input.name) };
  }

  @Authorized('write')
  @Mutation(() => DeleteProjectPayload, { description: 'Deletes the project with its media (their bytes, masks and sessions).' })
  async deleteProject(@Arg('input', { description: 'The project to delete.' }) input: DeleteProjectInput, @Ctx() ctx: Context) {
    await ctx.access.project(input.id);
    return ctx.services.projects.delete(input.id);
  }

  @FieldResolver(() => Int, { description: 'How many media items the project holds.' })
  mediaCount(@Root() project: Project, @Ctx() ctx: Context) {
    return ctx.loaders.mediaCountByProject.load(project.id);
  }

  @FieldResolver(() => MediaConnection, { description: 'The media of this project, oldest first (the same list as mediaList).' })
  media(@Root() project: Project, @Args() args: MediaListArgs, @Ctx() ctx: Context) {
    return ctx.services.media.list({ ...args, projectId: project.id });
  }
}
