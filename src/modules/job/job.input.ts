import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { PageArgs } from '../common/connection.type.js';
import { JobKind, JobStatus } from './job.type.js';

@ArgsType()
export class JobListArgs extends PageArgs {
  @Field(() => JobStatus, { nullable: true }) status?: JobStatus | null;
  @Field(() => JobKind, { nullable: true }) kind?: JobKind | null;
  @Field(() => ID, { nullable: true }) projectId?: string | null;
  @Field(() => ID, { nullable: true }) sessionId?: string | null;
}

@InputType()
export class CancelJobInput {
  @Field(() => ID) jobId: string;
}
