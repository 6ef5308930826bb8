// The PROPAGATION job handler: runs PropagationService.run (from the frames already stored, for
// a job taken over) and says how it ended (handlers do not throw).
import type { JobHandler } from '../../jobs/job-handler.js';
import { toJobError } from '../common/client-errors.js';
import type { PropagationParams } from './propagation.plan.js';
import type { PropagationService, RunState } from './propagation.service.js';

export function propagationJob(propagation: PropagationService): JobHandler {
  return async ({ job, signal, progress }) => {
    const params = (job as unknown as { params: PropagationParams }).params;
    // framesDone counts the frames stored (written with them): a job taken over resumes after them.
    const state: RunState = { framesDone: job.framesDone };
    try {
      await propagation.run(job, params, signal, progress, state);
      if (signal.aborted) return { status: 'CANCELLED', message: `cancelled after ${state.framesDone} frames` };
      return { status: 'COMPLETED', result: { frames: state.framesDone }, message: `${state.framesDone} frames propagated` };
    } catch (err) {
      if (signal.aborted) return { status: 'CANCELLED', message: `cancelled after ${state.framesDone} frames` };
      const error = toJobError(err);
      return { status: 'FAILED', error: error.code === 'INFERENCE_FAILED' ? { ...error, hint: 'The session stays usable; propagate again.' } : error };
    }
  };
}
