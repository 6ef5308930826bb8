// One request's rights: scope checks, and the project fence of a project-limited principal. An
// entity outside the fence is NOT_FOUND, with the same message as one that does not exist, so a
// limited key cannot even learn what exists elsewhere.
import { forbidden, notFound } from '../../errors/app-errors.js';
import type { Principal } from './principal.js';
import type { ProjectOwners } from './project-owners.js';
import { grants, type Scope } from './scopes.js';

export class Access {
  constructor(
    readonly principal: Principal,
    private readonly owners: ProjectOwners,
  ) {}

  require(scope: Scope): void {
    if (!grants(this.principal.scopes, scope)) throw forbidden(`This operation needs the "${scope}" scope`);
  }

  /** Project ids a list must be limited to, or null for every project. */
  get projectIds(): readonly string[] | null {
    return this.principal.projects;
  }

  /** For what only an unrestricted principal may do (create projects, manage keys). */
  requireAllProjects(what: string): void {
    if (this.principal.projects) throw forbidden(`A key limited to projects cannot ${what}`);
  }

  private allows(projectId: string | null): boolean {
    return projectId !== null && (!this.principal.projects || this.principal.projects.includes(projectId.toLowerCase()));
  }

  async project(id: string): Promise<void> {
    if (this.principal.projects && !this.allows(id)) throw notFound('Project', id);
  }

  async media(id: string): Promise<void> {
    if (this.principal.projects && !this.allows(await this.owners.ofMedia(id))) throw notFound('Media', id);
  }

  async session(id: string): Promise<void> {
    if (this.principal.projects && !this.allows(await this.owners.ofSession(id))) throw notFound('Session', id);
  }

  async job(id: string): Promise<void> {
    if (this.principal.projects && !this.allows(await this.owners.ofJob(id))) throw notFound('Job', id);
  }
}
