// The section of latest.md for issue 16's engine targets (perfengine): uncached segmentImage
// against the model + decoding the file, the FLOPs behind the cache ratio, many phrases in one
// call, and the ENGINE_THREADS sweep. Self-contained: other sections are written elsewhere.
import type { FlopsResult } from './flops.bench.js';
import type { ImageResult } from './image.bench.js';
import type { PhrasesResult } from './phrases.bench.js';
import { fmt, fmtFigure, type Figure } from './lib/stats.js';
import type { ThreadsResult } from './threads.bench.js';

export interface EngineReport {
  image?: ImageResult[];
  flops?: FlopsResult;
  phrases?: PhrasesResult;
  threads?: ThreadsResult;
  /** ENGINE_THREADS' default in src/config.ts when the run was made. */
  threadsDefault?: number;
}

const yes = (ok: boolean) => (ok ? 'yes' : '**no**');
const verdict = (f: Figure, ok: (v: number) => boolean) => `${yes(ok(f.median))}${ok(f.min) !== ok(f.max) ? ' (rounds on both sides)' : ''}`;
const gf = (flops: number) => fmt(flops / 1e9);

export function engineSection(r: EngineReport): string[] {
  const out: string[] = [];
  const rows: string[] = [];
  const bench = r.image?.[0];
  const demo = r.image?.[1];
  if (!bench && !r.flops && !r.phrases && !r.threads) return out;
  out.push('## Issue 16, engine: uncached click, cache ratio, phrases, ENGINE_THREADS', '');
  if (bench?.figures.overheadUncachedVsDecodeModel) {
    const f = bench.figures;
    rows.push(`| Uncached \`segmentImage\` ≤ 1.03 × (model alone + decoding the image file alone), \`${bench.model}\` | ${fmtFigure(f.overheadUncachedVsDecodeModel!)} (${fmt(f.addedMsUncachedVsDecodeModel!.median)} ms added; engine alone ${fmt(f.engineOverheadUncachedVsDecodeModel!.median)}×; in CPU time ${fmt(f.cpuOverheadUncachedVsDecodeModel!.median)}×) | ${verdict(f.overheadUncachedVsDecodeModel!, (v) => v <= 1.03)} |`);
  }
  if (demo?.figures.overheadUncachedVsDecodeModel) {
    const f = demo.figures;
    rows.push(`| the same on \`${demo.model}\` (a model of ~no cost: what the server adds) | ${fmtFigure(f.overheadUncachedVsDecodeModel!)} (${fmt(f.addedMsUncachedVsDecodeModel!.median)} ms added) | (no target) |`);
  }
  if (r.flops) {
    const b = r.flops.bench;
    const t = r.flops.sam21Tiny;
    rows.push(`| bench-sam2's decoder no heavier than SAM 2.1 tiny's | ${gf(b.decoder.total)} GFLOPs against ${fmt(t.decoder)} (one object) | ${yes(b.decoder.total / 1e9 <= t.decoder * 1.02)} |`);
  }
  if (bench) {
    rows.push(`| cached vs uncached ≥ 10× (\`${bench.model}\`, GraphQL; engine) | ${fmtFigure(bench.figures.cacheSpeedupGraphql)}; engine ${fmtFigure(bench.figures.cacheSpeedupEngine)} | ${verdict(bench.figures.cacheSpeedupGraphql, (v) => v >= 10)} |`);
  }
  if (bench && r.flops) {
    // Not a measurement: the uncached call with an encoder of SAM 2.1 tiny's FLOPs run at the
    // speed (GFLOP/s) bench-sam2's encoder showed, the cached call unchanged (same decoder).
    const f = bench.figures;
    const scale = r.flops.sam21Tiny.encoder / (r.flops.bench.encoder.total / 1e9);
    const projected = (f.graphqlUncachedMs.median + f.encoderMs.median * (scale - 1)) / f.graphqlCachedMs.median;
    rows.push(`| (projection) cached vs uncached with SAM 2.1 tiny's encoder FLOPs at bench-sam2's encoder speed | ${fmt(projected)}× (uncached ${fmt(f.graphqlUncachedMs.median)} ms + ${fmt(f.encoderMs.median)} ms × ${fmt(scale - 1)}, over cached ${fmt(f.graphqlCachedMs.median)} ms) | (estimate, not measured) |`);
  }
  if (r.phrases) {
    const f = r.phrases.figures;
    rows.push(`| 8 phrases in one call vs 8 calls: speed-up reported (\`${r.phrases.model}\`) | uncached ${fmtFigure(f.speedupUncached!)}, cached ${fmtFigure(f.speedupCached!)} | (reported) |`);
  }
  if (r.threads) {
    rows.push(`| ENGINE_THREADS default chosen by measurement | best here: ${r.threads.best === 0 ? '0 (ORT default)' : r.threads.best}; default in src/config.ts: ${r.threadsDefault ?? 'n/a'} | ${yes(r.threadsDefault === r.threads.best)} |`);
  }
  out.push('| target | measured (median, min–max) | met? |', '| --- | --- | --- |', ...rows, '');

  for (const i of r.image ?? []) {
    const f = i.figures;
    if (!f.decodeFileMs) continue;
    out.push(`### Uncached and cached click, \`${i.model}\` (${i.rounds} rounds; the rest of this figure is under "a, b")`, '');
    out.push('| figure | median | min | max | unit | what |', '| --- | ---: | ---: | ---: | --- | --- |');
    const row = (label: string, x: Figure | undefined, what: string) => x && out.push(`| ${label} | ${fmt(x.median)} | ${fmt(x.min)} | ${fmt(x.max)} | ${x.unit === 'x' ? '×' : x.unit} | ${what} |`);
    row('decoding the file alone', f.decodeFileMs, 'PNG → RGB (sharp, EXIF rotation, no alpha): the server\'s share of the reference');
    row('preprocessing graph', f.preprocessGraphMs, '(graph + encoder) − encoder alone: resize + normalise + pad, in ONNX Runtime');
    row('model alone', f.modelMs, 'preprocessing graph + encoder + decoder, raw sessions on this thread');
    row('TypeScript preprocessing (replaced)', f.preprocessMs, 'what the main thread did before: PNG decode + sharp resize + normalise loop');
    row('encoder run', f.encoderMs, 'raw session.run on the preprocessed picture');
    row('decoder run', f.decoderMs, 'raw session.run, right after the encoder');
    row('GraphQL segmentImage, uncached', f.graphqlUncachedMs, 'HTTP round trip, mediaId of the uploaded PNG');
    row('GraphQL segmentImage, cached', f.graphqlCachedMs, 'the same request again');
    row('cache speed-up, GraphQL', f.cacheSpeedupGraphql, 'per round: uncached / cached');
    row('cache speed-up, engine', f.cacheSpeedupEngine, 'per round');
    row('GraphQL / (model + decode)', f.overheadUncachedVsDecodeModel, 'per round: the target');
    row('GraphQL − (model + decode)', f.addedMsUncachedVsDecodeModel, 'per round');
    row('engine / (model + decode)', f.engineOverheadUncachedVsDecodeModel, 'per round');
    row('CPU: decoding the file', f.cpuDecodeFileMs, '');
    row('CPU: preprocessing graph', f.cpuPreprocessGraphMs, 'every thread of the process');
    row('CPU: TypeScript preprocessing (replaced)', f.cpuPreprocessMs, '');
    row('CPU: GraphQL / (model + decode)', f.cpuOverheadUncachedVsDecodeModel, 'per round');
    out.push('');
  }

  if (r.flops) {
    const b = r.flops.bench;
    const t = r.flops.sam21Tiny;
    const ratio = (e: number, d: number) => fmt((e + d) / d);
    out.push('### FLOPs: bench-sam2 against SAM 2.1 tiny', '');
    out.push('| graph | bench-sam2 (counted from its ONNX graph) | SAM 2.1 tiny (from its architecture) | bench / SAM 2.1 tiny |', '| --- | ---: | ---: | ---: |');
    out.push(`| image encoder at 1024² | ${gf(b.encoder.total)} GFLOPs (${fmt(b.encoder.params / 1e6)} M parameters) | ${fmt(t.encoder)} GFLOPs | ${fmt(b.encoder.total / 1e9 / t.encoder)} |`);
    out.push(`| mask decoder + prompt encoder, one object | ${gf(b.decoder.total)} GFLOPs (${fmt(b.decoder.params / 1e6)} M parameters) | ${fmt(t.decoder)} GFLOPs | ${fmt(b.decoder.total / 1e9 / t.decoder)} |`);
    out.push(`| (encoder + decoder) / decoder: the cache ratio FLOPs allow | ${ratio(b.encoder.total, b.decoder.total)} | ${ratio(t.encoder * 1e9, t.decoder * 1e9)} | |`);
    out.push('', `bench-sam2 by operator: encoder ${Object.entries(b.encoder.byOp).map(([k, v]) => `${k} ${gf(v)}`).join(', ')}; decoder ${Object.entries(b.decoder.byOp).map(([k, v]) => `${k} ${gf(v)}`).join(', ')} GFLOPs. SAM 2.1 tiny by part: ${Object.entries(t.encoderParts).map(([k, v]) => `${k} ${fmt(v)}`).join('; ')}; decoder: ${Object.entries(t.decoderParts).map(([k, v]) => `${k} ${fmt(v)}`).join('; ')} GFLOPs (bench/README.md, "FLOPs", has the arithmetic). FLOPs are 2 per multiply-add of MatMul, Gemm, Conv and ConvTranspose.`, '');
  }

  if (r.phrases) {
    const p = r.phrases;
    const f = p.figures;
    out.push(`### Many phrases in one call (\`${p.model}\`, ${p.phrases.length} phrases: ${p.phrases.join(', ')}; ${p.instances} instances found; ${p.rounds} rounds)`, '');
    out.push('| figure | median | min | max | unit | what |', '| --- | ---: | ---: | ---: | --- | --- |');
    const row = (label: string, x: Figure | undefined, what: string) => x && out.push(`| ${label} | ${fmt(x.median)} | ${fmt(x.min)} | ${fmt(x.max)} | ${x.unit === 'x' ? '×' : x.unit} | ${what} |`);
    row('one call, uncached', f.oneCallUncachedMs, 'segmentPhrases with the 8 phrases, embedding cache cleared');
    row('8 calls, uncached', f.eachCallUncachedMs, 'one phrase each, in turn; cache cleared before the first');
    row('speed-up, uncached', f.speedupUncached, 'per round: 8 calls / one call');
    row('one call, cached', f.oneCallCachedMs, '');
    row('8 calls, cached', f.eachCallCachedMs, '');
    row('speed-up, cached', f.speedupCached, 'per round');
    row('detector, one call', f.oneCallDetectMs, 'detectMs the server reports (cached runs)');
    row('detector, 8 calls summed', f.eachCallDetectMs, '');
    out.push('');
  }

  if (r.threads) {
    const x = r.threads;
    out.push(`### ENGINE_THREADS sweep (${x.rounds} rounds, engine.segment, one server per setting, ENGINE_DEVICE=${x.device})`, '');
    out.push('| model | ENGINE_THREADS | uncached ms | cached ms | CPU uncached ms | CPU cached ms | uncached vs first setting | cached vs first setting |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const m of x.models) {
      for (const [t, f] of Object.entries(m.bySetting)) {
        out.push(`| \`${m.model}\` (${m.objects} object${m.objects > 1 ? 's' : ''}) | ${t === '0' ? '0 (ORT default)' : t} | ${fmtFigure(f.uncachedMs!)} | ${fmtFigure(f.cachedMs!)} | ${fmt(f.cpuUncachedMs!.median)} | ${fmt(f.cpuCachedMs!.median)} | ${fmtFigure(f.uncachedVsBase!)} | ${fmtFigure(f.cachedVsBase!)} |`);
      }
    }
    out.push('', `Best (lowest summed medians of uncached + cached over both models): ${x.best === 0 ? '0 (ORT default)' : x.best}.`, '');
  }
  return out;
}
