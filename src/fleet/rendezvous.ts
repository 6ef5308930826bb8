// Rendezvous (highest random weight) hashing: every key ranks every worker by a hash of the pair,
// and goes to the first live one. Each process computes the same order from the same live set
// with no shared table, and when a worker leaves only the keys it held move (to their second
// choice); when one joins, only the keys it now ranks first for move to it.
import { createHash } from 'node:crypto';

function weight(worker: string, key: string): bigint {
  return createHash('sha256').update(worker).update('\0').update(key).digest().readBigUInt64BE(0);
}

/** The workers in the order `key` prefers them (ties, impossible in practice, by name). */
export function rankWorkers(key: string, workers: readonly string[]): string[] {
  return workers
    .map((w) => ({ w, score: weight(w, key) }))
    .sort((a, b) => (a.score === b.score ? a.w.localeCompare(b.w) : a.score > b.score ? -1 : 1))
    .map((x) => x.w);
}
