// How a segment request becomes decoder work: prompt groups expanded into one prompt per phrase
// instance, the instances a group's points rule out, and what the model accepts at all.
import { EngineError } from './engine-error.js';
import { boxIou, type Detection } from './families/grounding.js';
import type { BinaryMask } from './masks/binary-mask.js';
import type { ObjectPrompt } from './image-source.js';
import type { LoadedModel } from './model-registry.js';

/** One prompt group: points and/or a box for one object, or a phrase for every instance of it. */
export type GroupPrompt = ObjectPrompt & { text?: string };

export interface PlannedObject {
  group: number;
  prompt: ObjectPrompt;
  text?: string;
  detectionScore?: number;
}

/** Prompt groups -> decoder prompts: a phrase group becomes one box prompt per instance found. */
export function expandGroups(groups: GroupPrompt[], phrases: string[], detections: Detection[][]): PlannedObject[] {
  const plan: PlannedObject[] = [];
  groups.forEach((g, group) => {
    if (g.text === undefined) {
      plan.push({ group, prompt: g });
      return;
    }
    for (const d of detections[phrases.indexOf(g.text)] ?? []) {
      // Beside a box, only the instances that overlap it.
      if (g.box && boxIou(d.box, g.box) === 0) continue;
      plan.push({ group, prompt: { points: [], box: d.box }, text: g.text, detectionScore: d.score });
    }
  });
  return plan;
}

export function keepInstance(mask: BinaryMask, group: GroupPrompt): boolean {
  const at = (p: { x: number; y: number }) => {
    const x = Math.min(mask.width - 1, Math.max(0, Math.floor(p.x)));
    const y = Math.min(mask.height - 1, Math.max(0, Math.floor(p.y)));
    return mask.data[y * mask.width + x] === 1;
  };
  if (group.points.some((p) => !p.positive && at(p))) return false;
  const positives = group.points.filter((p) => p.positive);
  return positives.length === 0 || positives.some(at);
}

export function checkCapabilities(model: LoadedModel, req: { objects: readonly GroupPrompt[]; multimask: boolean }): void {
  const caps = model.manifest.capabilities;
  if (!caps.box && req.objects.some((o) => o.box)) throw new EngineError('UNSUPPORTED', `Model "${model.name}" does not accept box prompts`);
  if (!caps.points && req.objects.some((o) => o.points.length)) throw new EngineError('UNSUPPORTED', `Model "${model.name}" does not accept point prompts`);
  if (model.manifest.family === 'grounding') throw new EngineError('UNSUPPORTED', `Model "${model.name}" is a grounding model: it finds boxes for a segmentation model and does not segment`);
  if (req.multimask && !caps.multimask) throw new EngineError('UNSUPPORTED', `Model "${model.name}" does not return several masks per object`);
}
