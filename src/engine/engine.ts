// The engine: models, device queues, the embedding cache, and image segmentation. It knows
// nothing of GraphQL or the database; its inputs are images and prompts in pixels.
import type * as ort from 'onnxruntime-node';
import { SessionFactory, type DeviceLog, type DeviceRequest } from './device.js';
import { DeviceQueues, PRIORITY_BACKGROUND, PRIORITY_IDLE, PRIORITY_INTERACTIVE } from './device-queue.js';
import { filterCandidates, gridPrompts, type EverythingOptions } from './everything.js';
import type { Detection } from './families/grounding.js';
import type { BinaryMask } from './masks/binary-mask.js';
import { TextGrounding, type DetectOptions } from './text-grounding.js';
import { EmbeddingCache } from './embedding-cache.js';
import { EngineError } from './engine-error.js';
import { segmenter, selectCandidates, type Embedding, type MaskCandidate, type Runner } from './families/family.js';
import type { ImageSource, ObjectPrompt } from './image-source.js';
import { describeMask, type SegmentedMask } from './masks/segmented-mask.js';
import { checkCapabilities, expandGroups, keepInstance, type GroupPrompt } from './segment-plan.js';
import { maskArea, maskBbox } from './masks/mask-stats.js';
import { ModelRegistry, type LoadedModel, type ModelStatus } from './model-registry.js';
import { resizeGeometry } from './preprocess.js';
import { encoderInput } from './encoder-input.js';

export interface EngineOptions {
  modelsDir: string;
  device: DeviceRequest;
  concurrency: number;
  threads: number;
  embeddingCacheBytes: number;
  inferenceTimeoutMs: number;
  log: DeviceLog;
  /** For tests: replaces onnxruntime-node's session creation. */
  createSession?: ConstructorParameters<typeof SessionFactory>[0]['create'];
}

export type { GroupPrompt };

export interface SegmentRequest {
  model: string;
  image: ImageSource;
  objects: GroupPrompt[];
  detect?: DetectOptions;
  multimask: boolean;
  threshold: number;
  polygons: boolean;
  priority?: number;
}

export interface SegmentedObject {
  /** The prompt group it came from. */
  group: number;
  phrase?: string;
  /** The detector's confidence, for objects found from a phrase. */
  detectionScore?: number;
  masks: SegmentedMask[];
}

export interface SegmentResult {
  model: string;
  width: number;
  height: number;
  objects: SegmentedObject[];
  cacheHit: boolean;
  timings: { encodeMs: number; detectMs: number; decodeMs: number; postprocessMs: number; totalMs: number };
}

export const DETECT_DEFAULTS: DetectOptions = { threshold: 0.5, nmsIou: 0.5 };

export class Engine {
  /** Encoder runs since start: lets tests and metrics see the cache at work. */
  encoderRuns = 0;
  /** Background encodings past their idle turn, by cache key (see preencode). */
  private readonly background = new Map<string, BackgroundEncoding>();
  private readonly grounding: TextGrounding;
  /** Called with the time of each inference stage (metrics hook). */
  observe: (model: string, stage: 'encode' | 'decode' | 'detect', ms: number) => void = () => {};

  private constructor(
    readonly registry: ModelRegistry,
    readonly queues: DeviceQueues,
    readonly cache: EmbeddingCache,
    readonly sessions: SessionFactory,
  ) {
    this.grounding = new TextGrounding(registry);
  }

  static async create(opts: EngineOptions): Promise<Engine> {
    // Each device worker keeps the encoder outputs of the images in use (a quarter of the cache).
    const keptBytes = opts.embeddingCacheBytes > 0 ? Math.min(256 << 20, Math.max(16 << 20, opts.embeddingCacheBytes / 4)) : 0;
    const sessions = new SessionFactory({ request: opts.device, threads: opts.threads, log: opts.log, create: opts.createSession, keptBytes });
    const registry = await ModelRegistry.scan(opts.modelsDir, sessions);
    return new Engine(registry, new DeviceQueues(opts.concurrency, opts.inferenceTimeoutMs), new EmbeddingCache(opts.embeddingCacheBytes), sessions);
  }

  models(): ModelStatus[] {
    return this.registry.status();
  }

  model(name: string): Promise<LoadedModel> {
    return this.registry.get(name);
  }

  /** Loads the named models now; failures are reported in models() and do not throw. */
  async preload(names: string[]): Promise<void> {
    const all = names.includes('all') ? this.registry.names() : names;
    await Promise.all(all.map((n) => this.registry.get(n).catch(() => undefined)));
  }

