// Client prompts -> engine prompts in pixels, with every bad value named in a BAD_USER_INPUT.
import { badInput } from '../../errors/app-errors.js';
import { DETECT_DEFAULTS, type DetectOptions, type ObjectPrompt } from '../../engine/index.js';
import { CoordinateSpace, PointLabel, type BoxInput, type PointInput } from './segmentation.input.js';

export interface PromptLimits {
  maxObjects: number;
  maxPoints: number;
}

export interface PromptGroup {
  text?: string | null;
  points?: PointInput[] | null;
  box?: BoxInput | null;
}

export const MAX_PHRASE_LENGTH = 200;

/** A phrase, trimmed; empty or overlong ones are refused. */
export function checkPhrase(text: string, field: string): string {
  const t = text.trim().replace(/\s+/g, ' ');
  if (t.length === 0) throw badInput('A text prompt cannot be empty', { field });
  if (t.length > MAX_PHRASE_LENGTH) throw badInput(`A text prompt is at most ${MAX_PHRASE_LENGTH} characters (got ${t.length})`, { field });
  return t;
}

export function toPixelPrompts(
  groups: PromptGroup[],
  space: CoordinateSpace,
  width: number,
  height: number,
  limits: PromptLimits,
  field = 'input.objects',
): (ObjectPrompt & { text?: string })[] {
  if (groups.length === 0) throw badInput('Give at least one object to segment', { field });
  if (groups.length > limits.maxObjects) throw badInput(`At most ${limits.maxObjects} objects per request (got ${groups.length})`, { field });
  return groups.map((g, i) => toPixelPrompt(g, space, width, height, limits, `${field}.${i}`));
}

export function toPixelPrompt(g: PromptGroup, space: CoordinateSpace, width: number, height: number, limits: PromptLimits, field: string): ObjectPrompt & { text?: string } {
  const points = g.points ?? [];
  const text = g.text != null ? checkPhrase(g.text, `${field}.text`) : undefined;
  if (points.length === 0 && !g.box && text === undefined) throw badInput('An object needs at least one point, a box or a text', { field });
  if (points.length > limits.maxPoints) throw badInput(`At most ${limits.maxPoints} points per object (got ${points.length})`, { field: `${field}.points` });
  const sx = space === CoordinateSpace.NORMALIZED ? width : 1;
  const sy = space === CoordinateSpace.NORMALIZED ? height : 1;
  const limitText = space === CoordinateSpace.NORMALIZED ? '[0, 1]' : `[0, ${width}] x [0, ${height}]`;
  const coord = (v: number, max: number, scale: number, where: string) => {
    if (!Number.isFinite(v)) throw badInput(`${where} must be a finite number`, { field: where });
    const px = v * scale;
    if (px < 0 || px > max) throw badInput(`${where} = ${v} is outside the image (${limitText})`, { field: where });
    return px;
  };
  const prompt: ObjectPrompt & { text?: string } = {
    ...(text !== undefined ? { text } : {}),
    points: points.map((p, j) => ({
      x: coord(p.x, width, sx, `${field}.points.${j}.x`),
      y: coord(p.y, height, sy, `${field}.points.${j}.y`),
      positive: p.label !== PointLabel.NEGATIVE,
    })),
  };
  if (g.box) {
    const b = g.box;
    const x0 = coord(b.x, width, sx, `${field}.box.x`);
    const y0 = coord(b.y, height, sy, `${field}.box.y`);
    if (!Number.isFinite(b.w) || !Number.isFinite(b.h) || b.w <= 0 || b.h <= 0) {
      throw badInput(`${field}.box needs a positive width and height`, { field: `${field}.box` });
    }
    const x1 = coord(b.x + b.w, width, sx, `${field}.box.x + w`);
    const y1 = coord(b.y + b.h, height, sy, `${field}.box.y + h`);
    prompt.box = { x0, y0, x1, y1 };
  }
  if (text === undefined && !prompt.points.some((p) => p.positive) && !prompt.box) {
    throw badInput('An object needs a positive point or a box (negative points only cut)', { field });
  }
  return prompt;
}

/** Detector options with the client's detectionThreshold, which must be within [0, 1]. */
export function detectOptions(threshold: number): DetectOptions {
  if (!Number.isFinite(threshold) || threshold < 0 || threshold > 1) throw badInput('detectionThreshold must be within [0, 1]', { field: 'input.detectionThreshold' });
  return { ...DETECT_DEFAULTS, threshold };
}
