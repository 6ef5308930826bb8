// The section of latest.md with issue 16's engine figures: uncached segmentImage against the
// model + decoding the file, the FLOPs behind the cache ratio, many phrases in one call, and the
// ENGINE_THREADS sweep. Their verdicts are in the issue's targets table (report-targets.ts).
import type { FlopsResult } from './flops.bench.js';
import type { ImageResult } from './image.bench.js';
import type { PhrasesResult } from './phrases.bench.js';
import { fmt, fmtFigure } from './lib/stats.js';
import { figureTable } from './lib/markdown.js';
import type { ThreadsResult } from './threads.bench.js';

export interface EngineReport {
  image?: ImageResult[];
  flops?: FlopsResult;
  phrases?: PhrasesResult;
  threads?: ThreadsResult;
  /** ENGINE_THREADS' default in src/config.ts when the run was made. */
  threadsDefault?: number;
}

const gf = (flops: number) => fmt(flops / 1e9);

export function engineSection(r: EngineReport): string[] {
  const out: string[] = [];
  if (!r.image?.some((i) => i.figures.decodeFileMs) && !r.flops && !r.phrases && !r.threads) return out;
  out.push('## Issue 16, engine: uncached click, cache ratio, phrases, ENGINE_THREADS', '');

  for (const i of r.image ?? []) {
    const f = i.figures;
    if (!f.decodeFileMs) continue;
    out.push(`### Uncached and cached click, \`${i.model}\` (${i.rounds} rounds; the rest of this figure is under "a, b")`, '');
    out.push(
      ...figureTable([
        ['decoding the file alone', f.decodeFileMs, 'PNG → RGB (sharp, EXIF rotation, no alpha): the server\'s share of the reference'],
        ['preprocessing graph', f.preprocessGraphMs, '(graph + encoder) − encoder alone: resize + normalise + pad, in ONNX Runtime'],
        ['model alone', f.modelMs, 'preprocessing graph + encoder + decoder, raw sessions on this thread'],
        ['TypeScript preprocessing (replaced)', f.preprocessMs, 'what the main thread did before: PNG decode + sharp resize + normalise loop'],
        ['encoder run', f.encoderMs, 'raw session.run on the preprocessed picture'],
        ['decoder run', f.decoderMs, 'raw session.run, right after the encoder'],
        ['GraphQL segmentImage, uncached', f.graphqlUncachedMs, 'HTTP round trip, mediaId of the uploaded PNG'],
        ['GraphQL segmentImage, cached', f.graphqlCachedMs, 'the same request again'],
        ['cache speed-up, GraphQL', f.cacheSpeedupGraphql, 'per round: uncached / cached'],
        ['cache speed-up, engine', f.cacheSpeedupEngine, 'per round'],
        ['GraphQL / (model + decode)', f.overheadUncachedVsDecodeModel, 'per round: the target'],
        ['GraphQL − (model + decode)', f.addedMsUncachedVsDecodeModel, 'per round'],
        ['engine / (model + decode)', f.engineOverheadUncachedVsDecodeModel, 'per round'],
        ['CPU: decoding the file', f.cpuDecodeFileMs, ''],
        ['CPU: preprocessing graph', f.cpuPreprocessGraphMs, 'every thread of the process'],
        ['CPU: TypeScript preprocessing (replaced)', f.cpuPreprocessMs, ''],
        ['CPU: GraphQL / (model + decode)', f.cpuOverheadUncachedVsDecodeModel, 'per round'],
      ]),
    );
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
    out.push(
      ...figureTable([
        ['one call, uncached', f.oneCallUncachedMs, 'segmentPhrases with the 8 phrases, embedding cache cleared'],
        ['8 calls, uncached', f.eachCallUncachedMs, 'one phrase each, in turn; cache cleared before the first'],
        ['speed-up, uncached', f.speedupUncached, 'per round: 8 calls / one call'],
        ['one call, cached', f.oneCallCachedMs, ''],
        ['8 calls, cached', f.eachCallCachedMs, ''],
        ['speed-up, cached', f.speedupCached, 'per round'],
        ['detector, one call', f.oneCallDetectMs, 'detectMs the server reports (cached runs)'],
        ['detector, 8 calls summed', f.eachCallDetectMs, ''],
      ]),
    );
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
