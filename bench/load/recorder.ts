// What a run measured: latency samples per operation and error counts per code.
export class Recorder {
  readonly latencies = new Map<string, number[]>();
  readonly errors = new Map<string, number>();
  /** Errors by operation and code, for the report ("segmentUncached:INFERENCE_FAILED"). */
  readonly errorsByOp = new Map<string, number>();

  record(op: string, ms: number, code: string | null): void {
    if (code) {
      this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
      this.errorsByOp.set(`${op}:${code}`, (this.errorsByOp.get(`${op}:${code}`) ?? 0) + 1);
      return;
    }
    const s = this.latencies.get(op) ?? [];
    s.push(ms);
    this.latencies.set(op, s);
  }

  /** Adds another recorder's samples and errors to this one. */
  merge(other: Recorder): void {
    for (const [op, s] of other.latencies) this.latencies.set(op, [...(this.latencies.get(op) ?? []), ...s]);
    for (const [code, n] of other.errors) this.errors.set(code, (this.errors.get(code) ?? 0) + n);
    for (const [key, n] of other.errorsByOp) this.errorsByOp.set(key, (this.errorsByOp.get(key) ?? 0) + n);
  }

  /** Errors other than RATE_LIMITED (which a rate-limited server is right to answer). */
  unexpectedErrors(): number {
    return [...this.errors].filter(([code]) => code !== 'RATE_LIMITED').reduce((n, [, c]) => n + c, 0);
  }
}

/** Nearest-rank percentile of unsorted samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (!samples.length) return NaN;
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
