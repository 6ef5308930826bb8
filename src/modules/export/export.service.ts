// Export rules: which source each format takes, checked before a job is queued (so a request that
// cannot work fails at once with a clear error), then one EXPORT job.
import type { Prisma } from '../../db/database.js';
import { AppError, badInput, notFound } from '../../errors/app-errors.js';
import type { JobSnapshot } from '../../events/topics.js';
import type { JobRunner } from '../../jobs/job-runner.js';
import type { FfmpegBins } from '../../media/ffmpeg.js';
import { MediaError } from '../../media/media-error.js';
import { isUuid } from '../common/ids.js';
import type { ArtifactRow, ArtifactStore } from './artifact.store.js';
import type { ExportParams, ExportSourceRef } from './export.job.js';
import type { StartExportInput } from './export.input.js';
import { ExportFormat, MaskEffect, VideoContainer, type Artifact } from './export.type.js';
import type { UrlSigner } from '../download/url-signer.js';
import { planVideo } from './writers/video-plan.js';
import { ExportError } from './writers/writer.js';

const SOURCES: Record<ExportFormat, ExportSourceRef['kind'][]> = {
  COCO_JSON: ['session', 'media', 'project'],
  YTVIS_JSON: ['session', 'project'],
  DAVIS_PNG_ZIP: ['session'],
  MASKED_VIDEO: ['session'],
};

export class ExportService {
  constructor(
    private readonly prisma: Prisma,
    private readonly runner: JobRunner,
    private readonly artifacts: ArtifactStore,
    private readonly urls: UrlSigner,
    private readonly bins: () => FfmpegBins,
    private readonly mediaFile: (storagePath: string) => string,
  ) {}

  /** The source named by the input: exactly one of sessionId, mediaId, projectId. */
  static sourceOf(input: StartExportInput): ExportSourceRef {
    const given = (
      [
        ['session', input.sessionId],
        ['media', input.mediaId],
        ['project', input.projectId],
      ] as const
    ).filter(([, id]) => id != null);
    if (given.length !== 1) throw badInput('Give exactly one of sessionId, mediaId and projectId', { field: 'input' });
    return { kind: given[0][0], id: given[0][1]! };
  }

  async start(input: StartExportInput): Promise<JobSnapshot> {
    const source = ExportService.sourceOf(input);
    const format = input.format;
    if (!SOURCES[format].includes(source.kind)) {
      throw badInput(`${format} exports a ${SOURCES[format].join(' or a ')}, not a ${source.kind}`, { field: `input.${source.kind}Id` });
    }
    if (input.objectIds?.length && source.kind !== 'session') throw badInput('objectIds selects objects of a session', { field: 'input.objectIds' });
    if (input.video && format !== ExportFormat.MASKED_VIDEO) throw badInput('video options are for MASKED_VIDEO', { field: 'input.video' });
    const video = format === ExportFormat.MASKED_VIDEO ? { container: input.video?.container ?? VideoContainer.MP4, effect: input.video?.effect ?? MaskEffect.OVERLAY, opacity: input.video?.opacity ?? 0.5 } : null;

    let projectId: string;
    let sessionId: string | null = null;
    let framesTotal = 0;
    if (source.kind === 'session') {
      const s = isUuid(source.id) ? await this.prisma.session.findUnique({ where: { id: source.id }, include: { media: true, objects: true } }) : null;
      if (!s) throw notFound('Session', source.id);
      if (!s.objects.length) throw badInput('The session has no objects to export', { field: 'input.sessionId' });
      const missing = (input.objectIds ?? []).filter((id) => !s.objects.some((o) => o.objectId === id));
      if (missing.length) throw badInput(`The session has no object ${missing.join(', ')}`, { field: 'input.objectIds' });
      if (format === ExportFormat.DAVIS_PNG_ZIP) {
        const big = s.objects.find((o) => o.objectId > 255 && (!input.objectIds?.length || input.objectIds.includes(o.objectId)));
        if (big) throw badInput(`Object ${big.objectId} does not fit an 8-bit palette index`, { field: 'input.objectIds', hint: 'Choose objects 1..255 with objectIds.' });
      }
      if (video) {
        if (s.media.kind !== 'VIDEO') throw badInput('MASKED_VIDEO needs a session on a video', { field: 'input.sessionId' });
        await this.checkEncoders(this.mediaFile(s.media.storagePath), video.container, video.effect);
      }
      projectId = s.media.projectId;
      sessionId = s.id;
      framesTotal = s.media.frameCount ?? 1;
    } else if (source.kind === 'media') {
      const m = isUuid(source.id) ? await this.prisma.media.findUnique({ where: { id: source.id } }) : null;
      if (!m) throw notFound('Media', source.id);
      if (m.kind !== 'IMAGE') throw badInput('A video’s masks live in its sessions: export a session (sessionId)', { field: 'input.mediaId' });
      projectId = m.projectId;
      framesTotal = 1;
    } else {
      const p = isUuid(source.id) ? await this.prisma.project.findUnique({ where: { id: source.id } }) : null;
      if (!p) throw notFound('Project', source.id);
      projectId = p.id;
    }
    const params: ExportParams = { format, source: { kind: source.kind, id: source.id.toLowerCase() }, objectIds: input.objectIds ?? null, video };
    return this.runner.submit({ kind: 'EXPORT', projectId, sessionId, params, framesTotal });
  }

  private async checkEncoders(file: string, container: VideoContainer, effect: MaskEffect): Promise<void> {
    try {
      await planVideo(this.bins(), file, container, effect);
    } catch (err) {
      if (err instanceof ExportError) throw new AppError('BAD_USER_INPUT', err.message, { reason: err.code, hint: err.hint, field: 'input.video.container' });
      if (err instanceof MediaError && err.code === 'FFMPEG_UNAVAILABLE') throw new AppError('BAD_USER_INPUT', err.message, { reason: 'ENCODER_UNAVAILABLE' });
      throw err;
    }
  }

  async artifactsOf(jobId: string): Promise<Artifact[]> {
    return (await this.artifacts.ofJob(jobId)).map((r) => this.toArtifact(r));
  }

  toArtifact(r: ArtifactRow): Artifact {
    return { id: r.id, jobId: r.jobId, name: r.name, mimeType: r.mimeType, byteSize: Number(r.byteSize), sha256: r.sha256, createdAt: r.createdAt, expiresAt: r.expiresAt, url: this.urls.sign('artifact', r.id) };
  }
}
