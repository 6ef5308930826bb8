// The machine, and the results as JSON (bench/results/latest.json) and Markdown (latest.md).
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT } from '../src/paths.js';
import { loadConfig } from '../src/config.js';
import { frameStoreMarkdown } from './framestore.bench.js';
import { objectsMarkdown } from './objects.bench.js';
import { fmt, fmtFigure, type Figure } from './lib/stats.js';
import { figureTable, verdict, yes } from './lib/markdown.js';
import { engineSection } from './report-engine.js';
import { firstClickSection } from './firstclick.bench.js';
import { issue16Targets } from './report-targets.js';
import type { Machine, Report } from './report.types.js';

export type { Machine, Report };

function packageVersion(name: string): string {
  try {
    return JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    onnxruntimeNode: packageVersion('onnxruntime-node'),
    ortThreads: `ENGINE_THREADS=${loadConfig({}).engine.threads} (the default; the raw sessions of figures a, b use it too), sequential execution, graph optimisation "all", CPU provider; the server's pool threads do not spin (ortSessionOptions)`,
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}


export function markdown(r: Report): string {
  const m = r.machine;
  const out: string[] = [];
  out.push('# maskql benchmarks: latest results', '');
  out.push(`Generated ${r.generatedAt} by \`${r.command}\` in ${fmt(r.durationSec, 0)} s. Figures are median, min and max over the rounds; variants compared with each other were interleaved round by round, and ratios are taken per round (paired) before the median.`, '');
  out.push(`Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}; onnxruntime-node ${m.onnxruntimeNode} (${m.ortThreads}). Load average at start: ${m.loadAverageAtStart.join(' ')} (the machine is shared: absolute numbers are noisy, compare medians and paired ratios).`, '');
  for (const [k, v] of Object.entries(r.setup)) out.push(`- ${k}: ${v}`);
  out.push(`- load average (1, 5, 15 min) at the start of each figure: ${Object.entries(r.loadAverages).map(([k, v]) => `${k} ${v.join(' ')}`).join('; ')}`);
  out.push('');

  out.push(...issue16Targets(r));
  const head = headline(r);
  if (head.length) {
    out.push('## Targets (issue 5)', '', '| target | measured (median, min–max) | met? |', '| --- | --- | --- |', ...head, '');
    out.push('"fastest runs" compares the fastest GraphQL call with the fastest model run (minima: what each costs when nothing else interferes); the verdict is on the paired median.', '');
  }

  out.push(...engineSection({ ...r.engine, image: r.image }));
  out.push(...firstClickSection(r.firstClick));

  for (const i of r.image ?? []) {
    const f = i.figures;
    out.push(`## a, b. Image segmentation (model \`${i.model}\`, ${i.image}, ${i.objects} object${i.objects > 1 ? 's' : ''} of one click each, ${i.rounds} rounds)`, '');
    out.push(
      ...figureTable([
        ['encoder run', f.encoderMs, 'raw ORT session.run on the pre-made input tensor'],
        ['decoder run', f.decoderMs, 'raw ORT session.run(s) on pre-made tensors, all objects, right after the encoder'],
        ['decoder run again', f.decoderAgainMs, 'the same at once again'],
        ['decoder run next to a cached call', f.pairDecoderMs, 'raw decoder runs paired with the cached calls (order alternating): the reference for cached'],
        ['model alone (preprocessing graph + encoder + decoder)', f.modelMs, 'the reference for the overhead ratios'],
        ['TypeScript preprocess (not in the model figure; replaced by the model\'s preprocessing graph)', f.preprocessMs, 'PNG decode + resize to 1024² (sharp) + normalise to float32 NCHW'],
        ['engine.segment, uncached', f.engineUncachedMs, 'cache cleared: decode, preprocess, encoder, decoder, masks'],
        ['engine.segment, cached', f.engineCachedMs, 'embedding from the cache: decoder + masks'],
        ['GraphQL segmentImage, uncached', f.graphqlUncachedMs, 'HTTP round trip, mediaId of the uploaded PNG'],
        ['GraphQL segmentImage, cached', f.graphqlCachedMs, `same request again (${i.cachedPairs} per round)`],
        ['overhead uncached (GraphQL / model)', f.overheadUncached, 'per round'],
        ['added ms uncached (GraphQL − model)', f.addedMsUncached, 'per round'],
        ['added ms uncached beyond preprocess (GraphQL − preprocess − model)', f.addedMsUncachedBeyondPreprocess, 'per round: what is left once the picture is decoded and resized'],
        ['overhead cached (GraphQL cached / decoder)', f.overheadCached, 'per pair'],
        ['added ms cached (GraphQL cached − decoder)', f.addedMsCached, 'per pair'],
        ['engine overhead uncached (engine / model)', f.engineOverheadUncached, 'per round'],
        ['added ms cached, engine (engine cached − decoder)', f.engineAddedMsCached, 'per pair: upsampling + RLE in the engine'],
        ['cache speed-up, GraphQL (uncached / cached)', f.cacheSpeedupGraphql, 'per round'],
        ['cache speed-up, engine (uncached / cached)', f.cacheSpeedupEngine, 'per round'],
      ]),
    );
    out.push('', 'CPU time of the process (user + system, every thread: ORT\'s, libvips\', PGlite\'s, the client\'s), less sensitive than wall time to the other processes of a shared machine:', '');
    out.push(
      ...figureTable([
        ['CPU: model alone (encoder + decoder)', f.cpuModelMs, ''],
        ['CPU: decoder alone (again, in the model block)', f.cpuDecoderMs, ''],
        ['CPU: GraphQL uncached', f.cpuGraphqlUncachedMs, ''],
        ['CPU: GraphQL cached', f.cpuGraphqlCachedMs, ''],
        ['CPU overhead uncached (GraphQL / model)', f.cpuOverheadUncached, 'per round'],
        ['CPU added ms uncached (GraphQL − model)', f.cpuAddedMsUncached, 'per round'],
        ['CPU added ms cached (GraphQL cached − decoder next to it)', f.cpuAddedMsCached, 'per pair'],
        ['CPU added ms cached, engine (engine cached − decoder next to it)', f.cpuEngineAddedMsCached, 'per pair'],
      ]),
    );
    const t = i.serverTimings;
    out.push('', 'Inside the GraphQL requests (the `timings` the server returns):', '');
    out.push(
      ...figureTable([
        ['uncached: encodeMs', t.uncachedEncodeMs, 'image read + decode + preprocess + encoder, through the device queue'],
        ['uncached: decodeMs', t.uncachedDecodeMs, 'decoder run + logits upsampled to the returned masks'],
        ['uncached: postprocessMs', t.uncachedPostprocessMs, 'RLE, bbox, area of the chosen masks'],
        ['uncached: totalMs', t.uncachedTotalMs, 'engine.segment as the service called it'],
        ['cached: totalMs', t.cachedTotalMs, ''],
      ]),
    );
    out.push('');
  }

  if (r.interactive) {
    const x = r.interactive;
    out.push(`## c. Interactive latency (model \`${x.model}\`, ${x.clients} concurrent clients, each ${x.clicksPerClient} cached clicks per phase in a closed loop, ${x.rounds} rounds of each phase, alternating)`, '');
    out.push('| phase | p50 | p99 | median (min–max) | clicks | clicks/s | cache misses |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const [label, p] of [['alone', x.alone], [`under load (propagation on \`${x.loadModel}\`, ${x.loadTracker})`, x.underLoad]] as const) {
      out.push(`| ${label} | ${fmt(p.p50Ms)} ms | ${fmt(p.p99Ms)} ms | ${fmtFigure(p.latencyMs)} | ${p.samples} | ${fmt(p.throughput)} | ${p.cacheMisses} |`);
    }
    out.push('', `p99 under load / p50 alone: **${fmt(x.p99LoadOverP50Alone)}×** (targets: ≤ 3× in issue 5, ≤ 2× in issue 16); p50 under load / p50 alone: ${fmt(x.p50LoadOverP50Alone)}×. The background propagation ran at ${fmtFigure(x.loadFps)} during the load phases (a job restarted whenever one ended, cancelled at the end of the phase).`, '');
    out.push('Each click is the segmentImage mutation over HTTP with one point (a random spot, seeded) on an image whose embedding is cached: one decoder run, masks upsampled and RLE-encoded. The clients run in the server\'s process (as every client of these benchmarks).', '');
  }

  if (r.video) {
    const v = r.video;
    out.push(`## d. Propagation (${v.video}, ${v.objects} objects clicked on frame 0, FORWARD, ${v.rounds} rounds, embedding cache cleared before each run)`, '');
    out.push('| model | tracker | GraphQL end-to-end fps | raw tracker loop fps | GraphQL / raw | GraphQL ms/frame | raw ms/frame | added ms/frame |');
    out.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const x of v.models) {
      const f = x.figures;
      out.push(`| \`${x.model}\` | ${x.tracker} | ${fmtFigure(f.graphqlFps)} | ${fmtFigure(f.rawFps)} | ${fmtFigure(f.ratio)} | ${fmtFigure(f.graphqlMsPerFrame)} | ${fmtFigure(f.rawMsPerFrame)} | ${fmtFigure(f.addedMsPerFrame)} |`);
    }
    out.push('', 'Where the raw loop spends a frame (ONNX Runtime session.run timed per graph; "other" is the rest: frame read, preprocessing, prompt and memory tensors, mask upsampling, RLE):', '');
    out.push('| model | raw: ORT ms/frame | raw: other ms/frame | ORT by graph (ms/frame, median) | GraphQL: recordFrame ms/frame |', '| --- | ---: | ---: | --- | ---: |');
    for (const x of v.models) {
      const graphs = Object.entries(x.rawOrtByGraph).map(([g, f]) => `${g} ${fmt(f.median)}`).join(', ');
      out.push(`| \`${x.model}\` | ${fmtFigure(x.figures.rawOrtMsPerFrame)} | ${fmtFigure(x.figures.rawOtherMsPerFrame)} | ${graphs} | ${fmtFigure(x.figures.graphqlRecordFrameMsPerFrame)} |`);
    }
    out.push('', 'CPU time of the process per frame (user + system, every thread: ORT\'s, libvips\', PGlite\'s), less sensitive than wall time to what else runs on the machine:', '');
    out.push('| model | GraphQL CPU ms/frame | raw CPU ms/frame | added CPU ms/frame |', '| --- | ---: | ---: | ---: |');
    for (const x of v.models) out.push(`| \`${x.model}\` | ${fmtFigure(x.figures.graphqlCpuMsPerFrame)} | ${fmtFigure(x.figures.rawCpuMsPerFrame)} | ${fmtFigure(x.figures.addedCpuMsPerFrame)} |`);
    out.push('', '"recordFrame" is SessionService.recordFrame in the GraphQL runs: the frame\'s masks upserted in one database transaction (PGlite), then published.');
    for (const s of v.skipped) out.push('', `Skipped \`${s.model}\`: ${s.reason}`);
    out.push('', 'GraphQL: from sending the propagate mutation to the COMPLETED event on a graphql-ws client subscribed to sessionEvents(sessionId, jobId, replay: true) (job queue, one database transaction and one PubSub event per frame, progress, serialisation, WebSocket). Raw: the same session\'s tracker iterated in process (frames read from the same decoded frame store, masks encoded as RLE, nothing stored or sent). Cells are median (min–max).', '');
  }

  if (r.fanout) {
    const x = r.fanout;
    out.push(`## e. Subscription fan-out (model \`${x.model}\`, tracker ${x.tracker}, ${x.video}, ${x.rounds} rounds per subscriber count, alternating)`, '');
    out.push('| subscribers | frames delivered per subscriber | lost | duplicates | delivery latency p50 | p99 | latency median (min–max) | propagation fps |', '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const y of x.rows) {
      out.push(`| ${y.subscribers} | ${fmt(y.delivered.median, 0)} of ${y.expected} (min ${fmt(y.delivered.min, 0)}) | ${y.lost} | ${y.duplicates} | ${fmt(y.latencyP50Ms)} ms | ${fmt(y.latencyP99Ms)} ms | ${fmtFigure(y.latencyMs)} | ${fmtFigure(y.fps)} |`);
    }
    out.push('', 'One graphql-ws socket per subscriber, each subscribed to sessionEvents(sessionId) (every FRAME event with both objects\' masks as RLE). Latency: receipt by the subscriber minus the frame\'s publication (the event has no timestamp; the publication time is read in the server, same process and clock, when SessionService.recordFrame — store, then publish — returns). Lost: expected frames minus distinct frames received, summed over subscribers and rounds. fps: the propagate mutation to the last subscriber\'s COMPLETED event; the embedding cache is not cleared between these runs (the frames are encoded once, in the warm-up), so frames come faster than in figure d: a harder test for delivery.', '');
  }

  if (r.masks) {
    const k = r.masks;
    const f = k.figures;
    out.push(`## f. Mask post-processing (${k.low} → ${k.out}, ${fmt(k.megapixels)} MP, ${fmt(k.foreground * 100)} % foreground, ${k.rounds} rounds)`, '');
    out.push(
      ...figureTable([
        ['logitsToMask', f.logitsToMaskMs, 'bilinear upsample + threshold, one pass'],
        ['encodeRle', f.encodeRleMs, `COCO RLE, ${k.rleChars} chars of counts`],
        ['logitsToMask + encodeRle', f.totalMs, ''],
        ['logitsToMask per megapixel', f.logitsToMaskMsPerMP, ''],
        ['encodeRle per megapixel', f.encodeRleMsPerMP, ''],
        ['logitsToMask + encodeRle per megapixel', f.totalMsPerMP, ''],
        ['maskBbox + maskArea', f.bboxAndAreaMs, 'the two other full-size passes of describeMask'],
        ['describeMask (RLE + bbox + area)', f.describeMaskMs, 'per mask returned'],
        ['logitsToMask with a SAM crop', f.logitsToMaskCropMs, 'longest-side resize + padding: 256x144 of the grid'],
      ]),
    );
    out.push('');
  }

  if (r.export) {
    const x = r.export;
    out.push(`## h. Masked-video export (${x.video}, one object, ${x.rounds} round(s))`, '');
    out.push(
      ...figureTable(
        x.variants.flatMap((v) => [
          [`${v.name}: speed`, v.fps, `startExport to COMPLETED; ${fmt(v.megabytes)} MiB written`],
          [`${v.name}: server CPU per frame`, v.cpuMsPerFrame, 'this process only (ffmpeg runs in child processes)'],
        ] as [string, Figure, string][]),
      ),
    );
    out.push('', 'The masks are the disc\'s ground truth stored directly (no propagation): the figure is the export alone — ffmpeg decoding the original, the frames composed in the server, ffmpeg encoding them.', '');
  }

  if (r.framestore) out.push(...frameStoreMarkdown(r.framestore));
  if (r.objects) out.push(...objectsMarkdown(r.objects));

  if (r.memory) {
    const x = r.memory;
    const label = x.complete ? '' : ` — INCOMPLETE: ${x.framesDone} of ${x.framesRequested} frames (${x.status})`;
    out.push(`## g. Memory while tracking a long video (model \`${x.model}\`, tracker ${x.tracker}, ${x.video}, one disc prompted on frame 0, FORWARD through GraphQL; one run${label})`, '');
    out.push('| figure | value |', '| --- | ---: |');
    out.push(`| frames propagated | ${x.framesDone} of ${x.framesRequested} (${x.status}) |`);
    out.push(`| propagation fps (mutation to terminal event) | ${fmt(x.fps)} fps (${fmt(x.seconds)} s) |`);
    for (const ph of x.phases) out.push(`| before (after a forced GC): ${ph.phase} | RSS ${fmt(ph.rssMiB)} MiB, heapUsed ${fmt(ph.heapUsedMiB)} MiB, arrayBuffers ${fmt(ph.arrayBuffersMiB)} MiB |`);
    out.push(`| peak RSS (100 ms samples) | ${fmt(x.peakRssMiB)} MiB |`);
    if (x.rss95PctOfPeakAt) out.push(`| RSS first at 95 % of its peak | after ${x.rss95PctOfPeakAt.frames} frames (${fmt(x.rss95PctOfPeakAt.seconds)} s) |`);
    out.push(`| peak heapUsed | ${fmt(x.peakHeapUsedMiB)} MiB |`);
    for (const c of x.checkpoints) out.push(`| at frame ${c.frames} (${fmt(c.seconds)} s) | RSS ${fmt(c.rssMiB)} MiB, heapUsed ${fmt(c.heapUsedMiB)} MiB, arrayBuffers ${fmt(c.arrayBuffersMiB)} MiB |`);
    if (x.rssGrowthPer1000MiB != null) out.push(`| growth per 1000 frames (first to last checkpoint) | RSS ${fmt(x.rssGrowthPer1000MiB)} MiB, heapUsed ${fmt(x.heapGrowthPer1000MiB ?? NaN)} MiB |`);
    out.push(`| frame store on disk when the job ended | ${fmt(x.frameStore.apparentMiB)} MiB (${fmt(x.frameStore.allocatedMiB)} MiB allocated; ${x.frameStore.framesStored} frames of ${fmt(x.frameStore.perFrameKiB)} KiB raw RGB; ${x.frameStore.files} file) |`);
    out.push(`| database on disk after the run (PGlite) | ${fmt(x.databaseMiB)} MiB |`);
    out.push(`| embedding cache at the end | ${fmt(x.embeddingCacheMiB)} MiB |`);
    if (x.sessionMemoryBytesMiB != null) out.push(`| session memoryBytes (tracker state) at the end | ${fmt(x.sessionMemoryBytesMiB)} MiB |`);
    out.push('', 'RSS is the server process with the graphql-ws client in it; ffmpeg (decoding into the frame store) is a separate process and not counted. The 100 ms trace is in latest.json (`memory.trace`: seconds, frames, RSS MiB, heapUsed MiB).', '');
  } else if (r.memoryError) {
    out.push('## g. Memory while tracking a long video', '', `Not measured: ${r.memoryError}`, '');
  }

  if (r.notes.length) {
    out.push('## Notes', '');
    for (const n of r.notes) out.push(`- ${n}`);
    out.push('');
  }
  return out.join('\n');
}