  /** A Runner that sends ORT calls through the model's device queue; `starting` runs as each call gets the device (it may throw to skip it). */
  runner(model: LoadedModel, priority = PRIORITY_INTERACTIVE, starting?: () => void): Runner {
    return (session, feeds, opts) =>
      this.queues.run(model.device, async () => {
        starting?.();
        try {
          return await session.run(feeds, opts);
        } catch (err) {
          throw new EngineError('INFERENCE_FAILED', `Model "${model.name}" failed to run: ${(err as Error).message.split('\n')[0]}`);
        }
      }, priority);
  }

  /** The image's embedding for a model, from the cache or one encoder run. */
  async embed(model: LoadedModel, image: ImageSource, priority = PRIORITY_INTERACTIVE): Promise<{ embedding: Embedding; hit: boolean; encodeMs: number }> {
    const started = performance.now();
    const key = cacheKey(model, image);
    const { embedding, hit } = await this.cache.get(key, () => {
      // A background encoding of this image that holds the device now ends sooner than a run of
      // our own would; one that has not reached the device yet gives way to ours.
      const background = this.background.get(key);
      if (background?.running) return background.embedding;
      if (background) background.superseded = true;
      return this.encode(model, image, priority);
    });
    const encodeMs = hit ? 0 : performance.now() - started;
    if (!hit) this.observe(model.name, 'encode', encodeMs);
    return { embedding, hit, encodeMs };
  }

  /**
   * Encodes an image into the cache ahead of its first click, at the lowest priority: the image
   * is not even decoded before the device has nothing else waiting. Not a cache lookup (hits and
   * misses are the clicks'). A click on the image meanwhile never waits behind it at this
   * priority: it waits for it only once its encoder has the device; before that the click encodes
   * at its own priority and this run gives way. False when there was nothing to do (or `dropped`
   * said so once the device was free).
   */
  async preencode(name: string, image: ImageSource, dropped: () => boolean = () => false): Promise<boolean> {
    if (!this.cache.enabled) return false; // it would be thrown away
    const model = await this.registry.get(name);
    const key = cacheKey(model, image);
    if (this.cache.holds(key)) return false;
    await this.queues.run(model.device, async () => undefined, PRIORITY_IDLE);
    if (dropped() || this.cache.holds(key) || this.background.has(key)) return false;
    const job: BackgroundEncoding = { running: false, superseded: false, embedding: Promise.resolve(undefined as never) };
    job.embedding = this.encode(model, image, PRIORITY_IDLE, () => {
      if (job.superseded) throw new Superseded();
      job.running = true;
    });
    this.background.set(key, job);
    try {
      return this.cache.offer(key, await job.embedding);
    } catch (err) {
      if (err instanceof Superseded) return false;
      throw err;
    } finally {
      this.background.delete(key);
    }
  }

  /** One encoder run on the image, not cached here (video frames are kept by their session). */
  async encode(model: LoadedModel, image: ImageSource, priority = PRIORITY_INTERACTIVE, starting?: () => void): Promise<Embedding> {
    const pre = model.manifest.preprocessing;
    const input = await encoderInput(model, await image.pixels(), image.width, image.height);
    let counted = false;
    const tensors = await segmenter(model).encode(model, input, this.runner(model, priority, () => {
      starting?.();
      // Counted as it gets the device (a background run that gave way never ran).
      if (!counted) this.encoderRuns++;
      counted = true;
    }));
    return {
      tensors,
      bytes: Object.values(tensors).reduce((n, t: ort.Tensor) => n + (t.data as Float32Array).byteLength, 0),
      width: image.width,
      height: image.height,
      geometry: resizeGeometry(pre, image.width, image.height),
    };
  }

