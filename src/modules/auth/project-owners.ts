// Which project a media, session or job belongs to: what project-limited keys are checked against.
import type { Prisma } from '../../db/database.js';
import { isUuid } from '../common/ids.js';

export class ProjectOwners {
  constructor(
    private readonly prisma: Prisma,
    /** The media service's answer (its rows may be in memory: a click then reads no database). */
    private readonly mediaProject?: (id: string) => Promise<string | null>,
  ) {}

  async ofMedia(id: string): Promise<string | null> {
    if (!isUuid(id)) return null;
    if (this.mediaProject) return this.mediaProject(id);
    return (await this.prisma.media.findUnique({ where: { id }, select: { projectId: true } }))?.projectId ?? null;
  }

  async ofSession(id: string): Promise<string | null> {
    if (!isUuid(id)) return null;
    return (await this.prisma.session.findUnique({ where: { id }, select: { media: { select: { projectId: true } } } }))?.media.projectId ?? null;
  }

  async ofJob(id: string): Promise<string | null> {
    if (!isUuid(id)) return null;
    const job = await this.prisma.job.findUnique({ where: { id }, select: { projectId: true, session: { select: { media: { select: { projectId: true } } } } } });
    return job?.projectId ?? job?.session?.media.projectId ?? null;
  }
}
