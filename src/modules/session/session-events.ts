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
import type { FrameMaskRow } from './mask-rows.js';
import { plannedFrameOrder, type PropagationParams } from './session.service.js';

export function sessionEventStream(
  prisma: Prisma,
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
        const rows = (await prisma.frameMask.findMany({ where: { sessionId, jobId } })) as FrameMaskRow[];
        const order = new Map((job ? plannedFrameOrder(totalFrames, job.params as PropagationParams) : []).map((f, k) => [f, k]));
        const frames = new Map<number, FrameMaskRow[]>();
        for (const r of rows) frames.set(r.frameIndex, [...(frames.get(r.frameIndex) ?? []), r]);
        const sorted = [...frames.keys()].sort((a, b) => (order.get(a) ?? a) - (order.get(b) ?? b));
        for (const f of sorted) {
          sent.add(f);
          await push({ kind: 'FRAME', sessionId, jobId, frame: { frameIndex: f, objects: frames.get(f)!.sort((a, b) => a.objectId - b.objectId).map(toObject) } });
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

function toObject(r: FrameMaskRow) {
  return {
    objectId: r.objectId,
    mask:
      r.area > 0
        ? { rle: { size: [r.height, r.width] as [number, number], counts: r.counts }, bbox: [r.bboxX, r.bboxY, r.bboxW, r.bboxH] as [number, number, number, number], area: r.area, score: r.score }
        : null,
  };
}
