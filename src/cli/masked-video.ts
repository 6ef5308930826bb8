// maskql track --masked-video: after propagation, the session's MASKED_VIDEO export as a job
// (a progress bar), then its file downloaded through the artifact's signed URL (another bar).
import path from 'node:path';
import { JobArtifactsDocument, StartExportDocument, type MaskEffect, type VideoContainer } from '../../client/generated/graphql.js';
import { CliError, type MaskqlClient } from './client.js';
import { followJob } from './jobs.js';
import { progressBar } from './progress.js';

export interface MaskedVideoFlags {
  'masked-video'?: string;
  effect?: string;
  opacity?: string;
}

export const MASKED_VIDEO_HELP = `  --masked-video FILE            also write the video with its masks applied (.webm: VP9, else MP4)
  --effect overlay|cutout        tint the objects (default) or keep only them
  --opacity N                    overlay strength, 0..1 (default 0.5)`;

export interface MaskedVideoPlan {
  file: string;
  container: VideoContainer;
  effect: MaskEffect;
  opacity?: number;
}

/** The export asked for by the flags (checked before anything is uploaded), or null. */
export function maskedVideoPlan(values: MaskedVideoFlags): MaskedVideoPlan | null {
  const file = values['masked-video'];
  if (!file) {
    if (values.effect !== undefined || values.opacity !== undefined) throw new CliError('--effect and --opacity go with --masked-video', 'USAGE');
    return null;
  }
  const effect = (values.effect ?? 'overlay').toUpperCase() as MaskEffect;
  if (effect !== 'OVERLAY' && effect !== 'CUTOUT') throw new CliError(`--effect: overlay or cutout, not "${values.effect}"`, 'USAGE');
  const opacity = values.opacity === undefined ? undefined : Number(values.opacity);
  if (opacity !== undefined && !(opacity >= 0 && opacity <= 1)) throw new CliError(`--opacity: a number in 0..1, not "${values.opacity}"`, 'USAGE');
  const container: VideoContainer = path.extname(file).toLowerCase() === '.webm' ? 'WEBM' : 'MP4';
  return { file, container, effect, opacity };
}

/** Exports the session as a masked video into plan.file; resolves with the bytes written. */
export async function writeMaskedVideo(client: MaskqlClient, sessionId: string, plan: MaskedVideoPlan): Promise<number> {
  const { startExport } = await client.request(StartExportDocument, { input: { format: 'MASKED_VIDEO', sessionId, video: { container: plan.container, effect: plan.effect, opacity: plan.opacity } } });
  const job = await followJob(client, startExport.job.id, 'export');
  if (job.status !== 'COMPLETED') throw new CliError(`masked-video export ${job.status.toLowerCase()}${job.error ? `: ${job.error.message}` : ''}`, job.error?.code ?? job.status);
  const { job: done } = await client.request(JobArtifactsDocument, { id: job.id });
  const artifact = done.artifacts[0];
  if (!artifact) throw new CliError(`export job ${job.id} produced no file`);
  const bar = progressBar('download', ' B');
  bar.start(artifact.byteSize, 0);
  try {
    return await client.download(artifact.url, plan.file, (received, total) => (bar.setTotal(total), bar.update(received)));
  } finally {
    bar.stop();
  }
}
