import { Arg, Authorized, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import type { Context } from '../common/context.js';
import { toJob } from '../job/job.mapper.js';
import { Job } from '../job/job.type.js';
import { StartExportInput } from './export.input.js';
import { ExportService } from './export.service.js';
import { Artifact, ExportPayload } from './export.type.js';

@Resolver()
export class ExportResolver {
  @Authorized('write')
  @Mutation(() => ExportPayload, {
    description:
      'Starts an EXPORT job over a session, a media or a project (exactly one) and returns it at once; follow it with jobProgress. Its files are listed on Job.artifacts with signed download URLs.',
  })
  async startExport(@Arg('input', { description: 'The format, the source and the options.' }) input: StartExportInput, @Ctx() ctx: Context) {
    const source = ExportService.sourceOf(input);
    if (source.kind === 'session') await ctx.access.session(source.id);
    else if (source.kind === 'media') await ctx.access.media(source.id);
    else await ctx.access.project(source.id);
    return { job: toJob(await ctx.services.idempotency.job(ctx.principal.id, 'startExport', input, () => ctx.services.exports.start(input))) };
  }
}

@Resolver(() => Job)
export class JobArtifactsResolver {
  @FieldResolver(() => [Artifact], { description: 'Files an export job produced (empty for other jobs, and once they expire).' })
  artifacts(@Root() job: Job, @Ctx() ctx: Context) {
    return ctx.services.exports.artifactsOf(job.id);
  }
}
