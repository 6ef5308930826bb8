// Image segmentation: resolves the image and the model, validates prompts, runs the engine.
import type { Config } from '../../config.js';
import { badInput } from '../../errors/app-errors.js';
import { type Engine, type ImageSource, type SegmentedObject as EngineObject, EVERYTHING_DEFAULTS, type EverythingOptions } from '../../engine/index.js';
import type { MediaService } from '../media/media.service.js';
import { detectOptions, toPixelPrompts } from './prompt-validation.js';
import { checkPhrase } from './prompt-validation.js';
import { rowToMask, toMask } from '../mask/mask.mapper.js';
import type { MaskRepository } from '../mask/mask.repository.js';
import type { Mask } from '../mask/mask.type.js';
import type { SegmentEverythingInput, SegmentImageInput, SegmentPhrasesInput, StartBatchSegmentationInput } from './segmentation.input.js';
import type { JobSnapshot } from '../../events/topics.js';
import type { JobRunner } from '../../jobs/job-runner.js';
import type { BatchSegmentationParams } from './batch-segmentation.job.js';
import type { SegmentedObject, SegmentEverythingPayload, SegmentImagePayload, SegmentPhrasesPayload } from './segmentation.type.js';

export const MAX_POINTS_PER_SIDE = 64;

function toObject(o: EngineObject, label: string | null): SegmentedObject {
  const masks = o.masks.map(toMask).sort((a, b) => b.score - a.score);
  return { index: o.group, label, phrase: o.phrase ?? null, detectionScore: o.detectionScore ?? null, mask: masks[0], masks };
}

/** Validated segment-everything options; an over-large grid is refused. */
export function everythingOptions(input: { [K in 'pointsPerSide' | 'predIouThreshold' | 'stabilityThreshold' | 'boxNmsThreshold' | 'minArea']?: number | null } & { skipCovered?: boolean | null }): EverythingOptions {
  const given = Object.fromEntries(Object.entries(input).filter(([k, v]) => v != null && k in EVERYTHING_DEFAULTS));
  const o = { ...EVERYTHING_DEFAULTS, ...given } as EverythingOptions;
  if (!Number.isInteger(o.pointsPerSide) || o.pointsPerSide < 1 || o.pointsPerSide > MAX_POINTS_PER_SIDE) {
    throw badInput(`pointsPerSide must be 1..${MAX_POINTS_PER_SIDE} (got ${o.pointsPerSide})`, { field: 'input.pointsPerSide' });
  }
  for (const k of ['predIouThreshold', 'stabilityThreshold', 'boxNmsThreshold'] as const) {
    if (!Number.isFinite(o[k]) || o[k] < 0 || o[k] > 1) throw badInput(`${k} must be within [0, 1]`, { field: `input.${k}` });
  }
  if (!Number.isInteger(o.minArea) || o.minArea < 0) throw badInput('minArea must be a non-negative integer', { field: 'input.minArea' });
  return o;
}

export class SegmentationService {
  constructor(
    private readonly masks: MaskRepository,
    private readonly engine: Engine,
    private readonly media: MediaService,
    private readonly config: Pick<Config, 'limits' | 'media' | 'models'>,
  ) {}

  async segmentImage(input: SegmentImageInput): Promise<SegmentImagePayload> {
    const image = await this.imageOf(input);
    if (!Number.isFinite(input.threshold)) throw badInput('threshold must be a finite number', { field: 'input.threshold' });
    const detect = detectOptions(input.detectionThreshold);
    const objects = toPixelPrompts(input.objects, input.coordinates, image.width, image.height, {
      maxObjects: this.config.limits.maxObjectsPerRequest,
      maxPoints: this.config.limits.maxPointsPerObject,
    });
    const result = await this.engine
      .segment({ model: this.modelName(input.model), image, objects, multimask: input.multimask, threshold: input.threshold, polygons: input.polygons, detect });
    return {
      model: result.model,
      width: result.width,
      height: result.height,
      cacheHit: result.cacheHit,
      timings: result.timings,
      objects: result.objects.map((o) => toObject(o, input.objects[o.group].label ?? null)),
    };
  }

  async segmentPhrases(input: SegmentPhrasesInput): Promise<SegmentPhrasesPayload> {
    if (input.phrases.length === 0) throw badInput('Give at least one phrase', { field: 'input.phrases' });
    if (input.phrases.length > this.config.limits.maxObjectsPerRequest) {
      throw badInput(`At most ${this.config.limits.maxObjectsPerRequest} phrases per request`, { field: 'input.phrases' });
    }
    const phrases = input.phrases.map((p, i) => checkPhrase(p, `input.phrases.${i}`));
    const image = await this.imageOf(input);
    const result = await this.engine
      .segment({
        model: this.modelName(input.model),
        image,
        objects: phrases.map((text) => ({ text, points: [] })),
        multimask: false,
        threshold: 0,
        polygons: input.polygons,
        detect: detectOptions(input.detectionThreshold),
      });
    return {
      model: result.model,
      width: result.width,
      height: result.height,
      cacheHit: result.cacheHit,
      timings: result.timings,
      phrases: phrases.map((phrase, i) => ({ phrase: input.phrases[i], objects: result.objects.filter((o) => o.group === i).map((o) => toObject(o, null)) })),
    };
  }

  async segmentEverything(input: SegmentEverythingInput): Promise<SegmentEverythingPayload> {
    const options = everythingOptions(input);
    const image = await this.imageOf(input);
    const r = await this.engine.segmentEverything({ model: this.modelName(input.model), image, options, polygons: input.polygons });
    return { model: this.modelName(input.model), width: image.width, height: image.height, masks: r.masks.map(toMask), candidates: r.candidates, cacheHit: r.cacheHit, timings: r.timings };
  }

  /** Starts segment-everything over a project's images as a job. */
  async startBatch(input: StartBatchSegmentationInput, jobs: JobRunner, projectExists: (id: string) => Promise<unknown>): Promise<JobSnapshot> {
    const options = everythingOptions(input);
    await projectExists(input.projectId);
    const model = await this.engine.model(this.modelName(input.model));
    const params: BatchSegmentationParams = { projectId: input.projectId, model: model.name, options };
    return jobs.submit({ kind: 'BATCH_SEGMENTATION', projectId: input.projectId, params, device: model.device });
  }

  /** Masks stored for a media by batch segmentation, in their order. */
  async storedMasks(mediaId: string): Promise<Mask[]> {
    return (await this.masks.mediaMasks(mediaId)).map(rowToMask);
  }

  private modelName(model?: string | null): string {
    return model ?? this.config.models.defaultModel;
  }

  /** The image of a request: a stored media, or inline base64 (not stored). */
  async imageOf(input: { mediaId?: string | null; imageBase64?: string | null }): Promise<ImageSource> {
    const given = [input.mediaId, input.imageBase64].filter((v) => v != null).length;
    if (given !== 1) throw badInput('Give exactly one of mediaId and imageBase64', { field: 'input' });
    if (input.mediaId != null) return this.media.imageSource(await this.media.get(input.mediaId));
    return this.media.inlineImage(input.imageBase64!, 'input.imageBase64');
  }
}
