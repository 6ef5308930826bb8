import { Arg, Args, Ctx, ID, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { JobSnapshot } from '../../events/topics.js';
import type { Context } from '../../server/context.js';
import { CancelJobInput, JobListArgs } from './job.input.js';
import { toJob } from './job.mapper.js';
import { Job, JobConnection, JobPayload } from './job.type.js';

@Resolver(() => Job)
export class JobResolver {
  @Query(() => Job)
  job(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.services.jobs.get(id);
  }

  @Query(() => JobConnection, { description: 'Jobs, oldest first, filtered by status, kind, project and session.' })
  jobs(@Args() args: JobListArgs, @Ctx() ctx: Context) {
    return ctx.services.jobs.list(args);
  }

  @Mutation(() => JobPayload, { description: 'Cancels a queued or running job; a finished job is returned as it is.' })
  async cancelJob(@Arg('input') input: CancelJobInput, @Ctx() ctx: Context) {
    return { job: await ctx.services.jobs.cancel(input.jobId) };
  }

  @Subscription(() => Job, {
    description: 'The job now, then every change of its progress or status; ends after it finishes.',
    subscribe: ({ args, context }) => (context as Context).services.jobs.follow(args.jobId),
  })
  jobProgress(@Root() job: JobSnapshot, @Arg('jobId', () => ID) _jobId: string): Job {
    return toJob(job);
  }
}
