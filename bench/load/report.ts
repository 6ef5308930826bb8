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
 * Server memory at start and after each run. Growth on every run, by more than 10% (and 10 MB) of
 * heap over the runs, is flagged as a possible leak; a first-run rise alone is warm-up (caches, JIT).
 */
export function printMemory(points: MemoryPoint[]): boolean {
  console.log('\nserver memory');
  const mb = (v: number) => `${v.toFixed(1).padStart(7)} MB`;
  for (const p of points) {
    console.log(`  ${p.label.padEnd(14)} rss ${mb(p.rssMb)}   heap used ${mb(p.heapUsedMb)}   external ${mb(p.externalMb)}   (embedding cache ${mb(p.cacheMb)})`);
  }
  const runs = points.slice(1);
  if (runs.length < 2) return false;
  const grows = (key: 'rssMb' | 'heapUsedMb', pct: number, mb: number) =>
    runs.every((p, i) => i === 0 || p[key] > runs[i - 1]![key]) && runs.at(-1)![key] - runs[0]![key] > Math.max(mb, (runs[0]![key] * pct) / 100);
  const heap = grows('heapUsedMb', 10, 10);
  const rss = grows('rssMb', 20, 50);
  if (heap || rss) {
    console.log(`  POSSIBLE LEAK: ${[heap && 'heap', rss && 'rss'].filter(Boolean).join(' and ')} grew on every run after the first`);
    if (rss && !heap) console.log('  (the JS heap is flat: the growth is native memory, outside V8: ArrayBuffers or ONNX Runtime)');
  }
  else console.log('  no growth that signals a leak (after-run figures do not rise run over run beyond 10% heap / 20% rss)');
  return heap || rss;
}
