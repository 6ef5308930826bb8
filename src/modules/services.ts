// The service graph, built once at boot from the long-lived parts.
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { Engine } from '../engine/index.js';
import type { PubSub } from '../events/pubsub.js';
import { BullJobQueue } from '../jobs/bullmq-job-queue.js';
import { JobRunner } from '../jobs/job-runner.js';
import { toJobError } from './common/client-errors.js';
import type { ContentStore } from '../media/content-store.js';
import type { FfmpegLocator } from '../media/ffmpeg.js';
import type { RedisConnections } from '../redis/redis-connections.js';
import { shareRevocations } from './api-key/api-key.revocations.js';
import { ApiKeyService, LEDGER_KEEP_MS } from './api-key/api-key.service.js';
import { RedisRevocations } from '../redis/redis-revocations.js';
import { NodeService } from './node/node.service.js';
import { RedisSubscriptionCaps } from '../redis/redis-subscription-caps.js';
import { RedisTokenBuckets } from '../redis/redis-token-buckets.js';
import { JobService } from './job/job.service.js';
import { MediaService } from './media/media.service.js';
import { MediaPreencoder } from './media/media.preencode.js';
import type { Media } from './media/media.type.js';
import { ModelService } from './model/model.service.js';
import { ProjectService } from './project/project.service.js';
import { SegmentationService } from './segmentation/segmentation.service.js';
import { batchSegmentationJob } from './segmentation/batch-segmentation.job.js';
import { propagationJob } from './session/propagation.job.js';
import { sessionEventStream } from './session/session-events.js';
import { SessionService } from './session/session.service.js';
import { SessionRepository } from './session/session.repository.js';
import { LiveSessionRegistry } from './session/live-session.registry.js';
import { PropagationService } from './session/propagation.service.js';
import { MaskRepository } from './mask/mask.repository.js';
import { SystemService } from './system/system.service.js';
import { IdempotencyService } from './idempotency/idempotency.service.js';
import { createWebhooks } from './webhook/webhook.module.js';
import { createExports } from './export/export.module.js';
import { createFleet } from './fleet/fleet.module.js';
import { routedModels, routedPreencode, routedSegmentation, routedSessions } from './fleet/routed-calls.js';
import { RedisSessionLeases } from '../redis/redis-session-leases.js';

export interface Parts {
  config: Config;
  db: Database;
  engine: Engine;
  store: ContentStore;
  pubsub: PubSub;
  /** ffmpeg and ffprobe as boot resolved them; without it, found on first use. */
  ffmpeg?: FfmpegLocator;
  /** REDIS_URL's connections: jobs (and events, limits) shared with the other processes. */
  redis?: RedisConnections;
  log: Logger;
  version: string;
}

/** Media rows kept in memory (a few hundred bytes each). */
const MEDIA_ROW_CACHE = 4096;

