import { Field, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Node } from '../common/node.type.js';

export enum WebhookEvent {
  JOB_COMPLETED = 'job.completed',
  JOB_FAILED = 'job.failed',
  JOB_CANCELLED = 'job.cancelled',
}
registerEnumType(WebhookEvent, {
  name: 'WebhookEvent',
  description: 'Job events a webhook can receive (the payload’s type is job.completed, job.failed or job.cancelled).',
  valuesConfig: {
    JOB_COMPLETED: { description: 'A job of the project completed (type job.completed).' },
    JOB_FAILED: { description: 'A job of the project failed (type job.failed).' },
    JOB_CANCELLED: { description: 'A job of the project was cancelled (type job.cancelled).' },
  },
});

export enum DeliveryStatus {
  PENDING = 'PENDING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
}
registerEnumType(DeliveryStatus, { name: 'DeliveryStatus', description: 'Where a webhook delivery is.', valuesConfig: { PENDING: { description: 'Not sent yet, or waiting for its next retry' }, SUCCEEDED: { description: 'The receiver answered 2xx.' }, FAILED: { description: 'Every attempt failed (WEBHOOK_MAX_ATTEMPTS)' } } });

@ObjectType({ description: 'One event sent to a webhook: the delivery log.' })
export class WebhookDelivery {
  @Field(() => ID, { description: 'Also the webhook-id header: the same on every retry' }) id: string;
  @Field({ description: 'The event type: job.completed, job.failed or job.cancelled.' }) event: string;
  @Field(() => ID, { nullable: true, description: 'The job the event is about.' }) jobId: string | null;
  @Field(() => DeliveryStatus, { description: 'Pending, succeeded or failed.' }) status: DeliveryStatus;
  @Field(() => Int, { description: 'Attempts made so far.' }) attempts: number;
  @Field(() => Int, { nullable: true, description: 'HTTP status of the last attempt' }) lastStatus: number | null;
  @Field(() => String, { nullable: true, description: 'Why the last attempt failed; null after a success.' }) lastError: string | null;
  @Field(() => GraphQLISODateTime, { description: 'When the next attempt is due (while PENDING)' }) nextAttemptAt: Date;
  @Field(() => GraphQLISODateTime, { description: 'When the event happened.' }) createdAt: Date;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When the receiver accepted it; null until then.' }) deliveredAt: Date | null;
  @Field({ description: 'The JSON body sent' }) payload: string;
}

@ObjectType({ implements: Node, description: 'A URL that receives a project’s job events, signed as Standard Webhooks specify.' })
export class Webhook {
  @Field(() => ID, { description: 'Globally unique (a UUID).' }) id: string;
  @Field(() => ID, { description: 'The project whose job events it receives.' }) projectId: string;
  @Field({ description: 'Where deliveries are POSTed.' }) url: string;
  @Field(() => [WebhookEvent], { description: 'The events it receives.' }) events: WebhookEvent[];
  @Field(() => GraphQLISODateTime, { description: 'When it was created.' }) createdAt: Date;
}

@ObjectType({ description: 'The result of createWebhook.' })
export class CreateWebhookPayload {
  @Field(() => Webhook, { description: 'The new webhook.' }) webhook: Webhook;
  @Field({ description: 'The signing secret (whsec_…), shown only here: verify deliveries with it' }) secret: string;
}

@ObjectType({ description: 'The result of deleteWebhook.' })
export class DeleteWebhookPayload {
  @Field(() => ID, { description: 'The id of the deleted webhook.' }) id: string;
}
