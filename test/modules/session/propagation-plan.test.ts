// The propagation plan: which frames a job visits, in which order and direction, for every
// direction, start frame and frame limit (pure; the job, replay and framesTotal all use it).
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { plannedFrameOrder, propagationPlan } from '../../../src/modules/session/propagation.plan.js';
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
});
