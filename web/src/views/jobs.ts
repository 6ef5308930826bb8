// Jobs: progress bars with ETA, live over jobProgress; cancel; an export's files to download.
import { CancelJobDocument, JobProgressDocument, JobsDocument, type JobFieldsFragment } from '../../../client/generated/graphql.js';
import { gql, subscribe } from '../api.js';
import { clear, eta, h, progressBar, showError } from '../dom.js';
import { artifactsOf } from '../exports.js';

const live = (j: JobFieldsFragment) => j.status === 'QUEUED' || j.status === 'RUNNING';

export async function jobsView(root: HTMLElement): Promise<() => void> {
  const { jobs } = await gql(JobsDocument, { first: 100 });
  const stops: (() => void)[] = [];
  const row = (j: JobFieldsFragment) => {
    const li = h('li', { 'data-testid': 'job-row', 'data-status': j.status });
    const render = (job: JobFieldsFragment) => {
      li.dataset.status = job.status;
      clear(
        li,
        h('strong', {}, job.kind.toLowerCase().replace(/_/g, ' ')),
        h('small', {}, ` ${job.status.toLowerCase()} · ${new Date(job.createdAt).toLocaleString()}`),
        progressBar(job.progress, `${Math.round(job.progress * 100)} % ${job.framesTotal ? `· ${job.framesDone}/${job.framesTotal}` : ''} ${live(job) ? eta(job.etaSec) : ''}`),
        job.message && h('small', {}, job.message),
        job.error && h('span', { class: 'error' }, job.error.message),
        live(job) && h('button', { onclick: () => gql(CancelJobDocument, { input: { jobId: job.id } }).catch(showError) }, 'Cancel'),
      );
      if (job.kind === 'EXPORT' && job.status === 'COMPLETED') artifactsOf(job.id).then((links) => li.querySelector('.downloads') || li.append(links), showError);
    };
    render(j);
    if (live(j)) stops.push(subscribe(JobProgressDocument, { jobId: j.id }, { next: (d) => render(d.jobProgress), error: showError }));
    return li;
  };
  const list = [...jobs.edges].reverse().map((e) => row(e.node));
  clear(root, h('h2', {}, 'Jobs'), list.length ? h('ul', { class: 'jobs' }, list) : h('p', { class: 'hint' }, 'No job yet: propagations, batch segmentations and exports show up here.'));
  return () => stops.forEach((s) => s());
}
