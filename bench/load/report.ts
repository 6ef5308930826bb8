// Prints a run's figures: latency p50/p99 per operation, errors by code, and server memory.
import { percentile, type Recorder } from './recorder.js';

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(0).padStart(7) : '      -');

export function printRun(title: string, rec: Recorder, seconds: number): void {
  console.log(`\n${title}`);
  console.log(`  ${'operation'.padEnd(28)} ${'count'.padStart(7)} ${'per s'.padStart(7)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)}`);
  for (const [op, s] of [...rec.latencies].sort(([a], [b]) => a.localeCompare(b))) {
    console.log(`  ${op.padEnd(28)} ${String(s.length).padStart(7)} ${(s.length / seconds).toFixed(1).padStart(7)} ${ms(percentile(s, 50))} ${ms(percentile(s, 99))}`);
  }
  const errors = [...rec.errorsByOp].map(([k, n]) => `${k} ${n}`).join(', ');
  console.log(`  errors: ${errors || 'none'}${rec.unexpectedErrors() ? `  <- ${rec.unexpectedErrors()} besides RATE_LIMITED` : ''}`);
}

export interface MemoryPoint {
  label: string;
  rssMb: number;
  heapUsedMb: number;
  externalMb: number;
  cacheMb: number;
}

/**
 * Server memory at start and after each run. The embedding cache is bounded (EMBEDDING_CACHE_MB)
 * and fills by design while fresh pictures arrive, so RSS is judged without it. A heap, or an RSS
 * less the cache, that grows on every run after the first by more than 10% (and 10 MB) of heap or
 * 20% (and 50 MB) of RSS is flagged as a possible leak; a first-run rise alone is warm-up.
 */
export function printMemory(points: MemoryPoint[]): boolean {
  console.log('\nserver memory');
  const mb = (v: number) => `${v.toFixed(1).padStart(7)} MB`;
  for (const p of points) {
    console.log(`  ${p.label.padEnd(14)} rss ${mb(p.rssMb)}   heap used ${mb(p.heapUsedMb)}   external ${mb(p.externalMb)}   embedding cache ${mb(p.cacheMb)}   rss - cache ${mb(p.rssMb - p.cacheMb)}`);
  }
  const runs = points.slice(1).map((p) => ({ heap: p.heapUsedMb, rss: p.rssMb - p.cacheMb }));
  if (runs.length < 2) return false;
  const grows = (key: 'heap' | 'rss', pct: number, floorMb: number) =>
    runs.every((p, i) => i === 0 || p[key] > runs[i - 1]![key]) && runs.at(-1)![key] - runs[0]![key] > Math.max(floorMb, (runs[0]![key] * pct) / 100);
  const heap = grows('heap', 10, 10);
  const rss = grows('rss', 20, 50);
  if (heap || rss) console.log(`  POSSIBLE LEAK: ${[heap && 'heap', rss && 'rss less the embedding cache'].filter(Boolean).join(' and ')} grew on every run after the first`);
  else console.log('  no growth that signals a leak (heap and rss less the embedding cache do not rise run over run beyond 10% / 20%)');
  return heap || rss;
}
