// Issue 16's targets, each against the figure this run measured: one row a target, built from the
// report's own figures only. A target whose figure did not run says so (and which --only runs it):
// latest.md never carries a verdict from another run.
import type { Report } from './report.types.js';
import { verdict, yes } from './lib/markdown.js';
import { fmt, fmtFigure, type Figure } from './lib/stats.js';

const HEAD = ['| target | measured in this run (median, min–max) | met? |', '| --- | --- | --- |'];
const MB = 1e6;

const notMeasured = (target: string, only: string) => `| ${target} | not measured in this run (\`node dist/bench/run.js --only=${only}\`) | not measured |`;

/**
 * The first-click figure (background encoding of stored images on and off), when this run has it:
 * `firstClick` of the report, figures onClickMs, offClickMs and speedup (off / on, paired).
 */
type FirstClick = { model: string; figures: Record<string, Figure | undefined> };

function firstClickCells(x: FirstClick): string {
  const f = x.figures;
  const known: [string, Figure | undefined][] = [['on', f.onClickMs], ['off', f.offClickMs], ['off / on', f.speedup]];
  const cells = known.some(([, v]) => v) ? known : Object.entries(f);
  return cells.filter((c): c is [string, Figure] => !!c[1]).map(([label, v]) => `${label} ${fmtFigure(v)}`).join('; ');
}

