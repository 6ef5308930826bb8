// Webhooks of a project: subscribe URLs to job events, read the delivery log. A job that ends
// queues one delivery per subscribed webhook; the dispatcher sends it.
import { randomBytes } from 'node:crypto';
import type { Prisma } from '../../db/database.js';
import { badInput, notFound } from '../../errors/app-errors.js';
import type { JobSnapshot } from '../../events/topics.js';
import { isUuid } from '../common/ids.js';
import type { WebhookDispatcher } from './webhook.dispatcher.js';
import { TargetRefused, type WebhookTargetPolicy } from './webhook-target.js';

export const JOB_EVENTS = { COMPLETED: 'job.completed', FAILED: 'job.failed', CANCELLED: 'job.cancelled' } as const;

export class WebhookService {
  constructor(
    private readonly prisma: Prisma,
    private readonly policy: WebhookTargetPolicy,
    private readonly dispatcher: WebhookDispatcher,
  ) {}

  async create(projectId: string, url: string, events: string[]) {
    if (!isUuid(projectId) || !(await this.prisma.project.findUnique({ where: { id: projectId } }))) throw notFound('Project', projectId);
    if (!events.length) throw badInput('Subscribe to at least one event', { field: 'input.events' });
    try {
      await this.policy.resolve(this.policy.checkUrl(url).hostname);
    } catch (err) {
      if (err instanceof TargetRefused) throw badInput(`This webhook URL is refused: ${err.message}`, { field: 'input.url', reason: 'TARGET_REFUSED' });
      throw err;
    }
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const webhook = await this.prisma.webhook.create({ data: { projectId, url, secret, events: [...new Set(events)] } });
    return { webhook, secret };
  }

  async get(id: string) {
    const w = isUuid(id) ? await this.prisma.webhook.findUnique({ where: { id } }) : null;
    if (!w) throw notFound('Webhook', id);
    return w;
  }

  async delete(id: string) {
    await this.get(id);
    await this.prisma.webhook.delete({ where: { id } });
    return { id };
  }

  list(projectId: string) {
    return this.prisma.webhook.findMany({ where: { projectId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  }

  deliveries(webhookId: string, first: number) {
    return this.prisma.webhookDelivery.findMany({ where: { webhookId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: first });
  }

  /** The runner's change listener: a job's end becomes deliveries. */
  async onJob(job: JobSnapshot): Promise<void> {
    const event = JOB_EVENTS[job.status as keyof typeof JOB_EVENTS];
    if (!event) return;
    const projectId = job.projectId ?? (job.sessionId ? (await this.prisma.session.findUnique({ where: { id: job.sessionId }, select: { media: { select: { projectId: true } } } }))?.media.projectId : null);
    if (!projectId) return;
    const hooks = await this.prisma.webhook.findMany({ where: { projectId, events: { has: event } } });
    if (!hooks.length) return;
    const timestamp = new Date().toISOString();
    const data = {
      job: { id: job.id, kind: job.kind, status: job.status, projectId, sessionId: job.sessionId, result: job.result ?? null, error: job.errorCode ? { code: job.errorCode, message: job.errorMessage } : null, finishedAt: job.finishedAt },
    };
    await this.prisma.webhookDelivery.createMany({ data: hooks.map((h) => ({ webhookId: h.id, event, jobId: job.id, payload: JSON.stringify({ type: event, timestamp, data }) })) });
    this.dispatcher.kick();
  }
}
