// Figure 1: image segmentation on a model (the benchmark model bench-sam2, and the demo model), a
// 640x480 picture of flat-coloured shapes with one to three objects (one click each), measured at
// three depths, interleaved round by round:
//   (a) the model alone: the loaded ONNX Runtime sessions run directly on pre-made tensors;
//   (b) the engine call, app.engine.segment(...), with the embedding cache cleared and warm;
//   (c) the segmentImage mutation over HTTP (mediaId of an uploaded image), cleared and warm.
import { ortSessionOptions } from '../src/engine/device.js';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ImageSource, ObjectPrompt } from '../src/engine/image-source.js';
import { packBatch, promptPoints } from '../src/engine/families/prompt-tensors.js';
import { lowResSize } from '../src/engine/families/decoder-output.js';
import { preprocess, resizeGeometry } from '../src/engine/preprocess.js';
import { decodeRgb } from '../src/engine/encoder-input.js';
import { drawRgb, PICTURE, PICTURE_CLICKS, PICTURE_SHAPES, pngOf } from './lib/media.js';
import { createProject, gql, upload, type BenchServer } from './lib/server.js';
import { budgetedRounds, figure, pairedDiff, pairedRatio, rotated, type Figure } from './lib/stats.js';

export interface ImageOptions {
  model: string;
  /** Objects per request, one click each (1 to 3). */
  objects: number;
  /** Rounds at most... */
  rounds: number;
  /** ...but no new round past this many seconds of measuring, once MIN_ROUNDS are done. */
  budgetSec?: number;
  warmup: number;
  /** intraOpNumThreads of the raw sessions (the server's ENGINE_THREADS); ORT's default when 0 or absent. */
  threads?: number;
}

const MIN_ROUNDS = 5;
/** Cached calls per round and depth, each paired with a raw decoder run next to it. */
const CACHED_PAIRS = 3;

export interface ImageResult {
  model: string;
  image: string;
  objects: number;
  rounds: number;
  /** Cached calls per round and depth, each paired with a raw decoder run. */
  cachedPairs: number;
  figures: Record<string, Figure>;
  /** Server-side timings reported in the GraphQL answers (engine's view inside the request). */
  serverTimings: Record<string, Figure>;
}

const SEGMENT = `mutation($input: SegmentImageInput!) {
  segmentImage(input: $input) {
    width height cacheHit
    timings { encodeMs decodeMs postprocessMs totalMs }
    objects { index mask { rle { size counts } bbox area score } }
  }
}`;

