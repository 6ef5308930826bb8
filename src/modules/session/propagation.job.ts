// The PROPAGATION job handler: runs PropagationService.run and says how it ended (handlers do
// not throw).
import type { JobHandler } from '../../jobs/job-handler.js';
import { toJobError } from '../common/client-errors.js';
import type { PropagationParams } from './propagation.plan.js';
import type { PropagationService, RunState } from './propagation.service.js';

export function propagationJob(propagation: PropagationService): JobHandler {
  return async ({ job, signal, progress }) => {
    const params = (job as unknown as { params: PropagationParams }).params;
    const state: RunState = { framesDone: 0 };
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
