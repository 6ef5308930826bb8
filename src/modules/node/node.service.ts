// node(id:): which table holds an id. Ids are random UUIDs (unique across tables), so the type is
// found by asking each table for its primary key — one indexed lookup per table, all at once, no id encoding.
import type { Prisma } from '../../db/database.js';
import { isUuid } from '../common/ids.js';

export type NodeType = 'Project' | 'Media' | 'Session' | 'Job' | 'ApiKey' | 'Webhook' | 'Artifact';

export class NodeService {
  constructor(private readonly prisma: Prisma) {}

  /** The type of the object with this id, or null when there is none. */
  async typeOf(id: string): Promise<NodeType | null> {
    if (!isUuid(id)) return null;
    const where = { where: { id: id.toLowerCase() }, select: { id: true } };
    const found = await Promise.all([
      this.prisma.project.findUnique(where).then((r) => r && ('Project' as const)),
      this.prisma.media.findUnique(where).then((r) => r && ('Media' as const)),
      this.prisma.session.findUnique(where).then((r) => r && ('Session' as const)),
      this.prisma.job.findUnique(where).then((r) => r && ('Job' as const)),
      this.prisma.apiKey.findUnique(where).then((r) => r && ('ApiKey' as const)),
      this.prisma.webhook.findUnique(where).then((r) => r && ('Webhook' as const)),
      this.prisma.artifact.findUnique(where).then((r) => r && ('Artifact' as const)),
    ]);
    return found.find((t) => t !== null) ?? null;
  }
}
