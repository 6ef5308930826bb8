// Projects: named collections of media. Deleting one deletes its media (and their bytes).
import type { Prisma } from '../../db/database.js';
import { badInput, notFound } from '../../errors/app-errors.js';
import type { Connection } from '../common/connection.type.js';
import { isUuid, requireUuid } from '../common/ids.js';
import { cursorWhere, pageOrder, pageTake, toConnection, type Page } from '../common/pagination.js';
import type { MediaService } from '../media/media.service.js';
import type { Project } from './project.type.js';

function projectName(name: string): string {
  const n = name.trim();
  if (n.length === 0) throw badInput('A project name cannot be blank', { field: 'input.name' });
  return n;
}

export class ProjectService {
  constructor(
    private readonly prisma: Prisma,
    private readonly media: MediaService,
  ) {}

  create(name: string): Promise<Project> {
    return this.prisma.project.create({ data: { name: projectName(name) } });
  }

  async get(id: string): Promise<Project> {
    const p = isUuid(id) ? await this.prisma.project.findUnique({ where: { id } }) : null;
    if (!p) throw notFound('Project', id);
    return p;
  }

  async rename(id: string, name: string): Promise<Project> {
    await this.get(id);
    return this.prisma.project.update({ where: { id }, data: { name: projectName(name) } });
  }

  async delete(id: string): Promise<{ id: string; deletedMediaCount: number }> {
    requireUuid('Project', id);
    const media = await this.prisma.media.findMany({ where: { projectId: id }, select: { storagePath: true, thumbnailPath: true } });
    // Its media rows go with it (cascade): none is answered from memory afterwards.
    const deleted = await this.prisma.project.deleteMany({ where: { id } }).finally(() => this.media.forget({ projectId: id.toLowerCase() }));
    if (deleted.count === 0) throw notFound('Project', id);
    // Rows first, bytes after: a crash in between leaves only unreferenced files, swept at start.
    await this.media.releaseFiles(media);
    return { id, deletedMediaCount: media.length };
  }

  /** `within`: only these projects (a project-limited key), or null for all. */
  async list(page: Page, within: readonly string[] | null = null): Promise<Connection<Project>> {
    const where = within ? { id: { in: [...within] } } : {};
    const [rows, total] = await Promise.all([
      this.prisma.project.findMany({ where: { ...where, ...cursorWhere(page) }, orderBy: pageOrder(page), take: pageTake(page) }),
      this.prisma.project.count({ where }),
    ]);
    return toConnection(rows, page, total);
  }
}
