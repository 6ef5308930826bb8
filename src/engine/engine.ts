// The engine: models, device queues, the embedding cache, and image segmentation. It knows
// nothing of GraphQL or the database; its inputs are images and prompts in pixels.
import type * as ort from 'onnxruntime-node';
import { SessionFactory, type DeviceLog, type DeviceRequest } from './device.js';
import { DeviceQueues, PRIORITY_INTERACTIVE } from './device-queue.js';
import { EmbeddingCache } from './embedding-cache.js';
import { EngineError } from './engine-error.js';
import { selectCandidates, type Embedding, type MaskCandidate, type Runner } from './families/family.js';
import type { ImageSource, ObjectPrompt } from './image-source.js';
import { encodeRle, type CocoRle } from './masks/coco-rle.js';
import { maskArea, maskBbox } from './masks/mask-stats.js';
import { maskToPolygons } from './masks/polygons.js';
import { ModelRegistry, type LoadedModel, type ModelStatus } from './model-registry.js';
import { preprocess, resizeGeometry } from './preprocess.js';

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

export interface SegmentRequest {
  model: string;
  image: ImageSource;
  objects: ObjectPrompt[];
  multimask: boolean;
  threshold: number;
  polygons: boolean;
  priority?: number;
}

export interface SegmentedMask {
  rle: CocoRle;
  bbox: [number, number, number, number];
  area: number;
  score: number;
  polygons?: number[][];
  lowRes: Float32Array;
}

export interface SegmentResult {
  model: string;
  width: number;
  height: number;
  objects: SegmentedMask[][];
  cacheHit: boolean;
  timings: { encodeMs: number; decodeMs: number; postprocessMs: number; totalMs: number };
}

export class Engine {
  /** Encoder runs since start: lets tests and metrics see the cache at work. */
  encoderRuns = 0;

  private constructor(
    readonly registry: ModelRegistry,
    readonly queues: DeviceQueues,
    readonly cache: EmbeddingCache,
    readonly sessions: SessionFactory,
  ) {}

  static async create(opts: EngineOptions): Promise<Engine> {
    const sessions = new SessionFactory({ request: opts.device, threads: opts.threads, log: opts.log, create: opts.createSession });
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

  /** A Runner that sends ORT calls through the model's device queue. */
  runner(model: LoadedModel, priority = PRIORITY_INTERACTIVE): Runner {
    return (session, feeds) =>
      this.queues.run(model.device, async () => {
        try {
          return await session.run(feeds);
        } catch (err) {
          throw new EngineError('INFERENCE_FAILED', `Model "${model.name}" failed to run: ${(err as Error).message.split('\n')[0]}`);
        }
      }, priority);
  }

  /** The image's embedding for a model, from the cache or one encoder run. */
  async embed(model: LoadedModel, image: ImageSource, priority = PRIORITY_INTERACTIVE): Promise<{ embedding: Embedding; hit: boolean; encodeMs: number }> {
    const started = performance.now();
    const key = `${model.name}@${model.manifest.version}:${image.key}`;
    const { embedding, hit } = await this.cache.get(key, async () => {
      const pre = model.manifest.preprocessing;
      const input = await preprocess(await image.pixels(), pre, image.width, image.height);
      this.encoderRuns++;
      const tensors = await model.family.encode(model, input, this.runner(model, priority));
      return {
        tensors,
        bytes: Object.values(tensors).reduce((n, t: ort.Tensor) => n + (t.data as Float32Array).byteLength, 0),
        width: image.width,
        height: image.height,
        geometry: resizeGeometry(pre, image.width, image.height),
      };
    });
    return { embedding, hit, encodeMs: hit ? 0 : performance.now() - started };
  }

  async segment(req: SegmentRequest): Promise<SegmentResult> {
    const started = performance.now();
    const model = await this.registry.get(req.model);
    checkCapabilities(model, req);
    const { embedding, hit, encodeMs } = await this.embed(model, req.image, req.priority);
    const decodeStarted = performance.now();
    const candidates = await model.family.decode(model, embedding, req.objects, { multimask: req.multimask, threshold: req.threshold }, this.runner(model, req.priority));
    const decodeMs = performance.now() - decodeStarted;
    const postStarted = performance.now();
    const objects = candidates.map((c) => selectCandidates(c, req.multimask).map((m) => describeMask(m, req.polygons)));
    const now = performance.now();
    return {
      model: model.name,
      width: req.image.width,
      height: req.image.height,
      objects,
      cacheHit: hit,
      timings: { encodeMs, decodeMs, postprocessMs: now - postStarted, totalMs: now - started },
    };
  }

  async dispose(): Promise<void> {
    await this.queues.drain();
    this.cache.clear();
    await this.registry.dispose();
  }
}

export function describeMask(m: MaskCandidate, polygons: boolean): SegmentedMask {
  return {
    rle: encodeRle(m.mask),
    bbox: maskBbox(m.mask),
    area: maskArea(m.mask),
    score: m.score,
    polygons: polygons ? maskToPolygons(m.mask) : undefined,
    lowRes: m.lowRes,
  };
}

function checkCapabilities(model: LoadedModel, req: SegmentRequest): void {
  const caps = model.manifest.capabilities;
  if (!caps.box && req.objects.some((o) => o.box)) throw new EngineError('UNSUPPORTED', `Model "${model.name}" does not accept box prompts`);
  if (!caps.points && req.objects.some((o) => o.points.length)) throw new EngineError('UNSUPPORTED', `Model "${model.name}" does not accept point prompts`);
  if (req.multimask && !caps.multimask) throw new EngineError('UNSUPPORTED', `Model "${model.name}" does not return several masks per object`);
}
