import { ArrayMaxSize, MaxLength } from 'class-validator';
import { Extensions, Field, ID, InputType } from 'type-graphql';
import { listCap } from '../common/list-cap.js';
import { WebhookEvent } from './webhook.type.js';

@InputType({ description: 'Input of createWebhook.' })
export class CreateWebhookInput {
  @Field(() => ID, { description: 'The project whose job events to send.' }) projectId: string;
  @Field({ description: 'http(s) URL; private and loopback addresses are refused unless WEBHOOK_ALLOW_PRIVATE_NETWORKS allows them' })
  @MaxLength(2048)
  url: string;
  @Field(() => [WebhookEvent], { defaultValue: [WebhookEvent.JOB_COMPLETED, WebhookEvent.JOB_FAILED, WebhookEvent.JOB_CANCELLED], description: 'The events to send (default: all three).' })
  @ArrayMaxSize(3)
  @Extensions(listCap('scopes'))
  events: WebhookEvent[];
}

@InputType({ description: 'Input of deleteWebhook.' })
export class DeleteWebhookInput {
  @Field(() => ID, { description: 'The webhook to delete.' }) id: string;
}