export function issue16Targets(r: Report): string[] {
  const rows: string[] = [];
  const bench = r.image?.[0];
  const f = bench?.figures;

  // Uncached and cached click (figures a, b on bench-sam2).
  const uncached = 'Uncached `segmentImage` ≤ 1.03 × (model alone + decoding the file alone)';
  if (bench && f?.overheadUncachedVsDecodeModel) {
    const x = f.overheadUncachedVsDecodeModel;
    rows.push(`| ${uncached}, \`${bench.model}\` | ${fmtFigure(x)} (${fmt(f.addedMsUncachedVsDecodeModel!.median)} ms added; engine alone ${fmt(f.engineOverheadUncachedVsDecodeModel!.median)}×; in CPU time ${fmt(f.cpuOverheadUncachedVsDecodeModel!.median)}×) | ${verdict(x, (v) => v <= 1.03)} |`);
  } else rows.push(notMeasured(uncached, 'image'));
  const cached = 'Cached `segmentImage` ≤ +1.5 ms over the decoder alone';
  if (bench && f) {
    rows.push(`| ${cached}, \`${bench.model}\` | ${fmtFigure(f.addedMsCached!)} (decoder next to it ${fmt(f.pairDecoderMs!.median)} ms; the engine alone adds ${fmt(f.engineAddedMsCached!.median)} ms; in CPU time GraphQL adds ${fmt(f.cpuAddedMsCached!.median)} ms) | ${verdict(f.addedMsCached!, (v) => v <= 1.5)} |`);
  } else rows.push(notMeasured(cached, 'image'));

  // First click with background encoding on and off.
  const first = 'First click on a stored image, background encoding on and off: reported';
  const fc = (r as Report & { firstClick?: FirstClick }).firstClick;
  if (fc) rows.push(`| ${first} (\`${fc.model}\`) | ${firstClickCells(fc)} | (reported) |`);
  else rows.push(notMeasured(first, 'firstclick'));

  // Cached clicks under a running propagation (figure c).
  const load = 'Cached-click p99 under a running propagation ≤ 2 × cached-click p50 alone';
  if (r.interactive) {
    const x = r.interactive;
    rows.push(`| ${load} (${x.clients} clients, \`${x.model}\`) | p99 under load ${fmt(x.underLoad.p99Ms)} ms / p50 alone ${fmt(x.alone.p50Ms)} ms = ${fmt(x.p99LoadOverP50Alone)}× (p50 under load ${fmt(x.p50LoadOverP50Alone)}×; propagation at ${fmtFigure(x.loadFps)} meanwhile) | ${yes(x.p99LoadOverP50Alone <= 2)} |`);
  } else rows.push(notMeasured(load, 'interactive'));

  // Propagation against the raw tracker loop, each tracker (figure d).
  const prop = 'Propagation ≥ 1.0 × the raw tracking loop (GraphQL fps / raw fps, paired)';
  if (r.video) {
    for (const tracker of ['sam2-video', 'previous-mask']) {
      const m = r.video.models.find((x) => x.tracker.toLowerCase().replace(/_/g, '-') === tracker);
      if (m) rows.push(`| ${prop}, ${tracker} (\`${m.model}\`) | ${fmtFigure(m.figures.ratio)} (GraphQL ${fmtFigure(m.figures.graphqlFps)}, raw ${fmtFigure(m.figures.rawFps)}) | ${verdict(m.figures.ratio, (v) => v >= 1)} |`);
      else rows.push(`| ${prop}, ${tracker} | not measured (no model of this run tracks with it) | not measured |`);
    }
  } else rows.push(notMeasured(prop, 'video'));

  // Objects per frame (figure j).
  const objects = 'Propagation fps with 1, 4 and 16 objects; a frame\'s objects in one decoder run';
  if (r.objects) {
    const x = r.objects;
    const batched = x.rows.every((y) => (y.runsPerFrame['video_decoder'] ?? Infinity) <= 1.01);
    rows.push(`| ${objects} (\`${x.model}\`, ${x.tracker}) | ${x.rows.map((y) => `${y.objects}: ${fmtFigure(y.fps)}`).join('; ')}; decoder runs per frame ${x.rows.map((y) => fmt(y.runsPerFrame['video_decoder'] ?? NaN)).join(', ')} | fps reported; batched decoder: ${yes(batched)} |`);
  } else rows.push(notMeasured(objects, 'objects'));

  // The frame store on disk (figure i): the bounded store against the unbounded one, paired.
  const disk = 'Frame store of the 2,000-frame 640×480 video ≤ 200 MB while tracking, fps not lower than unbounded';
  if (r.framestore) {
    const x = r.framestore;
    const diskOk = x.newPeakBytes <= 200 * MB;
    const fpsOk = x.trackingRatio.forward.median >= 1 && x.trackingRatio.backward.median >= 1;
    const why = diskOk && !fpsOk ? ' (disk yes, fps no)' : !diskOk && fpsOk ? ' (fps yes, disk no)' : '';
    rows.push(
      `| ${disk} | bounded (FRAME_STORE_MB ${fmt(x.boundBytes / 2 ** 20, 0)}): peak ${fmt(x.newPeakBytes / MB)} MB, ${fmt(x.newPeakBytes / x.frames / 1024)} KiB per frame; unbounded: peak ${fmt(x.oldPeakBytes / MB)} MB, ${fmt(x.oldPeakBytes / x.frames / 1024)} KiB per frame; tracking fps bounded / unbounded: forward ${fmtFigure(x.trackingRatio.forward)}, backward ${fmtFigure(x.trackingRatio.backward)} | ${yes(diskOk && fpsOk)}${why} |`,
    );
  } else rows.push(notMeasured(disk, 'framestore'));

  // FLOPs and the cache ratio.
  const flops = 'bench-sam2\'s GFLOPs against SAM 2.1 tiny\'s; its decoder no heavier';
  if (r.engine?.flops) {
    const b = r.engine.flops.bench;
    const t = r.engine.flops.sam21Tiny;
    rows.push(`| ${flops} | encoder ${fmt(b.encoder.total / 1e9)} against ${fmt(t.encoder)} GFLOPs; decoder (one object) ${fmt(b.decoder.total / 1e9)} against ${fmt(t.decoder)}; (encoder + decoder) / decoder ${fmt((b.encoder.total + b.decoder.total) / b.decoder.total)} against ${fmt((t.encoder + t.decoder) / t.decoder)} | decoder: ${yes(b.decoder.total / 1e9 <= t.decoder * 1.02)} |`);
  } else rows.push(notMeasured(flops, 'flops'));
  const ratio = 'Cached vs uncached ≥ 10 ×';
  if (bench && f) {
    rows.push(`| ${ratio} (\`${bench.model}\`, GraphQL; engine) | ${fmtFigure(f.cacheSpeedupGraphql!)}; engine ${fmtFigure(f.cacheSpeedupEngine!)} | ${verdict(f.cacheSpeedupGraphql!, (v) => v >= 10)} |`);
    if (r.engine?.flops) {
      // Not a measurement: the uncached call with an encoder of SAM 2.1 tiny's FLOPs run at the
      // speed (GFLOP/s) bench-sam2's encoder showed, the cached call unchanged (same decoder).
      const scale = r.engine.flops.sam21Tiny.encoder / (r.engine.flops.bench.encoder.total / 1e9);
      const projected = (f.graphqlUncachedMs!.median + f.encoderMs!.median * (scale - 1)) / f.graphqlCachedMs!.median;
      rows.push(`| (projection) the same with SAM 2.1 tiny's encoder FLOPs at bench-sam2's encoder speed | ${fmt(projected)}× (uncached ${fmt(f.graphqlUncachedMs!.median)} ms + encoder ${fmt(f.encoderMs!.median)} ms × ${fmt(scale - 1)}, over cached ${fmt(f.graphqlCachedMs!.median)} ms) | (estimate, not measured) |`);
    }
  } else rows.push(notMeasured(ratio, 'image'));

  const phrases = '8 phrases in one `segmentPhrases` call against 8 calls: speed-up reported';
  if (r.engine?.phrases) {
    const p = r.engine.phrases;
    rows.push(`| ${phrases} (\`${p.model}\`) | uncached ${fmtFigure(p.figures.speedupUncached!)}, cached ${fmtFigure(p.figures.speedupCached!)} | (reported) |`);
  } else rows.push(notMeasured(phrases, 'phrases'));

  const threads = 'ENGINE_THREADS default chosen by measurement (bench-sam2 and demo)';
  if (r.engine?.threads) {
    const x = r.engine.threads;
    const name = (t: number | undefined) => (t === 0 ? '0 (ORT default)' : String(t ?? 'n/a'));
    // The default stands when it is the best, or when the best is not told apart from it: its
    // paired rounds fall on both sides of the default's time.
    const d = r.engine.threadsDefault;
    const against = x.bestVsBase && x.settings[0] === d && x.best !== d ? `; ${name(x.best)} / ${name(d)}, paired: ${fmtFigure(x.bestVsBase)}` : '';
    const tied = against !== '' && x.bestVsBase.min < 1 && x.bestVsBase.max > 1;
    rows.push(`| ${threads} | best of ${x.settings.join(', ')} in this sweep: ${name(x.best)}${against}; the default in src/config.ts: ${name(d)} (load average at the sweep's start ${r.loadAverages['threads']?.[0] ?? 'n/a'}) | ${d === x.best ? 'yes' : tied ? 'yes (the best is not told apart from the default: its rounds fall on both sides)' : '**no**'} |`);
  } else rows.push(notMeasured(threads, 'threads'));

  return [
    '## Targets (issue 16)',
    '',
    'Every verdict below is from this run\'s figures (sections below have the details); a target whose figure did not run says so.',
    '',
    ...HEAD,
    ...rows,
    '',
  ];
}
