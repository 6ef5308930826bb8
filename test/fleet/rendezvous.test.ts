// Rendezvous hashing: every process ranks workers alike for a key; keys spread over the workers;
// when a worker leaves, only its keys move (to their second choice), and when one joins, only the
// keys it now ranks first for move to it.
import { expect, it } from 'vitest';
import { rankWorkers } from '../../src/fleet/rendezvous.js';

const keys = Array.from({ length: 3000 }, (_, i) => `media:${i.toString(16).padStart(8, '0')}`);
const first = (workers: string[]) => new Map(keys.map((k) => [k, rankWorkers(k, workers)[0]!]));

it('ranks the same way whatever the order of the live set, and spreads keys evenly', () => {
  const ws = ['gpu-0', 'gpu-1', 'gpu-2'];
  for (const k of keys.slice(0, 50)) expect(rankWorkers(k, [...ws].reverse())).toEqual(rankWorkers(k, ws));
  const counts = new Map<string, number>();
  for (const w of first(ws).values()) counts.set(w, (counts.get(w) ?? 0) + 1);
  for (const w of ws) expect(counts.get(w)! / keys.length).toBeGreaterThan(0.28);
});

it('moves only the keys of a worker that leaves, and only keys to a worker that joins', () => {
  const three = first(['a', 'b', 'c']);
  const two = first(['a', 'c']);
  for (const k of keys) if (three.get(k) !== 'b') expect(two.get(k)).toBe(three.get(k));
  const four = first(['a', 'b', 'c', 'd']);
  let moved = 0;
  for (const k of keys) {
    if (four.get(k) !== three.get(k)) {
      expect(four.get(k)).toBe('d');
      moved++;
    }
  }
  expect(moved / keys.length).toBeGreaterThan(0.18);
  expect(moved / keys.length).toBeLessThan(0.32);
});
