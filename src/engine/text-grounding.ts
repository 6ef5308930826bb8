// Text prompts: a segmentation model's grounding companion (manifest "grounding") turns phrases
// into boxes; the caller then prompts the mask decoder with them. All phrases of a call share one
// detector run.
import path from 'node:path';
import { EngineError } from './engine-error.js';
import { detectionsFor, runDetector, type Detection } from './families/grounding.js';
import type { Runner } from './families/family.js';
import type { ImageSource } from './image-source.js';
import type { LoadedModel, ModelRegistry } from './model-registry.js';
import { preprocess } from './preprocess.js';
import { ClipTokenizer, TokenizerError } from './text/clip-tokenizer.js';

export interface DetectOptions {
  /** Minimum detector confidence (after sigmoid). */
  threshold: number;
  /** Boxes overlapping more than this (IoU) are one instance. */
  nmsIou: number;
}

export class TextGrounding {
  private readonly tokenizers = new Map<string, Promise<ClipTokenizer>>();

  constructor(private readonly registry: ModelRegistry) {}

  /** The grounding model of a segmentation model, or a clear error when it has none. */
  async companion(model: LoadedModel): Promise<LoadedModel> {
    const name = model.manifest.grounding;
    if (!name || !model.manifest.capabilities.text) {
      throw new EngineError('UNSUPPORTED', `Model "${model.name}" takes no text prompts (its model.json names no grounding model)`, 'Use a model whose manifest has "grounding", e.g. the demo model.');
    }
    return this.registry.get(name);
  }

  private tokenizer(model: LoadedModel): Promise<ClipTokenizer> {
    let t = this.tokenizers.get(model.name);
    if (!t) {
      const files = model.manifest.files;
      if (!files.vocab || !files.merges) return Promise.reject(new EngineError('MODEL_UNAVAILABLE', `Grounding model "${model.name}" lists no vocab/merges files`));
      t = ClipTokenizer.load(path.join(model.dir, files.vocab), path.join(model.dir, files.merges), { padId: model.manifest.text?.padId ?? 0 });
      t.catch(() => this.tokenizers.delete(model.name));
      this.tokenizers.set(model.name, t);
    }
    return t;
  }

  /** Per phrase, its instances in the image (pixels), best first. */
  async detect(grounding: LoadedModel, image: ImageSource, phrases: string[], opts: DetectOptions, run: Runner): Promise<Detection[][]> {
    const tokenizer = await this.tokenizer(grounding);
    const maxLength = grounding.manifest.text?.maxLength ?? 16;
    let tokens;
    try {
      tokens = tokenizer.encodeBatch(phrases, maxLength);
    } catch (err) {
      if (err instanceof TokenizerError && err.code === 'TOO_LONG') throw new EngineError('BAD_PROMPT', `A phrase is too long for model "${grounding.name}" (at most ${maxLength - 2} tokens): ${err.message}`);
      throw err;
    }
    const pixels = await preprocess(await image.pixels(), grounding.manifest.preprocessing, image.width, image.height);
    const det = await runDetector(grounding, pixels, tokens, phrases.length, run);
    return phrases.map((_, p) => detectionsFor(p, phrases.length, det, image.width, image.height, opts.threshold, opts.nmsIou));
  }
}
