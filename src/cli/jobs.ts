// maskql jobs: list, follow (a progress bar until the job ends), cancel.
import { CancelJobDocument, JobProgressDocument, JobsDocument, type JobFieldsFragment, type JobStatus } from '../../client/generated/graphql.js';
import { CliError, type MaskqlClient } from './client.js';
import { COMMON_HELP, connect, parse } from './options.js';
import { progressBar } from './progress.js';

export const JOBS_HELP = `maskql jobs list [--status STATUS] [--json]
maskql jobs follow JOB_ID        a progress bar until the job ends (exit 1 unless COMPLETED)
maskql jobs cancel JOB_ID

STATUS: QUEUED, RUNNING, COMPLETED, FAILED, CANCELLED.

${COMMON_HELP}`;

const describe = (j: JobFieldsFragment) =>
  `${j.id}  ${j.kind.padEnd(20)} ${j.status.padEnd(9)} ${String(Math.round(j.progress * 100)).padStart(3)} %${j.framesTotal ? `  ${j.framesDone}/${j.framesTotal} frames` : ''}${j.error ? `  ${j.error.message}` : ''}`;

const FINISHED = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

/** Follows a job to its end with a progress bar; resolves with its last state. */
export async function followJob(client: MaskqlClient, jobId: string, label = 'job'): Promise<JobFieldsFragment> {
  const bar = progressBar(label);
  let last: JobFieldsFragment | null = null;
  bar.start(100, 0);
  try {
    await client.follow(JobProgressDocument, { jobId }, ({ jobProgress: j }) => {
      last = j;
      if (j.framesTotal) bar.setTotal(j.framesTotal);
      bar.update(j.framesTotal ? j.framesDone : Math.round(j.progress * 100));
      return FINISHED.has(j.status);
    });
  } finally {
    bar.stop();
  }
  if (!last) throw new CliError(`job ${jobId}: no progress received`);
  return last;
}

export async function jobs(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { status: { type: 'string' }, json: { type: 'boolean' } });
  const [command, id] = positionals;
  if (values.help || !command) return (console.log(JOBS_HELP), values.help ? 0 : 2);
  const client = connect(values);
  try {
    if (command === 'list') {
      const { jobs: list } = await client.request(JobsDocument, { first: 100, status: values.status as JobStatus | undefined });
      if (values.json) console.log(JSON.stringify(list.edges.map((e) => e.node), null, 2));
      else for (const e of list.edges) console.log(describe(e.node));
      return 0;
    }
    if (!id) throw new CliError(`jobs ${command}: which job? (its id, from maskql jobs list)`, 'USAGE');
    if (command === 'cancel') {
      console.log(describe((await client.request(CancelJobDocument, { input: { jobId: id } })).cancelJob.job));
      return 0;
    }
    if (command === 'follow') {
      const job = await followJob(client, id);
      console.log(describe(job));
      return job.status === 'COMPLETED' ? 0 : 1;
    }
    throw new CliError(`jobs: unknown command "${command}" (list, follow, cancel)`, 'USAGE');
  } finally {
    await client.dispose();
  }
}
