// The propagation plan: which frames a job visits, in which order and direction, for every
// direction, start frame and frame limit (pure; the job, replay and framesTotal all use it).
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { framePlan } from '../../../src/engine/index.js';
import { plannedFrameOrder, propagationPlan, remainingPasses, RESUME_WARMUP_FRAMES, type PropagationParams } from '../../../src/modules/session/propagation.plan.js';
import { PropagationDirection } from '../../../src/modules/session/session.type.js';

const { FORWARD, BACKWARD, BOTH } = PropagationDirection;

describe('propagation plan', () => {
  it('FORWARD runs from the start frame to the last frame', () => {
    expect(propagationPlan({ direction: FORWARD, startFrame: 3, maxFrames: null })).toEqual([{ direction: 'forward', start: 3, maxFrames: undefined }]);
    expect(plannedFrameOrder(8, { direction: FORWARD, startFrame: 3, maxFrames: null })).toEqual([3, 4, 5, 6, 7]);
  });

  it('BACKWARD runs from the start frame down to frame 0', () => {
    expect(propagationPlan({ direction: BACKWARD, startFrame: 3, maxFrames: null })).toEqual([{ direction: 'backward', start: 3, maxFrames: undefined }]);
    expect(plannedFrameOrder(8, { direction: BACKWARD, startFrame: 3, maxFrames: null })).toEqual([3, 2, 1, 0]);
  });

  it('BOTH runs forward from the start, then backward from the frame before it: every frame once', () => {
    const order = plannedFrameOrder(8, { direction: BOTH, startFrame: 3, maxFrames: null });
    expect(order).toEqual([3, 4, 5, 6, 7, 2, 1, 0]);
    expect(new Set(order).size).toBe(8);
    expect(propagationPlan({ direction: BOTH, startFrame: 3, maxFrames: null }).map((p) => [p.direction, p.start])).toEqual([
      ['forward', 3],
      ['backward', 2],
    ]);
  });

  it('BOTH from frame 0 has no backward pass', () => {
    expect(propagationPlan({ direction: BOTH, startFrame: 0, maxFrames: null })).toHaveLength(1);
    expect(plannedFrameOrder(4, { direction: BOTH, startFrame: 0, maxFrames: null })).toEqual([0, 1, 2, 3]);
  });

  it('maxFrames limits each direction, the start frame included', () => {
    expect(plannedFrameOrder(20, { direction: FORWARD, startFrame: 5, maxFrames: 3 })).toEqual([5, 6, 7]);
    expect(plannedFrameOrder(20, { direction: BACKWARD, startFrame: 5, maxFrames: 3 })).toEqual([5, 4, 3]);
    expect(plannedFrameOrder(20, { direction: BOTH, startFrame: 5, maxFrames: 3 })).toEqual([5, 6, 7, 4, 3, 2]);
    // Near an end, the pass stops at the video's edge.
    expect(plannedFrameOrder(7, { direction: FORWARD, startFrame: 5, maxFrames: 10 })).toEqual([5, 6]);
  });

  it('a one-frame media (an image) is one frame in any direction', () => {
    for (const direction of [FORWARD, BACKWARD, BOTH]) expect(plannedFrameOrder(1, { direction, startFrame: 0, maxFrames: null })).toEqual([0]);
  });

  describe('resuming after the frames already stored (a job taken over)', () => {
    /** What the resumed passes would record, in order: their frames less the warm-up ones. */
    const recorded = (total: number, p: PropagationParams, done: number, warmup?: number) =>
      remainingPasses(total, p, done, warmup).flatMap(({ pass, warmup: w }) => framePlan(total, pass).slice(w));

    it('records exactly the frames of the plan not stored yet, in plan order, for every resume point', () => {
      const cases: [number, PropagationParams][] = [
        [30, { direction: FORWARD, startFrame: 0, maxFrames: null }],
        [30, { direction: BACKWARD, startFrame: 29, maxFrames: null }],
        [30, { direction: BOTH, startFrame: 11, maxFrames: null }],
        [40, { direction: BOTH, startFrame: 20, maxFrames: 7 }],
        [1, { direction: FORWARD, startFrame: 0, maxFrames: null }],
      ];
      for (const [total, p] of cases) {
        const order = plannedFrameOrder(total, p);
        for (let done = 0; done <= order.length; done++) expect(recorded(total, p, done)).toEqual(order.slice(done));
      }
    });

    it('from scratch it is the plan itself, with no warm-up', () => {
      const p = { direction: BOTH, startFrame: 5, maxFrames: null };
      const passes = remainingPasses(12, p, 0);
      expect(passes.map((r) => r.warmup)).toEqual([0, 0]);
      expect(passes.map((r) => [r.pass.direction, r.pass.start])).toEqual(propagationPlan(p).map((q) => [q.direction, q.start]));
    });

    it('re-runs up to RESUME_WARMUP_FRAMES frames before the first unstored one, never before its pass starts', () => {
      const fwd = { direction: FORWARD, startFrame: 0, maxFrames: null };
      expect(remainingPasses(100, fwd, 40)).toEqual([{ pass: { direction: 'forward', start: 40 - RESUME_WARMUP_FRAMES, maxFrames: 60 + RESUME_WARMUP_FRAMES }, warmup: RESUME_WARMUP_FRAMES }]);
      expect(remainingPasses(100, fwd, 5)).toEqual([{ pass: { direction: 'forward', start: 0, maxFrames: 100 }, warmup: 5 }]);
      // BOTH from 50 over 100 frames: 50 forward (50..99), then 50 backward (49..0). 60 stored:
      // the forward pass is done; the backward one resumes at 39 after re-running 49..40 only.
      const both = remainingPasses(100, { direction: BOTH, startFrame: 50, maxFrames: null }, 60);
      expect(both).toEqual([{ pass: { direction: 'backward', start: 49, maxFrames: 50 }, warmup: 10 }]);
      // Everything stored (the process died before marking the job done): nothing left to run.
      expect(remainingPasses(100, fwd, 100)).toEqual([]);
    });
  });
});

