// The pieces of latest.md every section writes: a figure's table row, and a target's verdict.
import { fmt, type Figure } from './stats.js';

/** The head of a table of figures written with figureRow. */
export const FIGURE_HEAD = '| figure | median | min | max | unit | what |\n| --- | ---: | ---: | ---: | --- | --- |';

/** One figure as a row under FIGURE_HEAD; '' when the figure is absent (the caller drops empty rows). */
export function figureRow(label: string, f: Figure | undefined, what = ''): string {
  if (!f) return '';
  return `| ${label} | ${f.n ? fmt(f.median) : 'n/a'} | ${f.n ? fmt(f.min) : ''} | ${f.n ? fmt(f.max) : ''} | ${f.unit === 'x' ? '×' : f.unit} | ${what} |`;
}

/** A table of figures: FIGURE_HEAD, then the rows of the figures present. */
export function figureTable(rows: [label: string, f: Figure | undefined, what?: string][]): string[] {
  return [FIGURE_HEAD, ...rows.map(([label, f, what]) => figureRow(label, f, what)).filter(Boolean)];
}

export const yes = (ok: boolean) => (ok ? 'yes' : '**no**');

/** The verdict on a figure's median, flagged when its rounds fall on both sides of the limit. */
export function verdict(f: Figure, ok: (v: number) => boolean): string {
  if (!f.n) return 'not measured';
  return `${yes(ok(f.median))}${ok(f.min) !== ok(f.max) ? ' (rounds on both sides of the limit)' : ''}`;
}
