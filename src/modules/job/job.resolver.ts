import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { JobSnapshot } from '../../events/topics.js';
import { translated } from '../common/client-errors.js';
import type { Context } from '../common/context.js';
import { CancelJobInput, JobListArgs } from './job.input.js';
import { toJob } from './job.mapper.js';
import { Job, JobConnection, JobPayload } from './job.type.js';

@Resolver(() => Job)
export class JobResolver {
  @Authorized('read')
  @Query(() => Job, { description: 'One job; NOT_FOUND if it does not exist.' })
  async job(@Arg('id', () => ID, { description: 'The job id.' }) id: string, @Ctx() ctx: Context) {
    await ctx.access.job(id);
    return ctx.services.jobs.get(id);
  }

  @Authorized('read')
  @Query(() => JobConnection, { description: 'Jobs, oldest first, filtered by status, kind, project and session.' })
  jobs(@Args() args: JobListArgs, @Ctx() ctx: Context) {
    return ctx.services.jobs.list(args, ctx.access.projectIds);
  }

  @Authorized('write')
  @Mutation(() => JobPayload, { description: 'Cancels a queued or running job; a finished job is returned as it is.' })
  async cancelJob(@Arg('input', { description: 'The job to cancel.' }) input: CancelJobInput, @Ctx() ctx: Context) {
    await ctx.access.job(input.jobId);
    return { job: await ctx.services.jobs.cancel(input.jobId) };
  }

  @Subscription(() => Job, {
    description: 'The job now, then every change of its progress or status; ends after it finishes. Needs the read scope.',
    subscribe: translated(async ({ args, context }) => {
      const ctx = context as Context;
      ctx.access.require('read');
      await ctx.access.job(args.jobId);
      return ctx.services.jobs.follow(args.jobId);
    }),
  })
  jobProgress(@Root() job: JobSnapshot, @Arg('jobId', () => ID, { description: 'The job to follow.' }) _jobId: string): Job {
    return toJob(job);
  }
}
