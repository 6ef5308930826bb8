import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../common/context.js';
import { CreateWebhookInput, DeleteWebhookInput } from './webhook.input.js';
import { CreateWebhookPayload, DeleteWebhookPayload, Webhook, WebhookDelivery } from './webhook.type.js';

@Resolver(() => Webhook)
export class WebhookResolver {
  @Authorized('read')
  @Query(() => [Webhook], { description: 'The webhooks of a project.' })
  async webhooks(@Arg('projectId', () => ID, { description: 'The project.' }) projectId: string, @Ctx() ctx: Context) {
    await ctx.access.project(projectId);
    return ctx.services.webhooks.list(projectId);
  }

  @Authorized('write')
  @Mutation(() => CreateWebhookPayload, { description: 'Subscribes a URL to a project’s job events. Deliveries are signed (Standard Webhooks) and retried with backoff.' })
  async createWebhook(@Arg('input', { description: 'The project, the URL and the events.' }) input: CreateWebhookInput, @Ctx() ctx: Context) {
    await ctx.access.project(input.projectId);
    return ctx.services.webhooks.create(input.projectId, input.url, input.events);
  }

  @Authorized('write')
  @Mutation(() => DeleteWebhookPayload, { description: 'Deletes a webhook and its delivery log; pending deliveries are not sent.' })
  async deleteWebhook(@Arg('input', { description: 'The webhook to delete.' }) input: DeleteWebhookInput, @Ctx() ctx: Context) {
    await ctx.access.project((await ctx.services.webhooks.get(input.id)).projectId);
    return ctx.services.webhooks.delete(input.id);
  }

  @FieldResolver(() => [WebhookDelivery], { description: 'Recent deliveries, newest first.' })
  deliveries(@Root() webhook: Webhook, @Arg('first', () => Int, { defaultValue: 20, description: 'How many, 1 to 200.' }) first: number, @Ctx() ctx: Context) {
    return ctx.services.webhooks.deliveries(webhook.id, Math.max(1, Math.min(first, 200)));
  }
}
