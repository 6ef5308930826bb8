// The service graph, built once at boot from the long-lived parts.
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import type { Engine } from './engine/engine.js';
import type { PubSub } from './events/pubsub.js';
import { JobRunner } from './jobs/job-runner.js';
import type { ContentStore } from './media/content-store.js';
import { ApiKeyService } from './modules/api-key/api-key.service.js';
import { JobService } from './modules/job/job.service.js';
import { MediaService } from './modules/media/media.service.js';
import { ModelService } from './modules/model/model.service.js';
import { NodeService } from './modules/node/node.service.js';
import { ProjectService } from './modules/project/project.service.js';
import { SegmentationService } from './modules/segmentation/segmentation.service.js';
import { batchSegmentationJob } from './modules/segmentation/batch-segmentation.job.js';
import { propagationJob } from './modules/session/propagation.job.js';
import { sessionEventStream } from './modules/session/session-events.js';
import { SessionService } from './modules/session/session.service.js';
import { SystemService } from './modules/system/system.service.js';
import { IdempotencyService } from './modules/idempotency/idempotency.service.js';
import { createWebhooks } from './modules/webhook/webhook.module.js';
import { createExports } from './modules/export/export.module.js';

export interface Parts {
  config: Config;
  db: Database;
  engine: Engine;
  store: ContentStore;
  pubsub: PubSub;
  log: Logger;
  version: string;
}

export function createServices(parts: Parts) {
  const { config, db, engine, store, pubsub, log } = parts;
  const media = new MediaService(db.prisma, store, config.media);
  const runner = new JobRunner(db.prisma, pubsub, log, config.jobs.concurrency);
  const sessions = new SessionService(db.prisma, engine, media, runner, pubsub, config, log);
  runner.register('PROPAGATION', propagationJob(sessions));
  runner.register('BATCH_SEGMENTATION', batchSegmentationJob(db.prisma, engine, media));
  const jobs = new JobService(db.prisma, runner, pubsub);
  const { artifacts, exports, urls, downloads } = createExports({ config, prisma: db.prisma, runner, media, log });
  const { webhooks, webhookDispatcher } = createWebhooks({ config, prisma: db.prisma, runner, log });
  return {
    webhooks,
    webhookDispatcher,
    idempotency: new IdempotencyService(db.prisma, media),
    artifacts,
    downloads,
    exports,
    urls,
    media,
    runner,
    sessions,
    jobs,
    projects: new ProjectService(db.prisma, media),
    segmentation: new SegmentationService(db.prisma, engine, media, config),
    models: new ModelService(engine, config.models.defaultModel),
    system: new SystemService(db, engine, parts.version),
    apiKeys: new ApiKeyService(db.prisma, pubsub),
    nodes: new NodeService(db.prisma),
    /** The stream of the sessionEvents subscription (checks the session exists first). */
    sessionEvents: async (sessionId: string, jobId: string | null, replay: boolean) => {
      const session = await sessions.row(sessionId);
      if (jobId) await jobs.get(jobId);
      return sessionEventStream(db.prisma, pubsub, session.id, jobId, replay, await sessions.totalFrames(session));
    },
  };
}

export type Services = ReturnType<typeof createServices>;
