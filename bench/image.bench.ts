// Figure 1: image segmentation on the demo model, a 640x480 picture of flat-coloured shapes with
// three objects (one click each), measured at three depths, interleaved round by round:
//   (a) the model alone: the loaded ONNX Runtime sessions run directly on pre-made tensors;
//   (b) the engine call, app.engine.segment(...), with the embedding cache cleared and warm;
//   (c) the segmentImage mutation over HTTP (mediaId of an uploaded image), cleared and warm.
import * as ort from 'onnxruntime-node';
import type { ImageSource, ObjectPrompt } from '../src/engine/image-source.js';
import { packBatch, promptPoints } from '../src/engine/families/prompt-tensors.js';
import { lowResSize } from '../src/engine/families/decoder-output.js';
import { preprocess, resizeGeometry } from '../src/engine/preprocess.js';
import { drawRgb, PICTURE, PICTURE_CLICKS, PICTURE_SHAPES, pngOf } from './lib/media.js';
import { createProject, gql, upload, type BenchServer } from './lib/server.js';
import { figure, pairedDiff, pairedRatio, rotated, type Figure } from './lib/stats.js';

export interface ImageOptions {
  model: string;
  rounds: number;
  warmup: number;
}

export interface ImageResult {
  model: string;
  image: string;
  objects: number;
  rounds: number;
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
  const projectId = await createProject(url, 'bench-image');
  const media = await upload(url, projectId, 'shapes.png', png);

  const model = await app.engine.model(opts.model);
  const pre = model.manifest.preprocessing;
  const size = pre.inputSize;
  const prompts: ObjectPrompt[] = PICTURE_CLICKS.map((c) => ({ points: [{ x: c.x * width, y: c.y * height, positive: true }] }));

  // (a) Pre-made tensors: the preprocessed picture, and the decoder's inputs for the three clicks.
  const input = await preprocess({ kind: 'encoded', bytes: png }, pre, width, height);
  const encoderFeeds = { image: new ort.Tensor('float32', input, [1, 3, size, size]) };
  const features = await model.sessions.encoder!.run(encoderFeeds);
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
    input: { mediaId: media.id, model: opts.model, objects: PICTURE_CLICKS.map((c) => ({ points: [{ x: c.x, y: c.y }] })) },
  };

  const s: Record<string, number[]> = {
    preprocess: [], encoder: [], decoder: [], model: [],
    engineUncached: [], engineCached: [], gqlUncached: [], gqlCached: [],
    srvUncachedTotal: [], srvUncachedEncode: [], srvUncachedDecode: [], srvUncachedPost: [], srvCachedTotal: [], srvCachedPost: [],
  };
  const blocks: Record<string, (record: boolean) => Promise<void>> = {
    model: async (record) => {
      let t = performance.now();
      await preprocess({ kind: 'encoded', bytes: png }, pre, width, height);
      const p = performance.now() - t;
      t = performance.now();
      await model.sessions.encoder!.run(encoderFeeds);
      const e = performance.now() - t;
      t = performance.now();
      for (const feeds of decoderFeeds) await model.sessions.decoder!.run(feeds);
      const d = performance.now() - t;
      if (record) {
        s.preprocess!.push(p);
        s.encoder!.push(e);
        s.decoder!.push(d);
        s.model!.push(e + d);
      }
    },
    engine: async (record) => {
      app.engine.cache.clear();
      let t = performance.now();
      const cold = await segment();
      const u = performance.now() - t;
      t = performance.now();
      const warm = await segment();
      const c = performance.now() - t;
      if (cold.cacheHit || !warm.cacheHit) throw new Error('engine: unexpected cache state');
      if (record) {
        s.engineUncached!.push(u);
        s.engineCached!.push(c);
      }
    },
    graphql: async (record) => {
      app.engine.cache.clear();
      let t = performance.now();
      const cold = (await gql(url, SEGMENT, variables)).segmentImage;
      const u = performance.now() - t;
      t = performance.now();
      const warm = (await gql(url, SEGMENT, variables)).segmentImage;
      const c = performance.now() - t;
      if (cold.cacheHit || !warm.cacheHit) throw new Error('graphql: unexpected cache state');
      if (cold.objects.length !== prompts.length || cold.objects.some((o: any) => !(o.mask.area > 0))) throw new Error('graphql: an object came back empty');
      if (record) {
        s.gqlUncached!.push(u);
        s.gqlCached!.push(c);
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
  for (let r = 0; r < opts.warmup + opts.rounds; r++) {
    for (const k of rotated(order, r)) await blocks[k]!(r >= opts.warmup);
  }

  const ms = (k: string) => figure(s[k]!, 'ms');
  return {
    model: opts.model,
    image: `${width}x${height} PNG, ${PICTURE_SHAPES.length} flat shapes`,
    objects: prompts.length,
    rounds: opts.rounds,
    figures: {
      preprocessMs: ms('preprocess'),
      encoderMs: ms('encoder'),
      decoderMs: ms('decoder'),
      modelMs: ms('model'),
      engineUncachedMs: ms('engineUncached'),
      engineCachedMs: ms('engineCached'),
      graphqlUncachedMs: ms('gqlUncached'),
      graphqlCachedMs: ms('gqlCached'),
      overheadUncached: pairedRatio(s.gqlUncached!, s.model!),
      addedMsUncached: pairedDiff(s.gqlUncached!, s.model!),
      overheadCached: pairedRatio(s.gqlCached!, s.decoder!),
      addedMsCached: pairedDiff(s.gqlCached!, s.decoder!),
      engineOverheadUncached: pairedRatio(s.engineUncached!, s.model!),
      cacheSpeedupGraphql: pairedRatio(s.gqlUncached!, s.gqlCached!),
      cacheSpeedupEngine: pairedRatio(s.engineUncached!, s.engineCached!),
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
