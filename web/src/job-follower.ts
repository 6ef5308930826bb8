// One job followed live (jobProgress): its status, a progress bar with frames and ETA, its error;
// when it ends, what `then` adds (an export's download links). Stops by itself when the job ends
// or its element has left the page.
import { JobProgressDocument, type JobFieldsFragment } from '../../client/generated/graphql.js';
import { subscribe } from './api.js';
import { clear, eta, h, progressBar, showError } from './dom.js';

const finished = (j: JobFieldsFragment) => j.status !== 'QUEUED' && j.status !== 'RUNNING';

export class JobFollower {
  /** data-testid `<testId>`; its status line is `<testId>-status` with data-status and data-job (the id). */
  readonly element: HTMLElement;
  private stop: (() => void) | null = null;

  constructor(private readonly testId: string) {
    this.element = h('div', { class: 'job', 'data-testid': testId });
  }

  follow(first: JobFieldsFragment, label: string, then?: (job: JobFieldsFragment) => Promise<Node | null>): void {
    this.dispose();
    const end = async (job: JobFieldsFragment) => {
      try {
        const more = await then?.(job);
        if (more) this.element.append(more);
      } catch (err) {
        showError(err);
      }
    };
    this.render(first, label);
    if (finished(first)) return void end(first);
    this.stop = subscribe(JobProgressDocument, { jobId: first.id }, {
      next: ({ jobProgress: job }) => {
        if (!this.element.isConnected) return this.dispose(); // the page moved on
        this.render(job, label);
        if (finished(job)) {
          this.dispose();
          void end(job);
        }
      },
      error: showError,
    });
  }

  private render(job: JobFieldsFragment, label: string): void {
    clear(
      this.element,
      h('span', { 'data-testid': `${this.testId}-status`, 'data-status': job.status, 'data-job': job.id }, `${label} ${job.status.toLowerCase()}`),
      progressBar(job.progress, `${Math.round(job.progress * 100)} % ${job.framesTotal ? `· ${job.framesDone}/${job.framesTotal}` : ''} ${finished(job) ? '' : eta(job.etaSec)}`),
      job.error && h('span', { class: 'error' }, job.error.message),
    );
  }

  dispose(): void {
    this.stop?.();
    this.stop = null;
  }
}
