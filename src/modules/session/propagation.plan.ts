// Which frames a propagation visits and in which order: pure, shared by the job (and the job
// taken over mid-way, which resumes after the frames already stored), the replay of
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

/**
 * Frames re-run before the first frame a resumed job stores: they rebuild the tracker's memory of
 * the frames just behind it (SAM 2 attends to the memories of the last 7 frames and the object
 * pointers of the last 16), and are not stored or published again.
 */
export const RESUME_WARMUP_FRAMES = 16;

/** One pass still to run: the frames it visits, of which the first `warmup` are not recorded. */
export interface RemainingPass {
  pass: PropagateOptions;
  warmup: number;
}

/**
 * The passes a propagation still has to run when the first `done` frames of its order are stored
 * (0: the whole plan). The pass holding the first unstored frame starts up to `warmupFrames`
 * frames before it (never before the pass's own start); passes wholly stored are left out.
 */
export function remainingPasses(totalFrames: number, p: PropagationParams, done: number, warmupFrames = RESUME_WARMUP_FRAMES): RemainingPass[] {
  const out: RemainingPass[] = [];
  let k = 0;
  for (const pass of propagationPlan(p)) {
    const frames = framePlan(totalFrames, pass);
    if (k + frames.length > done && frames.length) {
      const firstNew = Math.max(0, done - k);
      const from = Math.max(0, firstNew - warmupFrames);
      out.push({ pass: { direction: pass.direction, start: frames[from], maxFrames: frames.length - from }, warmup: firstNew - from });
    }
    k += frames.length;
  }
  return out;
}
