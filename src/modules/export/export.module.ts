// The export pieces, built once for the service graph: the artifact store, the URL signer and the
// service, with the EXPORT job handler registered on the runner.
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { Prisma } from '../../db/database.js';
import type { JobRunner } from '../../jobs/job-runner.js';
import { DownloadService } from '../download/download.service.js';
import { UrlSigner } from '../download/url-signer.js';
import type { MediaService } from '../media/media.service.js';
import { ArtifactStore } from './artifact.store.js';
import { exportJob } from './export.job.js';
import { ExportService } from './export.service.js';

export function createExports(deps: { config: Config; prisma: Prisma; runner: JobRunner; media: MediaService; log: Logger }) {
  const { config, prisma, runner, media, log } = deps;
  // The same ffmpeg as the media module resolved (FFMPEG_PATH, PATH, npm binaries).
  const bins = () => media.ffmpeg();
  const mediaFile = (storagePath: string) => media.filePath({ storagePath });
  const artifacts = new ArtifactStore(prisma, path.join(config.dataDir, 'exports'), config.exports.retentionMs, log);
  if (!config.downloads.secret) log.warn('DOWNLOAD_URL_SECRET is not set: signed download URLs stop working when this process restarts');
  const urls = new UrlSigner(config.downloads.secret, config.downloads.ttlSec);
  runner.register('EXPORT', exportJob({ prisma, artifacts, bins, mediaFile }));
  return { artifacts, urls, downloads: new DownloadService(media, artifacts), exports: new ExportService(prisma, runner, artifacts, urls, bins, mediaFile) };
}
