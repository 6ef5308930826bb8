// The webhook pieces for the service graph: target policy, dispatcher (resumes pending deliveries
// at start) and service, listening to the job runner.
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { Prisma } from '../../db/database.js';
import type { JobRunner } from '../../jobs/job-runner.js';
import { WebhookDispatcher } from './webhook.dispatcher.js';
import { WebhookService } from './webhook.service.js';
import { WebhookTargetPolicy } from './webhook-target.js';

export function createWebhooks(deps: { config: Config; prisma: Prisma; runner: JobRunner; log: Logger }) {
  const { config, prisma, runner, log } = deps;
  const policy = new WebhookTargetPolicy(config.webhooks.allowedHosts, config.webhooks.privateNetworks);
  const dispatcher = new WebhookDispatcher(prisma, policy, config.webhooks, log);
  const webhooks = new WebhookService(prisma, policy, dispatcher);
  runner.onChange((job) => void webhooks.onJob(job).catch((err: unknown) => log.warn({ err, jobId: job.id }, 'could not queue webhook deliveries')));
  return { webhooks, webhookDispatcher: dispatcher };
}
