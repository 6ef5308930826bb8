// Figures: every measured quantity is kept as its samples and reported as median, min and max.

export interface Figure {
  median: number;
  min: number;
  max: number;
  /** Number of samples. */
  n: number;
  unit: string;
}

export function figure(samples: readonly number[], unit: string): Figure {
  const s = samples.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (s.length === 0) return { median: NaN, min: NaN, max: NaN, n: 0, unit };
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]!, n: s.length, unit };
}

/** The p-th percentile (0..100) of samples, linear between closest ranks (numpy's default). */
export function percentile(samples: readonly number[], p: number): number {
  const s = samples.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const pos = ((s.length - 1) * p) / 100;
  const lo = Math.floor(pos);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/** A single observation (one run): median = min = max. */
export function single(value: number, unit: string): Figure {
  return figure([value], unit);
}

/** Per-round ratios a[i] / b[i] of paired (interleaved) samples. */
export function pairedRatio(a: readonly number[], b: readonly number[], unit = 'x'): Figure {
  const n = Math.min(a.length, b.length);
  const r: number[] = [];
  for (let i = 0; i < n; i++) r.push(a[i]! / b[i]!);
  return figure(r, unit);
}

/** Per-round differences a[i] - b[i] of paired samples. */
export function pairedDiff(a: readonly number[], b: readonly number[], unit = 'ms'): Figure {
  const n = Math.min(a.length, b.length);
  const r: number[] = [];
  for (let i = 0; i < n; i++) r.push(a[i]! - b[i]!);
  return figure(r, unit);
}

export function fmt(v: number, digits?: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  const d = digits ?? (Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2);
  return v.toFixed(d);
}

export function fmtFigure(f: Figure): string {
  if (f.n === 0) return 'n/a';
  const unit = f.unit === 'x' ? '×' : ` ${f.unit}`;
  if (f.n === 1) return `${fmt(f.median)}${unit}`;
  return `${fmt(f.median)}${unit} (${fmt(f.min)}–${fmt(f.max)})`;
}

/** Rotates the order of variants each round so no variant always runs first or last. */
export function rotated<T>(items: readonly T[], round: number): T[] {
  const k = round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

export const now = () => performance.now();

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Runs round(0), round(1), ... at most `max` times. Once `min` rounds are done (default 1), no new
 * round starts if the rounds so far plus one more of their average length would pass budgetSec.
 * Returns the number of rounds run.
 */
export async function budgetedRounds(opts: { max: number; min?: number; budgetSec?: number }, round: (r: number) => Promise<void>): Promise<number> {
  const t0 = performance.now();
  let r = 0;
  for (; r < opts.max; r++) {
    const elapsed = (performance.now() - t0) / 1000;
    if (opts.budgetSec !== undefined && r >= Math.max(1, opts.min ?? 1) && elapsed + elapsed / r > opts.budgetSec) break;
    await round(r);
  }
  return r;
}
