// Jobs as clients see them: read, list, cancel, follow. The JobRunner (jobs/) runs them.
import type { Prisma } from '../../db/database.js';
import { notFound } from '../../errors/app-errors.js';
import { listenThenRead } from '../../events/listen-then-read.js';
import type { PubSub } from '../../events/pubsub.js';
import type { JobSnapshot } from '../../events/topics.js';
import { isTerminal, type JobRunner } from '../../jobs/job-runner.js';
import type { Connection } from '../common/connection.type.js';
import { isUuid } from '../common/ids.js';
import { cursorWhere, emptyConnection, pageOrder, pageTake, toConnection } from '../common/pagination.js';
import type { JobListArgs } from './job.input.js';
import { toJob } from './job.mapper.js';
import type { Job } from './job.type.js';

export class JobService {
  constructor(
    private readonly prisma: Prisma,
    private readonly runner: JobRunner,
    private readonly pubsub: PubSub,
  ) {}

  private async snapshot(id: string): Promise<JobSnapshot & { params: unknown }> {
    const job = isUuid(id) ? await this.prisma.job.findUnique({ where: { id } }) : null;
    if (!job) throw notFound('Job', id);
    return job as JobSnapshot & { params: unknown };
  }

  async get(id: string): Promise<Job> {
    return toJob(await this.snapshot(id));
  }

  /** `within`: only jobs of these projects or their sessions (a project-limited key), or null for all. */
  async list(args: JobListArgs, within: readonly string[] | null = null): Promise<Connection<Job>> {
    // An id that is not a UUID matches no row.
    if ([args.projectId, args.sessionId].some((id) => id != null && !isUuid(id))) return emptyConnection();
    const where = {
      ...(args.status ? { status: args.status } : {}),
      ...(args.kind ? { kind: args.kind } : {}),
      ...(args.projectId ? { projectId: args.projectId } : {}),
      ...(args.sessionId ? { sessionId: args.sessionId } : {}),
      ...(within ? { OR: [{ projectId: { in: [...within] } }, { session: { media: { projectId: { in: [...within] } } } }] } : {}),
    };
    const [rows, total] = await Promise.all([
      this.prisma.job.findMany({ where: { AND: [where, cursorWhere(args)] }, orderBy: pageOrder(args), take: pageTake(args) }),
      this.prisma.job.count({ where }),
    ]);
    const conn = toConnection(rows as (JobSnapshot & { params: unknown })[], args, total);
    return { ...conn, edges: conn.edges.map((e) => ({ cursor: e.cursor, node: toJob(e.node) })) };
  }

  async cancel(id: string): Promise<Job> {
    await this.snapshot(id);
    return toJob(await this.runner.cancel(id));
  }

  /** The job now, then each change, ending after a terminal status. */
  async follow(id: string): Promise<AsyncIterable<JobSnapshot>> {
    await this.snapshot(id);
    return listenThenRead<JobSnapshot>(
      this.pubsub.subscribe('job:progress', id),
      async (push) => {
        const now = await this.snapshot(id);
        await push(now);
        return !isTerminal(now.status);
      },
      async (event, push) => {
        await push(event);
        return !isTerminal(event.status);
      },
      () => this.pubsub.subscribed(),
    );
  }
}
