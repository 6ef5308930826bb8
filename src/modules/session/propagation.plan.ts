// Which frames a propagation visits and in which order: pure, shared by the job, the replay of
// sessionEvents and the frame count a job announces.
import { framePlan, type PropagateOptions } from '../../engine/index.js';
import { PropagationDirection } from './session.type.js';

/** A PROPAGATION job's params, as stored on its row. */
export interface PropagationParams {
  direction: PropagationDirection;
  startFrame: number;
  maxFrames: number | null;
}

/** The passes of a propagation: BOTH is forward from start, then backward from start - 1. */
export function propagationPlan(p: PropagationParams): PropagateOptions[] {
  const max = p.maxFrames ?? undefined;
  switch (p.direction) {
    case PropagationDirection.FORWARD:
      return [{ direction: 'forward', start: p.startFrame, maxFrames: max }];
    case PropagationDirection.BACKWARD:
      return [{ direction: 'backward', start: p.startFrame, maxFrames: max }];
    case PropagationDirection.BOTH:
      return [
        { direction: 'forward', start: p.startFrame, maxFrames: max },
        ...(p.startFrame > 0 ? [{ direction: 'backward' as const, start: p.startFrame - 1, maxFrames: max }] : []),
      ];
  }
}

/** Every frame a propagation visits, in processing order. */
export function plannedFrameOrder(totalFrames: number, p: PropagationParams): number[] {
  return propagationPlan(p).flatMap((pass) => framePlan(totalFrames, pass));
}
