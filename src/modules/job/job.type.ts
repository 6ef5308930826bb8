import { Field, Float, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { ErrorCode as ErrorCodeName } from '../../errors/app-errors.js';
import { ConnectionType } from '../common/connection.type.js';
import { ErrorCode } from '../common/error-code.type.js';
import { Device } from '../model/model.type.js';
import { Node } from '../common/node.type.js';

export enum JobKind {
  PROPAGATION = 'PROPAGATION',
  BATCH_SEGMENTATION = 'BATCH_SEGMENTATION',
  EXPORT = 'EXPORT',
}
registerEnumType(JobKind, {
  name: 'JobKind',
  description: 'What a job does.',
  valuesConfig: {
    PROPAGATION: { description: 'Tracks a session’s objects through the video (propagate).' },
    BATCH_SEGMENTATION: { description: 'Segments everything in every image of a project (startBatchSegmentation).' },
    EXPORT: { description: 'Writes masks out as files (startExport); they are listed on Job.artifacts.' },
  },
});

export enum JobStatus {
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(JobStatus, {
  name: 'JobStatus',
  description: 'Where a job is in its life. COMPLETED, FAILED and CANCELLED are final.',
  valuesConfig: {
    QUEUED: { description: 'Waiting for a worker.' },
    RUNNING: { description: 'A worker is on it; progress moves.' },
    COMPLETED: { description: 'Finished; `result` holds what it produced.' },
    FAILED: { description: 'Stopped by an error; `error` says why.' },
    CANCELLED: { description: 'Stopped by cancelJob (or by closing its session).' },
  },
});

@ObjectType({ description: 'Why a job failed, in the same terms as a GraphQL error’s extensions.' })
export class JobError {
  @Field(() => ErrorCode, { description: 'The error code, as in extensions.code (e.g. INFERENCE_FAILED, MODEL_UNAVAILABLE).' }) code: ErrorCodeName;
  @Field({ description: 'What went wrong, for people.' }) message: string;
  @Field({ description: 'Whether the same job may succeed if started again.' }) retryable: boolean;
  @Field(() => String, { nullable: true, description: 'What to do about it, when there is advice.' }) hint: string | null;
  @Field(() => String, { nullable: true, description: 'Why, finer than the code (e.g. INTERRUPTED: the server stopped while the job ran)' }) reason: string | null;
}

@ObjectType({ implements: Node, description: 'Long work (propagation, batch segmentation, export), persisted.' })
export class Job {
  @Field(() => ID, { description: 'Globally unique (a UUID).' }) id: string;
  @Field(() => JobKind, { description: 'What it does.' }) kind: JobKind;
  @Field(() => JobStatus, { description: 'Where it is in its life.' }) status: JobStatus;
  @Field(() => ID, { nullable: true, description: 'The project it works in (for a propagation, the project of the session’s media).' }) projectId: string | null;
  @Field(() => ID, { nullable: true, description: 'The session it tracks in (propagation); null for other kinds.' }) sessionId: string | null;
  @Field(() => Device, { description: 'The device whose queue runs it (cpu or cuda)' }) device: `${Device}`;
  @Field(() => Float, { description: 'Fraction done, 0 to 1.' }) progress: number;
  @Field(() => String, { nullable: true, description: 'What it is doing now, for people.' }) message: string | null;
  @Field(() => Int, { description: 'Frames (or images, for batch segmentation) done so far.' }) framesDone: number;
  @Field(() => Int, { description: 'Frames (or images) it will process; 0 until known.' }) framesTotal: number;
  @Field(() => Float, { nullable: true, description: 'Frames per second so far' }) rate: number | null;
  @Field(() => Float, { nullable: true, description: 'Estimated seconds left' }) etaSec: number | null;
  @Field(() => JobError, { nullable: true, description: 'Why it failed (status FAILED); null otherwise.' }) error: JobError | null;
  @Field(() => String, { nullable: true, description: 'The job’s parameters, as JSON' }) params: string | null;
  @Field(() => String, { nullable: true, description: 'The job’s result, as JSON' }) result: string | null;
  @Field(() => GraphQLISODateTime, { description: 'When it was queued.' }) createdAt: Date;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When a worker started it; null while queued.' }) startedAt: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When it reached a final status; null before.' }) finishedAt: Date | null;
  @Field(() => GraphQLISODateTime, { description: 'Its last change of progress or status.' }) updatedAt: Date;
}

@ObjectType({ description: 'A page of jobs, oldest first.' })
export class JobConnection extends ConnectionType(Job, 'Job') {}

@ObjectType({ description: 'The result of a mutation on a job.' })
export class JobPayload {
  @Field(() => Job, { description: 'The job as it is now.' }) job: Job;
}
