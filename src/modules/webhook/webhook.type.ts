import { Field, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum WebhookEvent {
  JOB_COMPLETED = 'job.completed',
  JOB_FAILED = 'job.failed',
  JOB_CANCELLED = 'job.cancelled',
}
registerEnumType(WebhookEvent, { name: 'WebhookEvent', description: 'Job events a webhook can receive (the payload’s type is job.completed, job.failed or job.cancelled).' });

export enum DeliveryStatus {
  PENDING = 'PENDING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
}
registerEnumType(DeliveryStatus, { name: 'DeliveryStatus', valuesConfig: { PENDING: { description: 'Not sent yet, or waiting for its next retry' }, FAILED: { description: 'Every attempt failed (WEBHOOK_MAX_ATTEMPTS)' } } });

@ObjectType({ description: 'One event sent to a webhook: the delivery log.' })
export class WebhookDelivery {
  @Field(() => ID, { description: 'Also the webhook-id header: the same on every retry' }) id: string;
  @Field() event: string;
  @Field(() => ID, { nullable: true }) jobId: string | null;
  @Field(() => DeliveryStatus) status: DeliveryStatus;
  @Field(() => Int) attempts: number;
  @Field(() => Int, { nullable: true, description: 'HTTP status of the last attempt' }) lastStatus: number | null;
  @Field(() => String, { nullable: true }) lastError: string | null;
  @Field(() => GraphQLISODateTime, { description: 'When the next attempt is due (while PENDING)' }) nextAttemptAt: Date;
  @Field(() => GraphQLISODateTime) createdAt: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) deliveredAt: Date | null;
  @Field({ description: 'The JSON body sent' }) payload: string;
}

@ObjectType({ description: 'A URL that receives a project’s job events, signed as Standard Webhooks specify.' })
export class Webhook {
  @Field(() => ID) id: string;
  @Field(() => ID) projectId: string;
  @Field() url: string;
  @Field(() => [WebhookEvent]) events: WebhookEvent[];
  @Field(() => GraphQLISODateTime) createdAt: Date;
}

@ObjectType()
export class CreateWebhookPayload {
  @Field(() => Webhook) webhook: Webhook;
  @Field({ description: 'The signing secret (whsec_…), shown only here: verify deliveries with it' }) secret: string;
}

@ObjectType()
export class DeleteWebhookPayload {
  @Field(() => ID) id: string;
}
