// The stream behind the sessionEvents subscription. With a job and replay, it first sends the
// frames that job already stored (in processing order), then live ones, skipping any frame it
// already sent; it listens before it reads (listen-then-read.ts), so nothing falls between the
// two. It ends after the job's terminal event when a job is given, at once when that job had
// already ended.
import type { Prisma } from '../../db/database.js';
import { listenThenRead } from '../../events/listen-then-read.js';
import type { PubSub } from '../../events/pubsub.js';
import type { JobSnapshot, SessionEvent } from '../../events/topics.js';
import { isTerminal } from '../../jobs/job-runner.js';
import { rowsToPayloads } from '../mask/mask.mapper.js';
import type { MaskRepository } from '../mask/mask.repository.js';
import { plannedFrameOrder, type PropagationParams } from './propagation.plan.js';

export function sessionEventStream(
  prisma: Prisma,
  masks: MaskRepository,
  pubsub: PubSub,
  sessionId: string,
  jobId: string | null,
  replay: boolean,
  totalFrames: number,
): AsyncIterable<SessionEvent> {
  const sent = new Set<number>();
  return listenThenRead<SessionEvent>(
    pubsub.subscribe('session:events', sessionId),
    async (push) => {
      const job = jobId ? ((await prisma.job.findUnique({ where: { id: jobId } })) as (JobSnapshot & { params: unknown }) | null) : null;
      if (jobId && replay) {
        const frames = rowsToPayloads(await masks.ofJob(sessionId, jobId));
        const order = new Map((job ? plannedFrameOrder(totalFrames, job.params as PropagationParams) : []).map((f, k) => [f, k]));
        const sorted = [...frames.keys()].sort((a, b) => (order.get(a) ?? a) - (order.get(b) ?? b));
        for (const f of sorted) {
          sent.add(f);
          await push({ kind: 'FRAME', sessionId, jobId, frame: frames.get(f)! });
        }
      }
      // A job that already ended sends its terminal event and the stream completes (with or
      // without replay): its end was published before anyone listened here.
      if (jobId && job && isTerminal(job.status)) {
        await push({ kind: job.status as 'COMPLETED', sessionId, jobId, job });
        return false;
      }
      return true;
    },
    async (event, push) => {
      if (jobId && event.jobId !== jobId) return true;
      if (event.kind === 'FRAME') {
        if (sent.has(event.frame.frameIndex) && jobId) return true;
        if (jobId) sent.add(event.frame.frameIndex);
      }
      await push(event);
      return !(jobId && event.kind !== 'FRAME');
    },
    () => pubsub.subscribed(),
  );
}

