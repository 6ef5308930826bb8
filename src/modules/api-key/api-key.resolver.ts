import { Arg, Args, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../common/context.js';
import { PageArgs } from '../common/connection.type.js';
import { CreateApiKeyInput, RevokeApiKeyInput } from './api-key.input.js';
import { ApiKey, ApiKeyConnection, ApiKeyPayload, CreateApiKeyPayload } from './api-key.type.js';

// Keys are managed by an admin without a project list (a limited admin could mint wider keys).
@Resolver(() => ApiKey)
export class ApiKeyResolver {
  @Authorized('admin')
  @Query(() => ApiKeyConnection, { description: 'Every API key, revoked ones included, oldest first.' })
  apiKeys(@Args() page: PageArgs, @Ctx() ctx: Context) {
    ctx.access.requireAllProjects('manage API keys');
    return ctx.services.apiKeys.list(page);
  }

  @Authorized('admin')
  @Mutation(() => CreateApiKeyPayload, { description: 'Creates a key; its secret is in the payload and nowhere else.' })
  createApiKey(@Arg('input', { description: 'Name, scopes, projects and expiry of the new key.' }) input: CreateApiKeyInput, @Ctx() ctx: Context) {
    ctx.access.requireAllProjects('manage API keys');
    return ctx.services.apiKeys.create(input);
  }

  @Authorized('admin')
  @Mutation(() => ApiKeyPayload, { description: 'Revokes a key at once (idempotent).' })
  async revokeApiKey(@Arg('input', { description: 'The key to revoke.' }) input: RevokeApiKeyInput, @Ctx() ctx: Context) {
    ctx.access.requireAllProjects('manage API keys');
    return { apiKey: await ctx.services.apiKeys.revoke(input.id) };
  }
}
