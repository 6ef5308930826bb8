import { Arg, Authorized, Ctx, ID, Query, Resolver } from 'type-graphql';
import { AppError, notFound } from '../../errors/app-errors.js';
import type { Context } from '../common/context.js';
import { grants } from '../auth/scopes.js';
import { Node } from '../common/node.type.js';
import type { NodeType } from './node.service.js';

@Resolver(() => Node)
export class NodeResolver {
  @Authorized('read')
  @Query(() => Node, {
    description:
      'Any object by its id (Project, Media, Session, Job, Webhook, Artifact, or ApiKey for an unrestricted admin key). NOT_FOUND when it does not exist or is outside what the caller may see.',
  })
  async node(@Arg('id', () => ID, { description: 'The `id` of any object that implements Node.' }) id: string, @Ctx() ctx: Context) {
    try {
      const type = await ctx.services.nodes.typeOf(id);
      if (!type) throw notFound('Node', id);
      return { ...(await this.fetch(type, id, ctx)), __typename: type };
    } catch (e) {
      // One message for "no such object" and "not yours", naming only the id the caller sent.
      if (e instanceof AppError && e.code === 'NOT_FOUND') throw notFound('Node', id);
      throw e;
    }
  }

  private async fetch(type: NodeType, id: string, ctx: Context): Promise<object> {
    switch (type) {
      case 'Project':
        await ctx.access.project(id);
        return ctx.services.projects.get(id);
      case 'Media':
        await ctx.access.media(id);
        return ctx.services.media.get(id);
      case 'Session':
        await ctx.access.session(id);
        return ctx.services.sessions.row(id);
      case 'Job':
        await ctx.access.job(id);
        return ctx.services.jobs.get(id);
      case 'ApiKey':
        // Keys are for unrestricted admins (as apiKeys); to anyone else they do not exist.
        if (!grants(ctx.principal.scopes, 'admin') || ctx.principal.projects) throw notFound('Node', id);
        return ctx.services.apiKeys.get(id);
      case 'Webhook': {
        const webhook = await ctx.services.webhooks.get(id);
        await ctx.access.project(webhook.projectId);
        return webhook;
      }
      case 'Artifact': {
        const row = await ctx.services.artifacts.get(id);
        if (!row) throw notFound('Node', id);
        await ctx.access.job(row.jobId);
        return ctx.services.exports.toArtifact(row);
      }
    }
  }
}
