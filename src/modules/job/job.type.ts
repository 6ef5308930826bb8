import { Field, Float, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType } from '../common/connection.type.js';
import { Device } from '../model/model.type.js';
import { Node } from '../common/node.type.js';

export enum JobKind {
  PROPAGATION = 'PROPAGATION',
  BATCH_SEGMENTATION = 'BATCH_SEGMENTATION',
  EXPORT = 'EXPORT',
}
registerEnumType(JobKind, { name: 'JobKind' });

export enum JobStatus {
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(JobStatus, { name: 'JobStatus' });

@ObjectType()
export class JobError {
  @Field() code: string;
  @Field() message: string;
  @Field() retryable: boolean;
  @Field(() => String, { nullable: true }) hint: string | null;
}

@ObjectType({ implements: Node, description: 'Long work (propagation, batch segmentation, export), persisted.' })
export class Job {
  @Field(() => ID) id: string;
  @Field(() => JobKind) kind: JobKind;
  @Field(() => JobStatus) status: JobStatus;
  @Field(() => ID, { nullable: true }) projectId: string | null;
  @Field(() => ID, { nullable: true }) sessionId: string | null;
  @Field(() => Device, { description: 'The device whose queue runs it (cpu or cuda)' }) device: `${Device}`;
  @Field(() => Float, { description: '0..1' }) progress: number;
  @Field(() => String, { nullable: true }) message: string | null;
  @Field(() => Int) framesDone: number;
  @Field(() => Int) framesTotal: number;
  @Field(() => Float, { nullable: true, description: 'Frames per second so far' }) rate: number | null;
  @Field(() => Float, { nullable: true, description: 'Estimated seconds left' }) etaSec: number | null;
  @Field(() => JobError, { nullable: true }) error: JobError | null;
  @Field(() => String, { nullable: true, description: 'The job’s parameters, as JSON' }) params: string | null;
  @Field(() => String, { nullable: true, description: 'The job’s result, as JSON' }) result: string | null;
  @Field(() => GraphQLISODateTime) createdAt: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) startedAt: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) finishedAt: Date | null;
  @Field(() => GraphQLISODateTime) updatedAt: Date;
}

@ObjectType()
export class JobConnection extends ConnectionType(Job, 'Job') {}

@ObjectType()
export class JobPayload {
  @Field(() => Job) job: Job;
}
