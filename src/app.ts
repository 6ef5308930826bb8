// Builds the whole application from a config: database -> engine -> services -> http + ws.
// main.ts calls this; tests call it too, with a config of their own.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/database.js';
import { createLogger, withRedaction } from './log.js';
import { Engine, EngineError } from './engine/index.js';
import { createMemoryPubSub } from './events/pubsub.js';
import { createRedisPubSub } from './events/redis-pubsub.js';
import { RedisConnections } from './redis/redis-connections.js';
import { ContentStore } from './media/content-store.js';
import { FrameStore } from './media/video-frames.js';
import { describeFfmpeg, FfmpegLocator } from './media/ffmpeg.js';
import { PACKAGE_ROOT } from './paths.js';
import { createSchema } from './server/schema.js';
import { startHttpServer, type HttpServer } from './server/http-server.js';
import { startWorkerHttp } from './server/worker-http.js';
import { createServices, type Services } from './modules/services.js';

export interface App {
  config: Config;
  log: Logger;
  db: Database;
  engine: Engine;
  services: Services;
  http: HttpServer;
  url: string;
  dispose(): Promise<void>;
}

export const VERSION: string = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')).version;

export async function startApp(config: Config, given: Logger = createLogger(config.logLevel)): Promise<App> {
  const log = withRedaction(given);
  const db = await openDatabase(config.database);
  if (db.migrated.length) log.info({ migrations: db.migrated }, 'database migrated');
  const disposers: (() => Promise<void>)[] = [() => db.dispose()];
  const dispose = async () => {
    for (const d of disposers.reverse()) await d().catch((err) => log.error({ err }, 'dispose failed'));
  };
  try {
    // REDIS_URL: events, jobs and limits shared with the other processes (README "Redis (groundwork)").
    const redis = config.redis ? new RedisConnections(config.redis.url, config.redis.prefix, log) : undefined;
    if (redis) {
      disposers.push(() => redis.dispose());
      await redis.check();
    }
    const engine = await Engine.create({
      modelsDir: config.models.dir,
      device: config.engine.device,
      concurrency: config.engine.concurrency,
      threads: config.engine.threads,
      embeddingCacheBytes: config.engine.embeddingCacheBytes,
      inferenceTimeoutMs: config.engine.inferenceTimeoutMs,
      log,
      // ROLE=api loads no model: its engine-bound calls run on workers (a model reached here is a bug).
      ...(config.role === 'api' ? { createSession: () => Promise.reject(new EngineError('MODEL_UNAVAILABLE', 'ROLE=api loads no model: this call should have been routed to a worker')) } : {}),
    });
    disposers.push(() => engine.dispose());
    if (!engine.registry.has(config.models.defaultModel)) {
      log.warn({ defaultModel: config.models.defaultModel, models: engine.registry.names() }, 'DEFAULT_MODEL is not in the model repository');
    }
    if (config.role !== 'api') await engine.preload(config.models.preload);
    const store = new ContentStore(path.join(config.dataDir, 'media'));
    await store.sweepTemp();
    await FrameStore.sweep(path.join(config.dataDir, 'frames')).catch(() => undefined);
    const pubsub = redis ? createRedisPubSub(redis) : createMemoryPubSub();
    const ffmpeg = locateFfmpeg(config, log);
    const services = createServices({ config, db, engine, store, pubsub, ffmpeg, redis, log, version: VERSION });
    disposers.push(() => services.sessions.dispose());
    disposers.push(async () => services.preencoder?.dispose());
    disposers.push(() => services.stopRevocations());
    disposers.push(() => services.runner.dispose());
    services.artifacts.start();
    disposers.push(() => services.artifacts.dispose());
    services.webhookDispatcher.kick();
    disposers.push(() => services.webhookDispatcher.dispose());
    await services.runner.recover();
    // A worker serves routed calls (and joins the live set) once everything under them is up;
    // at shutdown it leaves the set first and finishes the calls it holds.
    await services.fleet?.start();
    if (services.fleet) disposers.push(() => services.fleet!.dispose());
    // One process owns the embedded database, so every unreferenced file is an orphan; with a
    // shared PostgreSQL, spare recent files that another instance may be about to reference.
    const orphans = await services.media.sweepOrphans(db.kind === 'pglite' ? 0 : 10 * 60_000);
    if (orphans) log.warn({ orphans }, 'removed stored files no media referred to (left by an interrupted write)');
    const http =
      config.role === 'worker'
        ? await startWorkerHttp({ config, services, prisma: db.prisma, engine, log })
        : await startHttpServer({ config, schema: await createSchema(), services, prisma: db.prisma, engine, log });
    disposers.push(() => http.dispose());
    return { config, log, db, engine, services, http, url: http.url, dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}

/**
 * ffmpeg and ffprobe, resolved once at boot and named in the log (which binary, and whether from
 * FFMPEG_PATH/FFPROBE_PATH, PATH or the npm package). None found is not fatal: images still work,
 * and each video request answers FFMPEG_UNAVAILABLE (looking again, in case one was installed).
 */
function locateFfmpeg(config: Config, log: Logger): FfmpegLocator {
  const m = config.media;
  const locator = new FfmpegLocator({ ffmpegPath: m.ffmpegPath, ffprobePath: m.ffprobePath, envPath: m.envPath });
  try {
    const { fields, message } = describeFfmpeg(locator.get());
    log.info(fields, message);
  } catch (err) {
    log.warn({ reason: (err as Error).message }, `ffmpeg not found: videos cannot be added or tracked until it is (${(err as Error).message})`);
  }
  return locator;
}