export async function runImageBench(server: BenchServer, opts: ImageOptions): Promise<ImageResult> {
  const { app, url } = server;
  const { width, height } = PICTURE;
  const png = await pngOf(drawRgb(width, height, PICTURE_SHAPES), width, height);
  const projectId = await createProject(url, `bench-image-${opts.model}`);
  const media = await upload(url, projectId, 'shapes.png', png);

  const model = await app.engine.model(opts.model);
  // "The model alone": its graphs in plain onnxruntime-node sessions of this thread, with the
  // server's options, not the engine's (whose sessions run in a worker thread).
  const sessionOptions = ortSessionOptions(opts.threads ?? 0);
  const files = model.manifest.files;
  const raw = {
    encoder: await ort.InferenceSession.create(path.join(model.dir, files.encoder!), sessionOptions),
    decoder: await ort.InferenceSession.create(path.join(model.dir, files.decoder!), sessionOptions),
    // The model's preprocessing graph (resize + normalise), when it has one: part of the model.
    pre: files.preprocess ? await ort.InferenceSession.create(path.join(model.dir, files.preprocess), sessionOptions) : undefined,
  };
  const pre = model.manifest.preprocessing;
  const size = pre.inputSize;
  const rgb = await decodeRgb({ kind: 'encoded', bytes: png });
  const resized = resizeGeometry(pre, width, height);
  const preFeeds = () => ({
    image_rgb: new ort.Tensor('uint8', rgb.data, [rgb.height, rgb.width, 3]),
    resized_size: new ort.Tensor('int64', BigInt64Array.from([BigInt(resized.resizedHeight), BigInt(resized.resizedWidth)]), [2]),
  });
  const clicks = PICTURE_CLICKS.slice(0, opts.objects);
  const prompts: ObjectPrompt[] = clicks.map((c) => ({ points: [{ x: c.x * width, y: c.y * height, positive: true }] }));

  // (a) Pre-made tensors: the preprocessed picture, and the decoder's inputs for the three clicks.
  const input = raw.pre ? ((await raw.pre.run(preFeeds())).image!.data as Float32Array) : await preprocess({ kind: 'encoded', bytes: png }, pre, width, height);
  const encoderFeeds = { image: new ort.Tensor('float32', input, [1, 3, size, size]) };
  const features = await raw.encoder.run(encoderFeeds);
  const geom = resizeGeometry(pre, width, height);
  const [lh, lw] = lowResSize(model.manifest);
  const decoderFeeds: Record<string, ort.Tensor>[] = [];
  if (model.family.name === 'sam2') {
    const b = packBatch(prompts.map((p) => promptPoints(p, geom, width, height, false)));
    decoderFeeds.push({
      image_embed: features.image_embed as ort.Tensor,
      high_res_feats_0: features.high_res_feats_0 as ort.Tensor,
      high_res_feats_1: features.high_res_feats_1 as ort.Tensor,
      point_coords: new ort.Tensor('float32', b.coords, [b.n, b.p, 2]),
      point_labels: new ort.Tensor('float32', b.labels, [b.n, b.p]),
      mask_input: new ort.Tensor('float32', new Float32Array(b.n * lh * lw), [b.n, 1, lh, lw]),
      has_mask_input: new ort.Tensor('float32', new Float32Array(b.n), [b.n]),
    });
  } else {
    // The official SAM decoder export takes one object per call.
    for (const p of prompts) {
      const b = packBatch([promptPoints(p, geom, width, height, true)]);
      decoderFeeds.push({
        image_embeddings: features.image_embeddings as ort.Tensor,
        point_coords: new ort.Tensor('float32', b.coords, [1, b.p, 2]),
        point_labels: new ort.Tensor('float32', b.labels, [1, b.p]),
        mask_input: new ort.Tensor('float32', new Float32Array(lh * lw), [1, 1, lh, lw]),
        has_mask_input: new ort.Tensor('float32', new Float32Array(1), [1]),
        orig_im_size: new ort.Tensor('float32', new Float32Array([height, width]), [2]),
      });
    }
  }

  // (b) The engine's image source for the same PNG bytes (as MediaService.imageSource serves them).
  const image: ImageSource = { key: 'bench:shapes.png', width, height, pixels: async () => ({ kind: 'encoded', bytes: png }) };
  const segment = () => app.engine.segment({ model: opts.model, image, objects: prompts, multimask: false, threshold: 0, polygons: false });
  const variables = {
    input: { mediaId: media.id, model: opts.model, objects: clicks.map((c) => ({ points: [{ x: c.x, y: c.y }] })) },
  };

  const s: Record<string, number[]> = {
    preprocess: [], encoder: [], decoder: [], decoderAgain: [], model: [], decodeFile: [], preGraph: [], cpuDecodeFile: [], cpuPreGraph: [], cpuPreprocess: [],
    enginePairDecoder: [], enginePairDecoderCpu: [], gqlPairDecoder: [], gqlPairDecoderCpu: [],
    engineUncached: [], engineCached: [], gqlUncached: [], gqlCached: [],
    cpuEncoder: [], cpuDecoder: [], cpuModel: [], cpuEngineUncached: [], cpuEngineCached: [], cpuGqlUncached: [], cpuGqlCached: [],
    srvUncachedTotal: [], srvUncachedEncode: [], srvUncachedDecode: [], srvUncachedPost: [], srvCachedTotal: [], srvCachedPost: [],
  };
  /** Wall-clock ms and CPU ms of this process (user + system, every thread) of one call. */
  const measure = async <T>(fn: () => Promise<T>): Promise<{ ms: number; cpu: number; value: T }> => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const value = await fn();
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    return { ms, cpu: (c.user + c.system) / 1000, value };
  };
  const decode = () =>
    measure(async () => {
      for (const feeds of decoderFeeds) await raw.decoder.run(feeds);
    });
  /**
   * The cached figures against the decoder alone, measured side by side: CACHED_PAIRS times, the
   * cached call and a raw decoder run next to each other (the order alternating), paired.
   */
  const cachedPairs = async <T>(call: () => Promise<T>, record: boolean, key: 'engine' | 'gql'): Promise<T> => {
    let last: T | undefined;
    for (let k = 0; k < CACHED_PAIRS; k++) {
      let c: Awaited<ReturnType<typeof measure<T>>>;
      let d: Awaited<ReturnType<typeof decode>>;
      if (k % 2 === 0) {
        c = await measure(call);
        d = await decode();
      } else {
        d = await decode();
        c = await measure(call);
      }
      last = c.value;
      if (record) {
        s[`${key}Cached`]!.push(c.ms);
        s[`cpu${key === 'gql' ? 'Gql' : 'Engine'}Cached`]!.push(c.cpu);
        s[`${key}PairDecoder`]!.push(d.ms);
        s[`${key}PairDecoderCpu`]!.push(d.cpu);
      }
    }
    return last!;
  };
  const blocks: Record<string, (record: boolean) => Promise<void>> = {
    model: async (record) => {
      const p = await measure(() => preprocess({ kind: 'encoded', bytes: png }, pre, width, height));
      // Decoding the file alone (what the server must do before the model), then the model from
      // the decoded pixels: its preprocessing graph, the encoder on that graph's output, the decoder.
      const f = await measure(() => decodeRgb({ kind: 'encoded', bytes: png }));
      const g = raw.pre ? await measure(async () => raw.encoder.run({ image: (await raw.pre!.run(preFeeds())).image! })) : undefined;
      const e = await measure(() => raw.encoder.run(encoderFeeds));
      // The decoder right after the encoder (as in an uncached request), then again (as in a
      // cached request, which follows the previous one's decoder run): caches warm differently.
      const d = await decode();
      const d2 = await decode();
      if (record) {
        s.preprocess!.push(p.ms);
        s.cpuPreprocess!.push(p.cpu);
        s.decodeFile!.push(f.ms);
        s.cpuDecodeFile!.push(f.cpu);
        // The preprocessing graph's share: (graph + encoder) less the encoder alone.
        s.preGraph!.push(g ? g.ms - e.ms : 0);
        s.cpuPreGraph!.push(g ? g.cpu - e.cpu : 0);
        s.encoder!.push(e.ms);
        s.decoder!.push(d.ms);
        s.decoderAgain!.push(d2.ms);
        s.model!.push((g?.ms ?? e.ms) + d.ms);
        s.cpuEncoder!.push(e.cpu);
        s.cpuDecoder!.push(d2.cpu);
        s.cpuModel!.push((g?.cpu ?? e.cpu) + d.cpu);
      }
    },
    engine: async (record) => {
      app.engine.cache.clear();
      const cold = await measure(segment);
      const warm = await cachedPairs(segment, record, 'engine');
      if (cold.value.cacheHit || !warm.cacheHit) throw new Error('engine: unexpected cache state');
      if (record) {
        s.engineUncached!.push(cold.ms);
        s.cpuEngineUncached!.push(cold.cpu);
      }
    },
    graphql: async (record) => {
      app.engine.cache.clear();
      const u = await measure(async () => (await gql(url, SEGMENT, variables)).segmentImage);
      const warm = await cachedPairs(async () => (await gql(url, SEGMENT, variables)).segmentImage, record, 'gql');
      const cold = u.value;
      if (cold.cacheHit || !warm.cacheHit) throw new Error('graphql: unexpected cache state');
      if (cold.objects.length !== prompts.length || cold.objects.some((o: any) => !(o.mask.area > 0))) throw new Error('graphql: an object came back empty');
      if (record) {
        s.gqlUncached!.push(u.ms);
        s.cpuGqlUncached!.push(u.cpu);
        s.srvUncachedTotal!.push(cold.timings.totalMs);
        s.srvUncachedEncode!.push(cold.timings.encodeMs);
        s.srvUncachedDecode!.push(cold.timings.decodeMs);
        s.srvUncachedPost!.push(cold.timings.postprocessMs);
        s.srvCachedTotal!.push(warm.timings.totalMs);
        s.srvCachedPost!.push(warm.timings.postprocessMs);
      }
    },
  };
  const order = Object.keys(blocks);
  for (let w = 0; w < opts.warmup; w++) for (const k of rotated(order, w)) await blocks[k]!(false);
  const rounds = await budgetedRounds({ max: opts.rounds, min: MIN_ROUNDS, budgetSec: opts.budgetSec }, async (r) => {
    for (const k of rotated(order, opts.warmup + r)) await blocks[k]!(true);
  });

  const ms = (k: string) => figure(s[k]!, 'ms');
  await raw.encoder.release();
  await raw.decoder.release();
  await raw.pre?.release();
  return {
    model: opts.model,
    image: `${width}x${height} PNG, ${PICTURE_SHAPES.length} flat shapes`,
    objects: prompts.length,
    rounds,
    cachedPairs: CACHED_PAIRS,
    figures: {
      preprocessMs: ms('preprocess'),
      encoderMs: ms('encoder'),
      decoderMs: ms('decoder'),
      decoderAgainMs: ms('decoderAgain'),
      modelMs: ms('model'),
      engineUncachedMs: ms('engineUncached'),
      engineCachedMs: ms('engineCached'),
      graphqlUncachedMs: ms('gqlUncached'),
      graphqlCachedMs: ms('gqlCached'),
      overheadUncached: pairedRatio(s.gqlUncached!, s.model!),
      decodeFileMs: ms('decodeFile'),
      preprocessGraphMs: ms('preGraph'),
      cpuDecodeFileMs: ms('cpuDecodeFile'),
      cpuPreprocessGraphMs: ms('cpuPreGraph'),
      cpuPreprocessMs: ms('cpuPreprocess'),
      // Issue 16: against the model (its preprocessing graph included) + decoding the file alone.
      overheadUncachedVsDecodeModel: pairedRatio(s.gqlUncached!, s.model!.map((m, k) => m + s.decodeFile![k]!)),
      addedMsUncachedVsDecodeModel: pairedDiff(s.gqlUncached!, s.model!.map((m, k) => m + s.decodeFile![k]!)),
      engineOverheadUncachedVsDecodeModel: pairedRatio(s.engineUncached!, s.model!.map((m, k) => m + s.decodeFile![k]!)),
      cpuOverheadUncachedVsDecodeModel: pairedRatio(s.cpuGqlUncached!, s.cpuModel!.map((m, k) => m + s.cpuDecodeFile![k]!)),
      addedMsUncached: pairedDiff(s.gqlUncached!, s.model!),
      addedMsUncachedBeyondPreprocess: pairedDiff(s.gqlUncached!, s.model!.map((m, k) => m + s.preprocess![k]!)),
      overheadCached: pairedRatio(s.gqlCached!, s.gqlPairDecoder!),
      addedMsCached: pairedDiff(s.gqlCached!, s.gqlPairDecoder!),
      engineAddedMsCached: pairedDiff(s.engineCached!, s.enginePairDecoder!),
      engineOverheadUncached: pairedRatio(s.engineUncached!, s.model!),
      cacheSpeedupGraphql: pairedRatio(s.gqlUncached!, s.gqlCached!.filter((_, k) => k % CACHED_PAIRS === 0)),
      cacheSpeedupEngine: pairedRatio(s.engineUncached!, s.engineCached!.filter((_, k) => k % CACHED_PAIRS === 0)),
      pairDecoderMs: figure([...s.gqlPairDecoder!, ...s.enginePairDecoder!], 'ms'),
      cpuModelMs: ms('cpuModel'),
      cpuDecoderMs: ms('cpuDecoder'),
      cpuGraphqlUncachedMs: ms('cpuGqlUncached'),
      cpuGraphqlCachedMs: ms('cpuGqlCached'),
      cpuOverheadUncached: pairedRatio(s.cpuGqlUncached!, s.cpuModel!),
      cpuAddedMsUncached: pairedDiff(s.cpuGqlUncached!, s.cpuModel!),
      cpuAddedMsCached: pairedDiff(s.cpuGqlCached!, s.gqlPairDecoderCpu!),
      cpuEngineAddedMsCached: pairedDiff(s.cpuEngineCached!, s.enginePairDecoderCpu!),
    },
    serverTimings: {
      uncachedTotalMs: ms('srvUncachedTotal'),
      uncachedEncodeMs: ms('srvUncachedEncode'),
      uncachedDecodeMs: ms('srvUncachedDecode'),
      uncachedPostprocessMs: ms('srvUncachedPost'),
      cachedTotalMs: ms('srvCachedTotal'),
      cachedPostprocessMs: ms('srvCachedPost'),
    },
  };
}
