// SAM-style prompt encoding shared by the families: points with labels 1/0, a box as two corner
// points labelled 2 and 3, padding points labelled -1, all in model input coordinates.
import type { ObjectPrompt } from '../image-source.js';
import { toInputCoords, type ResizeGeometry } from '../preprocess.js';

export const LABEL_NEGATIVE = 0;
export const LABEL_POSITIVE = 1;
export const LABEL_BOX_TOP_LEFT = 2;
export const LABEL_BOX_BOTTOM_RIGHT = 3;
export const LABEL_PADDING = -1;

export function promptPoints(
  prompt: ObjectPrompt,
  geom: ResizeGeometry,
  width: number,
  height: number,
  padWhenNoBox: boolean,
): { coords: number[]; labels: number[] } {
  const coords: number[] = [];
  const labels: number[] = [];
  for (const p of prompt.points) {
    coords.push(...toInputCoords(geom, width, height, p.x, p.y));
    labels.push(p.positive ? LABEL_POSITIVE : LABEL_NEGATIVE);
  }
  if (prompt.box) {
    coords.push(...toInputCoords(geom, width, height, prompt.box.x0, prompt.box.y0));
    labels.push(LABEL_BOX_TOP_LEFT);
    coords.push(...toInputCoords(geom, width, height, prompt.box.x1, prompt.box.y1));
    labels.push(LABEL_BOX_BOTTOM_RIGHT);
  } else if (padWhenNoBox) {
    // The official SAM export expects a padding point when no box is given.
    coords.push(0, 0);
    labels.push(LABEL_PADDING);
  }
  return { coords, labels };
}

/** Packs several objects' points into [N, P, 2] / [N, P], padding short rows with label -1. */
export function packBatch(rows: { coords: number[]; labels: number[] }[]): { coords: Float32Array; labels: Float32Array; n: number; p: number } {
  const n = rows.length;
  const p = Math.max(1, ...rows.map((r) => r.labels.length));
  const coords = new Float32Array(n * p * 2);
  const labels = new Float32Array(n * p).fill(LABEL_PADDING);
  rows.forEach((r, i) => {
    coords.set(r.coords, i * p * 2);
    labels.set(r.labels, i * p);
  });
  return { coords, labels, n, p };
}
