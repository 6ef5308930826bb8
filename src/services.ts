// The service graph, built once at boot from the long-lived parts.
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import type { Engine } from './engine/engine.js';
import type { ContentStore } from './media/content-store.js';
import { MediaService } from './modules/media/media.service.js';
import { ModelService } from './modules/model/model.service.js';
import { ProjectService } from './modules/project/project.service.js';
import { SegmentationService } from './modules/segmentation/segmentation.service.js';
import { SystemService } from './modules/system/system.service.js';

export interface Parts {
  config: Config;
  db: Database;
  engine: Engine;
  store: ContentStore;
  version: string;
}

export function createServices(parts: Parts) {
  const { config, db, engine, store } = parts;
  const media = new MediaService(db.prisma, store, config.media);
  return {
    media,
    projects: new ProjectService(db.prisma, media),
    segmentation: new SegmentationService(engine, media, config),
    models: new ModelService(engine, config.models.defaultModel),
    system: new SystemService(db, engine, parts.version),
  };
}

export type Services = ReturnType<typeof createServices>;