  async segment(req: SegmentRequest): Promise<SegmentResult> {
    const started = performance.now();
    const model = await this.registry.get(req.model);
    checkCapabilities(model, req);
    const phrases = [...new Set(req.objects.filter((o) => o.text !== undefined).map((o) => o.text!))];
    // The detector and the image encoder are independent: run them side by side.
    const detectStarted = performance.now();
    const detecting = phrases.length ? this.detect(model, req.image, phrases, req.detect ?? DETECT_DEFAULTS, req.priority) : Promise.resolve([]);
    const [{ embedding, hit, encodeMs }, detections] = await Promise.all([this.embed(model, req.image, req.priority), detecting]);
    const detectMs = phrases.length ? performance.now() - detectStarted : 0;
    const plan = expandGroups(req.objects, phrases, detections);
    const decodeStarted = performance.now();
    const candidates = plan.length
      ? await segmenter(model).decode(model, embedding, plan.map((p) => p.prompt), { multimask: req.multimask, threshold: req.threshold }, this.runner(model, req.priority))
      : [];
    const decodeMs = performance.now() - decodeStarted;
    this.observe(model.name, 'decode', decodeMs);
    if (phrases.length) this.observe(model.name, 'detect', detectMs);
    const postStarted = performance.now();
    const objects: SegmentedObject[] = [];
    candidates.forEach((c, i) => {
      const p = plan[i];
      const chosen = selectCandidates(c, req.multimask);
      // A phrase's instance is dropped when a negative point of its group lies on it, and kept
      // only if it holds a positive point when the group has some.
      if (p.text !== undefined && !keepInstance(chosen[0].mask, req.objects[p.group])) return;
      objects.push({ group: p.group, phrase: p.text, detectionScore: p.detectionScore, masks: chosen.map((m) => describeMask(m, req.polygons)) });
    });
    const now = performance.now();
    return {
      model: model.name,
      width: req.image.width,
      height: req.image.height,
      objects,
      cacheHit: hit,
      timings: { encodeMs, detectMs, decodeMs, postprocessMs: now - postStarted, totalMs: now - started },
    };
  }

  /** Boxes of every phrase in the image, through the model's grounding companion (one detector run). */
  async detect(model: LoadedModel, image: ImageSource, phrases: string[], opts: DetectOptions, priority = PRIORITY_INTERACTIVE): Promise<Detection[][]> {
    const grounding = await this.grounding.companion(model);
    return this.grounding.detect(grounding, image, phrases, opts, this.runner(grounding, priority));
  }

  /** All masks of an image without prompts (SAM's automatic mask generator). */
  async segmentEverything(req: { model: string; image: ImageSource; options: EverythingOptions; polygons: boolean; priority?: number }): Promise<{ masks: SegmentedMask[]; cacheHit: boolean; candidates: number; timings: { encodeMs: number; decodeMs: number; totalMs: number } }> {
    const started = performance.now();
    const model = await this.registry.get(req.model);
    const { embedding, hit, encodeMs } = await this.embed(model, req.image, req.priority);
    const grid = gridPrompts(req.image.width, req.image.height, req.options.pointsPerSide);
    const decodeStarted = performance.now();
    const all: MaskCandidate[] = [];
    // Masks that pass the filters so far: later grid points inside one are skipped (skipCovered).
    const covering: BinaryMask[] = [];
    const covered = (p: ObjectPrompt) => {
      const { x, y } = p.points[0];
      return covering.some((m) => m.data[Math.min(m.height - 1, Math.floor(y)) * m.width + Math.min(m.width - 1, Math.floor(x))] === 1);
    };
    for (let i = 0; i < grid.length; ) {
      const batch: ObjectPrompt[] = [];
      for (; i < grid.length && batch.length < req.options.pointsPerBatch; i++) if (!req.options.skipCovered || !covered(grid[i])) batch.push(grid[i]);
      if (!batch.length) break;
      const out = await segmenter(model).decode(model, embedding, batch, { multimask: true, threshold: 0 }, this.runner(model, req.priority ?? PRIORITY_BACKGROUND));
      for (const c of out) all.push(...c);
      if (req.options.skipCovered) {
        for (const k of filterCandidates(out.flat(), (c) => maskBbox(c.mask), (c) => maskArea(c.mask), { ...req.options, boxNmsThreshold: 1 })) covering.push(k.candidate.mask);
      }
    }
    const kept = filterCandidates(all, (c) => maskBbox(c.mask), (c) => maskArea(c.mask), req.options);
    const decodeMs = performance.now() - decodeStarted;
    return {
      masks: kept.map((k) => describeMask(k.candidate, req.polygons)),
      cacheHit: hit,
      candidates: all.length,
      timings: { encodeMs, decodeMs, totalMs: performance.now() - started },
    };
  }

  async dispose(): Promise<void> {
    await this.queues.drain();
    this.cache.clear();
    await this.registry.dispose();
    await this.sessions.dispose();
  }
}

interface BackgroundEncoding {
  /** Its encoder has the device: a click waits for it rather than encode again. */
  running: boolean;
  /** A click came first and encodes: this one gives way when it would get the device. */
  superseded: boolean;
  embedding: Promise<Embedding>;
}

/** A background encoding that gave way to a click's own. */
class Superseded extends Error {}

/** An image's embedding for a model is known by both, and by the model's version. */
function cacheKey(model: LoadedModel, image: ImageSource): string {
  return `${model.name}@${model.manifest.version}:${image.key}`;
}
