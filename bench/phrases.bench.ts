// Issue 16: many phrases in one call against one call per phrase. The `segmentPhrases` mutation
// over HTTP on the demo model (its grounding companion boxes the phrases, the mask decoder
// segments every box), the 640x480 shapes picture: 8 phrases in one call, and the same 8 phrases
// in 8 calls one after the other, each variant uncached (the embedding cache cleared before it:
// the first call encodes the image) and cached (the embedding already there). Variants
// interleaved round by round, the order rotated; speed-ups are per round (paired).
import { drawRgb, PICTURE, PICTURE_SHAPES, pngOf } from './lib/media.js';
import { createProject, gql, upload, type BenchServer } from './lib/server.js';
import { budgetedRounds, figure, pairedRatio, rotated, type Figure } from './lib/stats.js';

export const PHRASES = ['red', 'blue', 'green', 'yellow', 'purple', 'square', 'disc', 'orange'];

export interface PhrasesResult {
  model: string;
  phrases: string[];
  rounds: number;
  /** Instances found over the 8 phrases (the same both ways). */
  instances: number;
  figures: Record<string, Figure>;
}

const SEGMENT_PHRASES = `mutation($input: SegmentPhrasesInput!) {
  segmentPhrases(input: $input) {
    cacheHit
    timings { encodeMs detectMs decodeMs totalMs }
    phrases { phrase objects { mask { area } } }
  }
}`;

export async function runPhrasesBench(server: BenchServer, opts: { model: string; rounds: number; budgetSec: number; warmup: number }): Promise<PhrasesResult> {
  const { app, url } = server;
  const { width, height } = PICTURE;
  const png = await pngOf(drawRgb(width, height, PICTURE_SHAPES), width, height);
  const media = await upload(url, await createProject(url, 'bench-phrases'), 'shapes.png', png);
  const call = async (phrases: string[]) => (await gql(url, SEGMENT_PHRASES, { input: { mediaId: media.id, model: opts.model, phrases } })).segmentPhrases;
  const s: Record<string, number[]> = { oneUncached: [], oneCached: [], eachUncached: [], eachCached: [], oneDetect: [], eachDetect: [] };
  let instances = 0;
  const count = (rs: any[]) => rs.reduce((n, r) => n + r.phrases.reduce((m: number, p: any) => m + p.objects.length, 0), 0);
  const variants: Record<string, (record: boolean) => Promise<void>> = {
    one: async (record) => {
      for (const cached of [false, true]) {
        if (!cached) app.engine.cache.clear();
        const t0 = performance.now();
        const r = await call(PHRASES);
        const ms = performance.now() - t0;
        if (r.cacheHit !== cached) throw new Error('phrases: unexpected cache state');
        instances = count([r]);
        if (record) {
          s[cached ? 'oneCached' : 'oneUncached']!.push(ms);
          if (cached) s.oneDetect!.push(r.timings.detectMs);
        }
      }
    },
    each: async (record) => {
      for (const cached of [false, true]) {
        if (!cached) app.engine.cache.clear();
        const t0 = performance.now();
        const rs = [];
        for (const p of PHRASES) rs.push(await call([p]));
        const ms = performance.now() - t0;
        if (rs[0].cacheHit !== cached) throw new Error('phrases: unexpected cache state');
        if (count(rs) !== instances && instances > 0) throw new Error(`phrases: ${count(rs)} instances one call each, ${instances} in one call`);
        if (record) {
          s[cached ? 'eachCached' : 'eachUncached']!.push(ms);
          if (cached) s.eachDetect!.push(rs.reduce((n, r) => n + r.timings.detectMs, 0));
        }
      }
    },
  };
  const order = Object.keys(variants);
  for (let w = 0; w < opts.warmup; w++) for (const k of rotated(order, w)) await variants[k]!(false);
  const rounds = await budgetedRounds({ max: opts.rounds, min: 3, budgetSec: opts.budgetSec }, async (r) => {
    for (const k of rotated(order, opts.warmup + r)) await variants[k]!(true);
  });
  const ms = (k: string) => figure(s[k]!, 'ms');
  return {
    model: opts.model,
    phrases: PHRASES,
    rounds,
    instances,
    figures: {
      oneCallUncachedMs: ms('oneUncached'),
      eachCallUncachedMs: ms('eachUncached'),
      oneCallCachedMs: ms('oneCached'),
      eachCallCachedMs: ms('eachCached'),
      speedupUncached: pairedRatio(s.eachUncached!, s.oneUncached!),
      speedupCached: pairedRatio(s.eachCached!, s.oneCached!),
      oneCallDetectMs: ms('oneDetect'),
      eachCallDetectMs: ms('eachDetect'),
    },
  };
}
