// The EXPORT job: reads the masks of its source, writes the files of its format into the job's
// artifact folder, records them, and ends with a result naming them (handlers do not throw).
import type { Prisma } from '../../db/database.js';
import type { JobHandler, JobOutcome } from '../../jobs/job-handler.js';
import type { FfmpegBins } from '../../media/ffmpeg.js';
import { MediaError } from '../../media/media-error.js';
import type { ArtifactStore } from './artifact.store.js';
import { loadSession, videoSessionsOf } from './export-source.js';
import { writeImagesCoco, writeSessionCoco } from './writers/coco.writer.js';
import { writeDavis } from './writers/davis.writer.js';
import { writeMaskedVideo, type MaskedVideoOptions } from './writers/masked-video.writer.js';
import { isErrorCode, type ErrorCode } from '../../errors/app-errors.js';
import { toJobError } from '../common/client-errors.js';
import { ExportCancelled, ExportError, type WriterContext, type WrittenFile } from './writers/writer.js';
import { writeYtvis } from './writers/ytvis.writer.js';

export type ExportSourceRef = { kind: 'session' | 'media' | 'project'; id: string };

export interface ExportParams {
  format: 'COCO_JSON' | 'YTVIS_JSON' | 'DAVIS_PNG_ZIP' | 'MASKED_VIDEO';
  source: ExportSourceRef;
  objectIds: number[] | null;
  video: MaskedVideoOptions | null;
}

export interface ExportJobDeps {
  prisma: Prisma;
  artifacts: ArtifactStore;
  bins: () => FfmpegBins;
  /** The absolute path of a media's stored file. */
  mediaFile: (storagePath: string) => string;
}

async function run(deps: ExportJobDeps, ctx: WriterContext, p: ExportParams): Promise<{ files: WrittenFile[]; extra?: object }> {
  const { prisma } = deps;
  const { source } = p;
  switch (p.format) {
    case 'COCO_JSON':
      if (source.kind === 'session') return { files: await writeSessionCoco(ctx, await loadSession(prisma, source.id, p.objectIds)) };
      return { files: await writeImagesCoco(ctx, source.kind === 'media' ? { mediaId: source.id } : { projectId: source.id }) };
    case 'YTVIS_JSON': {
      const ids = source.kind === 'session' ? [source.id] : await videoSessionsOf(prisma, source.id);
      const sessions = await Promise.all(ids.map((id) => loadSession(prisma, id, p.objectIds)));
      return { files: await writeYtvis(ctx, sessions) };
    }
    case 'DAVIS_PNG_ZIP':
      return { files: await writeDavis(ctx, await loadSession(prisma, source.id, p.objectIds)) };
    case 'MASKED_VIDEO': {
      const src = await loadSession(prisma, source.id, p.objectIds);
      const r = await writeMaskedVideo(ctx, src, deps.mediaFile(src.media.storagePath), deps.bins(), p.video!);
      return { files: r.files, extra: { objects: r.objects, audioCodec: r.audioCodec, fps: src.media.fps, frames: src.frameCount } };
    }
  }
}

/** Export failures that are the input's (a damaged video, an encoder this server lacks); the rest are internal. */
const EXPORT_CODES: Record<string, ErrorCode> = { CORRUPT_MEDIA: 'BAD_USER_INPUT', ENCODER_UNAVAILABLE: 'BAD_USER_INPUT' };

export function exportJob(deps: ExportJobDeps): JobHandler {
  return async ({ job, signal, progress }): Promise<JobOutcome> => {
    const params = (job as unknown as { params: ExportParams }).params;
    const dir = await deps.artifacts.begin(job.id);
    try {
      const { files, extra } = await run(deps, { prisma: deps.prisma, dir, signal, progress }, params);
      if (signal.aborted) throw new ExportCancelled('cancelled');
      const rows = await deps.artifacts.record(job.id, files);
      return {
        status: 'COMPLETED',
        result: { format: params.format, artifacts: rows.map((r) => ({ id: r.id, name: r.name, byteSize: Number(r.byteSize), sha256: r.sha256 })), ...extra },
        message: `wrote ${rows.map((r) => r.name).join(', ')}`,
      };
    } catch (err) {
      await deps.artifacts.discard(job.id);
      if (err instanceof ExportCancelled || signal.aborted) return { status: 'CANCELLED', message: 'export cancelled; nothing was kept' };
      // Codes from the one list; the writer's own code is kept as the reason.
      if (err instanceof ExportError) {
        const code = isErrorCode(err.code) ? err.code : EXPORT_CODES[err.code] ?? 'INTERNAL_SERVER_ERROR';
        return { status: 'FAILED', error: { code, reason: code === err.code ? undefined : err.code, message: err.message, retryable: false, hint: err.hint } };
      }
      if (err instanceof MediaError) return { status: 'FAILED', error: { ...toJobError(err), retryable: err.code === 'DISK_FULL' } };
      throw err;
    }
  };
}
