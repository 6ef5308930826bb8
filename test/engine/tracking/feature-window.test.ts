// A session's window of frame features: computed once, shared while in flight, the least
// recently used frame dropped beyond capacity, failures not remembered.
import { describe, expect, it } from 'vitest';
import { FeatureWindow } from '../../../src/engine/tracking/feature-window.js';

describe('feature window', () => {
  it('computes a frame once, shares it while in flight, and counts its bytes', async () => {
    const w = new FeatureWindow<string>(3);
    let runs = 0;
    const compute = (f: number) => async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 5));
      return { value: `f${f}`, bytes: 100 };
    };
    const [a, b] = await Promise.all([w.get(1, compute(1)), w.get(1, compute(1))]);
    expect([a, b, runs]).toEqual(['f1', 'f1', 1]);
    expect(w.bytes()).toBe(100);
  });

  it('keeps the most recently used frames up to its capacity', async () => {
    const w = new FeatureWindow<number>(2);
    const runs: number[] = [];
    const get = (f: number) => w.get(f, async () => (runs.push(f), { value: f, bytes: 1 }));
    await get(1);
    await get(2);
    await get(1); // 1 is now the most recent
    await get(3); // drops 2
    await get(1);
    await get(2);
    expect(runs).toEqual([1, 2, 3, 2]);
    expect(w.bytes()).toBe(2);
    w.clear();
    expect(w.bytes()).toBe(0);
  });

  it('does not remember a failure', async () => {
    const w = new FeatureWindow<number>(2);
    await expect(w.get(1, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await w.get(1, async () => ({ value: 7, bytes: 1 }))).toBe(7);
  });
});
