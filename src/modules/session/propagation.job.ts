// The PROPAGATION job: runs the session's tracker over the planned frames, storing and
// publishing each frame; returns how it ended (handlers do not throw).
import type { JobHandler } from '../../jobs/job-handler.js';
import { toJobError } from '../common/client-errors.js';
import { propagationPlan, type PropagationParams, type SessionService } from './session.service.js';

export function propagationJob(sessions: SessionService): JobHandler {
  return async ({ job, signal, progress }) => {
    const params = (job as unknown as { params: PropagationParams }).params;
    let done = 0;
    try {
      const session = await sessions.row(job.sessionId!);
      const live = await sessions.ensureLive(session);
      live.activeJobId = job.id;
      const media = await sessions.mediaOf(session);
      await progress({ framesDone: 0, message: `propagating ${params.direction.toLowerCase()} from frame ${params.startFrame}` });
      for (const pass of propagationPlan(params)) {
        for await (const frame of live.tracker.propagate({ ...pass, signal })) {
          if (signal.aborted) break;
          await sessions.recordFrame(session.id, job.id, frame, media, done + 1);
          live.touch();
          done++;
          await progress({ framesDone: done, message: `frame ${frame.frameIndex}` });
        }
        if (signal.aborted) break;
      }
      if (signal.aborted) return { status: 'CANCELLED', message: `cancelled after ${done} frames` };
      return { status: 'COMPLETED', result: { frames: done }, message: `${done} frames propagated` };
    } catch (err) {
      if (signal.aborted) return { status: 'CANCELLED', message: `cancelled after ${done} frames` };
      const error = toJobError(err);
      return { status: 'FAILED', error: error.code === 'INFERENCE_FAILED' ? { ...error, hint: 'The session stays usable; propagate again.' } : error };
    }
  };
}
