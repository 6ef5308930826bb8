import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { PageArgs } from '../common/connection.type.js';
import { JobKind, JobStatus } from './job.type.js';

@ArgsType()
export class JobListArgs extends PageArgs {
  @Field(() => JobStatus, { nullable: true, description: 'Only jobs with this status.' }) status?: JobStatus | null;
  @Field(() => JobKind, { nullable: true, description: 'Only jobs of this kind.' }) kind?: JobKind | null;
  @Field(() => ID, { nullable: true, description: 'Only jobs of this project.' }) projectId?: string | null;
  @Field(() => ID, { nullable: true, description: 'Only jobs of this session.' }) sessionId?: string | null;
}

@InputType({ description: 'Input of cancelJob.' })
export class CancelJobInput {
  @Field(() => ID, { description: 'The job to cancel.' }) jobId: string;
}
