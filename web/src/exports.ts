// Exports: start one over a project, an image or a session, follow its job (a progress bar, live
// over jobProgress), then download its files through their signed URLs. Those are plain links:
// the signature is the credential, so no Authorization header is needed (and `download` saves
// the file instead of showing it).
import { JobArtifactsDocument, StartExportDocument, type ExportFormat, type JobArtifactsQuery, type MaskEffect, type VideoContainer } from '../../client/generated/graphql.js';
import { gql } from './api.js';
import { h, showError } from './dom.js';
import { JobFollower } from './job-follower.js';

export type ExportSource = { sessionId: string } | { mediaId: string } | { projectId: string };
type Artifact = JobArtifactsQuery['job']['artifacts'][number];

const LABELS: Record<ExportFormat, string> = {
  COCO_JSON: 'COCO JSON',
  YTVIS_JSON: 'YouTube-VIS JSON',
  DAVIS_PNG_ZIP: 'PNG masks (zip)',
  MASKED_VIDEO: 'Masked video',
};

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Download links for a job's files (until they expire). */
export function artifactLinks(artifacts: Artifact[]): HTMLElement {
  return h(
    'ul',
    { class: 'downloads' },
    artifacts.map((a) =>
      h('li', {}, h('a', { href: a.url, download: a.name, 'data-testid': 'download', 'data-name': a.name }, `⬇ ${a.name}`), h('small', {}, `${size(a.byteSize)} · until ${new Date(a.expiresAt).toLocaleString()}`)),
    ),
  );
}

/** The files of a finished export job, as links. */
export async function artifactsOf(jobId: string): Promise<HTMLElement> {
  return artifactLinks((await gql(JobArtifactsDocument, { id: jobId })).job.artifacts);
}

/** A format picker, an Export button, and the job's progress then its download links. */
export class ExportPanel {
  readonly element: HTMLElement;
  private readonly format: HTMLSelectElement;
  private readonly container = h('select', { 'data-testid': 'export-container' }, h('option', { value: 'MP4' }, 'MP4'), h('option', { value: 'WEBM' }, 'WebM'));
  private readonly effect = h('select', { 'data-testid': 'export-effect' }, h('option', { value: 'OVERLAY' }, 'tint the objects'), h('option', { value: 'CUTOUT' }, 'cut them out'));
  private readonly videoOptions: HTMLElement;
  private readonly job = new JobFollower('export');

  /** `source` is asked at each click (a video's session can change). */
  constructor(
    formats: ExportFormat[],
    private readonly source: () => ExportSource | null,
  ) {
    this.format = h('select', { 'data-testid': 'export-format' }, formats.map((f) => h('option', { value: f }, LABELS[f])));
    this.videoOptions = h('span', { class: 'tools' }, this.container, this.effect);
    this.format.addEventListener('change', () => this.showOptions());
    this.element = h(
      'div',
      { class: 'export' },
      h('div', { class: 'tools' }, 'Export: ', this.format, this.videoOptions, h('button', { onclick: () => void this.start(), 'data-testid': 'start-export' }, 'Export')),
      this.job.element,
    );
    this.showOptions();
  }

  private showOptions(): void {
    this.videoOptions.hidden = this.format.value !== 'MASKED_VIDEO';
  }

  private async start(): Promise<void> {
    const source = this.source();
    if (!source) return showError(new Error('Start a session and click an object first'));
    const format = this.format.value as ExportFormat;
    const video = format === 'MASKED_VIDEO' ? { container: this.container.value as VideoContainer, effect: this.effect.value as MaskEffect } : undefined;
    try {
      const { startExport } = await gql(StartExportDocument, { input: { format, ...source, video } });
      this.job.follow(startExport.job, LABELS[format], async (job) => (job.status === 'COMPLETED' ? artifactsOf(job.id) : null));
    } catch (err) {
      showError(err);
    }
  }

  dispose(): void {
    this.job.dispose();
  }
}
