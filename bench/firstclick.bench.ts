// Issue 16: the first click on a freshly stored image, with background encoding on and off
// (PREENCODE_IMAGES). Two servers in this process on the same models, DEFAULT_MODEL the model
// measured, one with the setting on and one off. Each round, on each server (order rotated): a
// picture never seen before (one pixel differs, so its content key is new) goes in through
// POST /upload; on the server with the setting on, the click waits until the background encoding
// has finished (a person looks at the picture before clicking), and how long that took after the
// upload answered is the window in which a click would still encode; then the first segmentImage
// is timed. A third variant clicks at once on the server with the setting on (a click in that
// window: it must cost no more than with the setting off). Ratios are per round (paired).
import { figureTable } from './lib/markdown.js';
import { drawRgb, PICTURE, PICTURE_CLICKS, PICTURE_SHAPES, pngOf } from './lib/media.js';
import { createProject, gql, startBenchServer, upload, type BenchServer } from './lib/server.js';
import { budgetedRounds, figure, pairedDiff, pairedRatio, rotated, sleep, type Figure } from './lib/stats.js';

export interface FirstClickResult {
  model: string;
  rounds: number;
  figures: Record<string, Figure>;
}

const CLICK = `mutation($input: SegmentImageInput!) {
  segmentImage(input: $input) { cacheHit timings { encodeMs decodeMs totalMs } objects { mask { area } } }
}`;

export async function runFirstClickBench(opts: { modelsDir: string; model: string; rounds: number; budgetSec: number; warmup: number }): Promise<FirstClickResult> {
  const servers: Record<'on' | 'off', BenchServer> = {
    on: await startBenchServer({ modelsDir: opts.modelsDir, env: { PREENCODE_IMAGES: 'true', DEFAULT_MODEL: opts.model, PRELOAD_MODELS: opts.model } }),
    off: await startBenchServer({ modelsDir: opts.modelsDir, env: { PREENCODE_IMAGES: 'false', DEFAULT_MODEL: opts.model, PRELOAD_MODELS: opts.model } }),
  };
  try {
    const { width, height } = PICTURE;
    const base = drawRgb(width, height, PICTURE_SHAPES);
    let pictures = 0;
    /** The picture with one background pixel of the top row changed: new bytes, same shapes. */
    const freshPng = () => {
      const rgb = Buffer.from(base);
      const n = pictures++;
      rgb[(n % width) * 3] = 255 - (n >> 9);
      rgb[(n % width) * 3 + 1] = (n * 7) & 255;
      return pngOf(rgb, width, height);
    };
    const projects = { on: await createProject(servers.on.url, 'bench-first-click'), off: await createProject(servers.off.url, 'bench-first-click') };
    const s: Record<string, number[]> = { onClickMs: [], offClickMs: [], onAtOnceClickMs: [], onUploadMs: [], offUploadMs: [], readyMs: [] };
    const firstClick = async (variant: 'on' | 'off' | 'onAtOnce', record: boolean) => {
      const which = variant === 'off' ? 'off' : 'on';
      const srv = servers[which];
      const png = await freshPng();
      const pre = srv.app.services.preencoder;
      const settled = () => (pre ? pre.counts.encoded + pre.counts.skipped + pre.counts.failed + pre.counts.dropped : 0);
      const before = settled();
      const t0 = performance.now();
      const media = await upload(srv.url, projects[which], 'shapes.png', png);
      const uploaded = performance.now();
      const settle = async () => {
        while (pre && settled() === before) await sleep(2);
        if (pre && pre.counts.failed) throw new Error('first click: a background encoding failed');
      };
      if (variant === 'on') await settle();
      const ready = performance.now();
      const t1 = performance.now();
      const r = (await gql(srv.url, CLICK, { input: { mediaId: media.id, objects: [{ points: [PICTURE_CLICKS[0]] }] } })).segmentImage;
      const ms = performance.now() - t1;
      if (variant !== 'onAtOnce' && r.cacheHit !== (variant === 'on')) throw new Error(`first click: cacheHit ${r.cacheHit} with background encoding ${which}`);
      // Nothing left running into the next variant.
      if (variant === 'onAtOnce') await settle();
      if (!record) return;
      s[`${variant}ClickMs`]!.push(ms);
      if (variant === 'onAtOnce') return;
      s[`${which}UploadMs`]!.push(uploaded - t0);
      if (which === 'on') s.readyMs!.push(ready - uploaded);
    };
    const order = ['on', 'off', 'onAtOnce'] as const;
    for (let w = 0; w < opts.warmup; w++) for (const k of rotated(order, w)) await firstClick(k, false);
    const rounds = await budgetedRounds({ max: opts.rounds, min: 3, budgetSec: opts.budgetSec }, async (r) => {
      for (const k of rotated(order, opts.warmup + r)) await firstClick(k, true);
    });
    const ms = (k: string) => figure(s[k]!, 'ms');
    return {
      model: opts.model,
      rounds,
      figures: {
        onClickMs: ms('onClickMs'),
        offClickMs: ms('offClickMs'),
        speedup: pairedRatio(s.offClickMs!, s.onClickMs!),
        savedMs: pairedDiff(s.offClickMs!, s.onClickMs!),
        onAtOnceClickMs: ms('onAtOnceClickMs'),
        atOnceVsOff: pairedRatio(s.onAtOnceClickMs!, s.offClickMs!),
        readyMs: ms('readyMs'),
        onUploadMs: ms('onUploadMs'),
        offUploadMs: ms('offUploadMs'),
        uploadRatio: pairedRatio(s.onUploadMs!, s.offUploadMs!),
      },
    };
  } finally {
    await servers.on.stop();
    await servers.off.stop();
  }
}

/** The section of latest.md. */
export function firstClickSection(r: FirstClickResult | undefined): string[] {
  if (!r) return [];
  const f = r.figures;
  const out = [`## Issue 16: first click on a stored image, background encoding on and off (\`${r.model}\`, ${r.rounds} rounds)`, ''];
  // Its verdict row is in the issue 16 targets table (report-targets.ts).
  out.push(
    ...figureTable([
      ['first click, on', f.onClickMs, 'segmentImage over HTTP after the background encoding finished: a cache hit'],
      ['first click, off', f.offClickMs, 'segmentImage over HTTP right after the upload: encoder + decoder'],
      ['off / on', f.speedup, 'per round'],
      ['off − on', f.savedMs, 'per round'],
      ['first click at once, on', f.onAtOnceClickMs, 'segmentImage right after the upload, the background encoding under way: joined, or it gives way'],
      ['at once on / off', f.atOnceVsOff, 'per round: a click in that window costs what it costs with the setting off'],
      ['ready after the upload, on', f.readyMs, "from the upload's answer until the embedding is cached (a click sooner still encodes)"],
      ['POST /upload, on', f.onUploadMs],
      ['POST /upload, off', f.offUploadMs],
      ['upload on / off', f.uploadRatio, 'per round: the upload does not wait for the encoding'],
    ]),
  );
  out.push('');
  return out;
}
