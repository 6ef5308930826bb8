// SAM 2's memory selection at inference, as the memory bank assembles it: conditioning frames on
// both sides of t (select_closest_cond_frames beyond the cap), the frames just before t in the
// direction of travel with SAM 2's temporal positions, object pointers not ahead of t.
import { describe, expect, it } from 'vitest';
import { MAX_COND_FRAMES_IN_ATTN, MAX_OBJ_PTRS, MemoryBank, selectClosestCondFrames, type BankShape } from '../../../src/engine/tracking/memory-bank.js';

const MEM = 2; // channels of a memory token
const TOKENS = 1;
/** Temporal codes: code j carries j + 1 in channel 0, so a memory's row tells which code it got. */
const shape: BankShape = { temporalCode: Float32Array.from({ length: 7 * MEM }, (_, i) => (i % MEM === 0 ? i / MEM + 1 : 0)), numMaskmem: 7, memDim: MEM, memTokens: TOKENS, ptrDim: MEM };
/** An entry whose features and pointer carry its frame number. */
const entry = (frame: number) => ({ frame, features: Float32Array.of(frame, 0), posEnc: new Float32Array(MEM), objPtr: Float32Array.of(frame, 0) });

function bank(cond: number[], recent: number[]): MemoryBank {
  const b = new MemoryBank();
  for (const f of cond) b.add(entry(f), true);
  for (const f of recent) b.add(entry(f), false);
  return b;
}

/** The frames of the spatial memories with the temporal code each got, and the pointers' frames. */
function read(b: MemoryBank, t: number, step: 1 | -1, numFrames = 100) {
  const m = b.inputs(t, step, shape, numFrames)!;
  const mems = Array.from({ length: m.nMem }, (_, k) => [m.memories[k * MEM], m.posEmbed[k * MEM] - 1]);
  const ptrs = Array.from({ length: m.nPtr }, (_, k) => m.objPtrs[k * MEM]);
  return { mems, ptrs, distance: m.condFrameDistance };
}

describe('memory bank', () => {
  it('select_closest_cond_frames: all up to the cap; beyond, the closest before, the closest at or after, then the nearest', () => {
    expect(selectClosestCondFrames(10, [30, 0, 20], 6)).toEqual({ selected: [0, 20, 30], unselected: new Set() });
    const r = selectClosestCondFrames(10, [0, 2, 9, 10, 11, 40, 50], 4);
    expect(r.selected).toEqual([2, 9, 10, 11]);
    expect([...r.unselected].sort((a, b) => a - b)).toEqual([0, 40, 50]);
    expect(selectClosestCondFrames(45, [0, 2, 9, 10, 11, 40, 50], 3).selected).toEqual([11, 40, 50]);
    expect(selectClosestCondFrames(5, [1, 2, 3], -1).selected).toEqual([1, 2, 3]);
  });

  it('attends to conditioning frames on both sides of t (code 6), and the previous frames in the direction of travel (code i - 1)', () => {
    // Forward at 10: cond 0 and 24 (ahead), recent 9, 8 (behind) and 11 (ahead: not used).
    const fwd = read(bank([0, 24], [8, 9, 11]), 10, 1);
    expect(fwd.mems).toEqual([
      [0, 6],
      [24, 6],
      [9, 0],
      [8, 1],
    ]);
    // Pointers: conditioning frames not ahead (0), then recent frames behind.
    expect(fwd.ptrs).toEqual([0, 9, 8]);
    expect(fwd.distance).toBe(10);
    // Backward at 10: recent 11 is the previous frame; the pointer of cond 24 is now behind.
    const back = read(bank([0, 24], [8, 9, 11]), 10, -1);
    expect(back.mems).toEqual([
      [0, 6],
      [24, 6],
      [11, 0],
    ]);
    expect(back.ptrs).toEqual([24, 11]);
  });

  it('a conditioning frame only ahead still gives memory, with no pointer (an object prompted later is tracked before it)', () => {
    const r = read(bank([24], []), 5, 1);
    expect(r.mems).toEqual([[24, 6]]);
    expect(r.ptrs).toEqual([]);
  });

  it('an unselected conditioning frame among the previous frames is attended as a recent one', () => {
    const cond = [0, 1, 2, 3, 4, 5, 6, 7, 8, 30];
    expect(cond.length).toBeGreaterThan(MAX_COND_FRAMES_IN_ATTN);
    const r = read(bank(cond, []), 12, 1);
    // Selected: the closest before (8), the closest after (30), then the nearest: 7, 6, 5, 4.
    expect(r.mems.filter(([, code]) => code === 6).map(([f]) => f)).toEqual([4, 5, 6, 7, 8, 30]);
    // Unselected 3..0: frames 9..11 absent; 12 - 9 = 3 is 9 steps back, beyond the 6 previous frames.
    expect(r.mems.filter(([, code]) => code !== 6)).toEqual([]);
    const r2 = read(bank(cond, []), 9, 1);
    expect(r2.mems.filter(([, code]) => code !== 6)).toEqual([[3, 5]]);
  });

  it('takes at most MAX_OBJ_PTRS - 1 recent pointers, within the video', () => {
    const recent = Array.from({ length: 40 }, (_, i) => i);
    const r = read(bank([], recent), 39, 1);
    expect(r.ptrs).toEqual(Array.from({ length: MAX_OBJ_PTRS - 1 }, (_, i) => 38 - i));
    expect(read(bank([], recent), 3, 1, 4).ptrs).toEqual([2, 1, 0]);
  });

  it('prune keeps the frames near t and near the pass start', () => {
    const b = bank([0], Array.from({ length: 60 }, (_, i) => i + 1));
    b.prune(59, 10);
    const kept = [...b.recent.keys()].sort((a, c) => a - c);
    expect(kept).toEqual([...Array.from({ length: 26 }, (_, i) => i + 1), ...Array.from({ length: 18 }, (_, i) => 43 + i)].filter((f) => f <= 60));
    expect(b.cond.has(0)).toBe(true);
  });
});
