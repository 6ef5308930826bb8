// Image segmentation: resolves the image and the model, validates prompts, runs the engine.
import { createHash } from 'node:crypto';
import type { Config } from '../../config.js';
import { badInput } from '../../errors/app-errors.js';
import type { Engine } from '../../engine/engine.js';
import type { ImageSource } from '../../engine/image-source.js';
import { probeImage } from '../../media/image-probe.js';
import { decodeBase64 } from '../media/base64.js';
import { mapMediaError } from '../media/media-errors.js';
import type { MediaService } from '../media/media.service.js';
import { mapEngineError } from '../model/engine-errors.js';
import { toPixelPrompts } from './prompt-validation.js';
import type { SegmentImageInput } from './segmentation.input.js';
import type { SegmentImagePayload } from './segmentation.type.js';

export class SegmentationService {
  constructor(
    private readonly engine: Engine,
    private readonly media: MediaService,
    private readonly config: Pick<Config, 'limits' | 'media' | 'models'>,
  ) {}

  async segmentImage(input: SegmentImageInput): Promise<SegmentImagePayload> {
    const image = await this.imageOf(input);
    if (!Number.isFinite(input.threshold)) throw badInput('threshold must be a finite number', { field: 'input.threshold' });
    const objects = toPixelPrompts(input.objects, input.coordinates, image.width, image.height, {
      maxObjects: this.config.limits.maxObjectsPerRequest,
      maxPoints: this.config.limits.maxPointsPerObject,
    });
    const result = await this.engine
      .segment({
        model: input.model ?? this.config.models.defaultModel,
        image,
        objects,
        multimask: input.multimask,
        threshold: input.threshold,
        polygons: input.polygons,
      })
      .catch(mapEngineError);
    return {
      model: result.model,
      width: result.width,
      height: result.height,
      cacheHit: result.cacheHit,
      timings: result.timings,
      objects: result.objects.map((masks, index) => {
        const out = masks.map((m) => ({ rle: m.rle, bbox: m.bbox, area: m.area, score: m.score, polygons: m.polygons ?? null }));
        out.sort((a, b) => b.score - a.score);
        return { index, label: input.objects[index].label ?? null, mask: out[0], masks: out };
      }),
    };
  }

  private async imageOf(input: SegmentImageInput): Promise<ImageSource> {
    const given = [input.mediaId, input.imageBase64].filter((v) => v != null).length;
    if (given !== 1) throw badInput('Give exactly one of mediaId and imageBase64', { field: 'input' });
    if (input.mediaId != null) return this.media.imageSource(await this.media.get(input.mediaId));
    const bytes = decodeBase64(input.imageBase64!, 'input.imageBase64', this.config.media.maxBytes);
    const info = await probeImage(bytes, { maxBytes: this.config.media.maxBytes, maxPixels: this.config.media.maxPixels }).catch(mapMediaError);
    return {
      key: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
      width: info.width,
      height: info.height,
      pixels: async () => ({ kind: 'encoded', bytes }),
    };
  }
}