/** The issue's targets, each against its measured figure (empty when the figures did not run). */
function headline(r: Report): string[] {
  const out: string[] = [];
  const i = r.image?.[0];
  if (i) {
    const f = i.figures;
    out.push(`| a. GraphQL overhead, uncached, ≤ 5 % over the model alone (\`${i.model}\`) | ${fmtFigure({ ...f.overheadUncached, median: (f.overheadUncached.median - 1) * 100, min: (f.overheadUncached.min - 1) * 100, max: (f.overheadUncached.max - 1) * 100, unit: '%' })} (${fmt(f.addedMsUncached.median)} ms added on ${fmt(f.modelMs.median)} ms; ${fmt(f.addedMsUncachedBeyondPreprocess.median)} ms beyond preprocessing; in CPU time ${fmt((f.cpuOverheadUncached.median - 1) * 100)} %; fastest runs: ${fmt((f.graphqlUncachedMs.min / f.modelMs.min - 1) * 100)} %) | ${verdict(f.overheadUncached, (v) => v <= 1.05)} |`);
    out.push(`| a. GraphQL added ms, cached, ≤ 2 ms over the decoder alone (\`${i.model}\`) | ${fmtFigure(f.addedMsCached)} (decoder ${fmt(f.pairDecoderMs.median)} ms; the engine alone adds ${fmt(f.engineAddedMsCached.median)} ms; in CPU time GraphQL adds ${fmt(f.cpuAddedMsCached.median)} ms; fastest runs: ${fmt(f.graphqlCachedMs.min - f.pairDecoderMs.min)} ms) | ${verdict(f.addedMsCached, (v) => v <= 2)} |`);
    out.push(`| b. speed-up of cached over uncached (\`${i.model}\`, GraphQL) | ${fmtFigure(f.cacheSpeedupGraphql)} | (no target) |`);
  }
  if (r.interactive) {
    const x = r.interactive;
    out.push(`| c. p99 of cached clicks under propagation ≤ 3 × p50 alone (${x.clients} clients, \`${x.model}\`) | p99 under load ${fmt(x.underLoad.p99Ms)} ms / p50 alone ${fmt(x.alone.p50Ms)} ms = ${fmt(x.p99LoadOverP50Alone)}× | ${yes(x.p99LoadOverP50Alone <= 3)} |`);
  }
  if (r.fanout) {
    const lost = r.fanout.rows.reduce((a, y) => a + y.lost, 0);
    out.push(`| e. no frame lost by ${r.fanout.rows.map((y) => y.subscribers).join(', ')} subscribers | ${lost} lost | ${yes(lost === 0)} |`);
  }
  return out;
}

export async function writeReport(r: Report, dir: string): Promise<{ json: string; md: string }> {
  await mkdir(dir, { recursive: true });
  const json = path.join(dir, 'latest.json');
  const md = path.join(dir, 'latest.md');
  await writeFile(json, JSON.stringify(r, null, 2) + '\n');
  await writeFile(md, markdown(r));
  return { json, md };
}

export function loadAverage(): number[] {
  return os.loadavg().map((l) => Math.round(l * 100) / 100);
}