export function createServices(parts: Parts) {
  const { config, db, engine, store, pubsub, log } = parts;
  // Stored images are encoded in the background unless PREENCODE_IMAGES=false (README "Media"):
  // here where the engine runs, on the image's worker from ROLE=api (which loads no model).
  // (Not without DEFAULT_MODEL in the repository: boot warned already, every upload would again.)
  const preencoder = config.engine.preencodeImages && config.role !== 'api' && engine.registry.has(config.models.defaultModel) ? new MediaPreencoder(engine, config.models.defaultModel, log) : undefined;
  let imageStored: ((m: Media) => void) | undefined;
  const media = new MediaService(db.prisma, store, config.media, path.join(config.dataDir, 'frames'), parts.ffmpeg, {
    // Rows in memory only where this process owns the database (the embedded one): with a shared
    // PostgreSQL another process may delete a media, and its row is read each time.
    rowCacheSize: db.kind === 'pglite' ? MEDIA_ROW_CACHE : 0,
    onImageStored: (m) => imageStored?.(m),
  });
  if (preencoder) imageStored = (m) => preencoder.offer(m.id, media.imageSource(m));
  const masks = new MaskRepository(db.prisma);
  // ROLE=api queues jobs and runs none (workers take them).
  const runner = new JobRunner(db.prisma, pubsub, log, config.jobs.concurrency, (err) => toJobError(err), parts.redis && new BullJobQueue(parts.redis, { ...config.jobs, consume: config.role !== 'api' }));
  const sessionRows = new SessionRepository(db.prisma, masks);
  // The registry closes idle sessions through the service (row and job too); the service is built next.
  let localSessions: SessionService | undefined;
  // Split roles: live sessions are leased in Redis (a worker claims and renews; an api reads the holder).
  const sessionLeases = parts.redis && config.role !== 'all' ? new RedisSessionLeases(parts.redis.open('session-leases'), parts.redis.prefix, config.fleet.workerId, config.fleet.ttlMs) : undefined;
  const workerLeases = sessionLeases && config.role === 'worker' ? { store: sessionLeases, renewMs: config.fleet.heartbeatMs } : undefined;
  const liveSessions = new LiveSessionRegistry(sessionRows, engine, media, config.sessions, log, (id) => localSessions!.close(id, 'idle'), workerLeases);
  const propagation = new PropagationService(sessionRows, masks, liveSessions, engine, media, runner, pubsub, log);
  localSessions = new SessionService(sessionRows, masks, liveSessions, propagation, engine, media, runner, config);
  runner.register('PROPAGATION', propagationJob(propagation));
  runner.register('BATCH_SEGMENTATION', batchSegmentationJob(db.prisma, masks, engine, media));
  const jobs = new JobService(db.prisma, runner, pubsub);
  const { artifacts, exports, urls, downloads } = createExports({ config, prisma: db.prisma, runner, media, log });
  const { webhooks, webhookDispatcher } = createWebhooks({ config, prisma: db.prisma, runner, log });
  const projects = new ProjectService(db.prisma, media);
  const localSegmentation = new SegmentationService(masks, engine, media, config);
  // Split roles (README "The fleet"): a worker serves the engine-bound calls an api process routes to it.
  const localModels = new ModelService(engine, config.models.defaultModel);
  const fleet = createFleet(config, parts.redis, log, { segmentation: localSegmentation, sessions: localSessions, propagation, runner, projects, jobs, models: localModels, media, preencoder });
  if (fleet?.caller && config.engine.preencodeImages) {
    const route = routedPreencode(fleet.caller, log);
    imageStored = (m) => route(m.id);
  }
  const sessions = fleet?.caller ? routedSessions(localSessions, fleet.caller, sessionLeases!) : localSessions;
  const models = fleet?.caller ? routedModels(localModels, fleet.caller) : localModels;
  const segmentation = fleet?.caller ? routedSegmentation(localSegmentation, fleet.caller) : localSegmentation;
  // REDIS_URL: rate buckets, subscription caps and revocations kept in Redis, for every process alike.
  const limitsClient = parts.redis?.open('limits');
  const apiKeys = new ApiKeyService(db.prisma, pubsub, limitsClient && new RedisRevocations(limitsClient, parts.redis!.prefix, LEDGER_KEEP_MS));
  const stopRevocations = shareRevocations(apiKeys);
  // Shaped as server/auth's SharedLimits (the server takes it from here; modules do not import it).
  const sharedLimits = limitsClient && {
    buckets: new RedisTokenBuckets(limitsClient, parts.redis!.prefix),
    subscriptions: new RedisSubscriptionCaps(limitsClient, parts.redis!.prefix),
  };
  return {
    webhooks,
    webhookDispatcher,
    idempotency: new IdempotencyService(db.prisma, media),
    artifacts,
    downloads,
    exports,
    urls,
    media,
    preencoder,
    runner,
    sessions,
    liveSessions,
    propagation,
    jobs,
    projects,
    segmentation,
    fleet,
    models,
    system: new SystemService(db, engine, parts.version),
    nodes: new NodeService(db.prisma),
    apiKeys,
    sharedLimits,
    stopRevocations,
    /** The stream of the sessionEvents subscription (checks the session exists first). */
    sessionEvents: async (sessionId: string, jobId: string | null, replay: boolean) => {
      const session = await sessions!.row(sessionId);
      if (jobId) await jobs.get(jobId);
      return sessionEventStream(db.prisma, masks, pubsub, session.id, jobId, replay, await sessions!.totalFrames(session));
    },
  };
}

export type Services = ReturnType<typeof createServices>;
