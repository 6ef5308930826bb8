// Per-request DataLoaders: one query per kind of lookup per tick, however many fields ask.
import DataLoader from 'dataloader';
import type { Prisma } from './database.js';

export function createLoaders(prisma: Prisma) {
  return {
    projectById: new DataLoader(async (ids: readonly string[]) => {
      const rows = await prisma.project.findMany({ where: { id: { in: [...ids] } } });
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id) ?? new Error(`Project ${id} not found`));
    }),
    mediaCountByProject: new DataLoader(async (ids: readonly string[]) => {
      const groups = await prisma.media.groupBy({ by: ['projectId'], where: { projectId: { in: [...ids] } }, _count: { _all: true } });
      const counts = new Map(groups.map((g) => [g.projectId, g._count._all]));
      return ids.map((id) => counts.get(id) ?? 0);
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
