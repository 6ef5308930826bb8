// npm run bench: builds, then runs every figure and writes bench/results/latest.{json,md}.
//
//   node dist/bench/run.js [--only=image,interactive,fanout,video,memory,masks,firstclick] [--quick]
//                          [--budget-sec=585] [--memory-frames=2000] [--memory-budget-sec=N] [--fresh-video]
//
// Benchmarks assert nothing about time: they print figures. See bench/README.md.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readManifest } from '../src/engine/manifest.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { generateDemoModel } from '../scripts/models/generate-demo.js';
import { BENCH_MODEL_NAME, ensureBenchModel } from '../scripts/models/generate-bench.js';
import { runFanoutBench } from './fanout.bench.js';
import { runInteractiveBench } from './interactive.bench.js';
import { runImageBench } from './image.bench.js';
import { encodeDiscsVideo, longDiscVideo, type DiscsVideo } from './lib/media.js';
import { REPO_MODELS_DIR, startBenchServer } from './lib/server.js';
import { runMasksBench } from './masks.bench.js';
import type { MemoryResult } from './memory.bench.js';
import { loadAverage, machine, markdown, writeReport, type Report } from './report.js';
import { fmt } from './lib/stats.js';
import { runVideoBench } from './video.bench.js';
import { runExportBench } from './export.bench.js';
import { runFrameStoreBench } from './framestore.bench.js';
import { runObjectsBench } from './objects.bench.js';
import { loadConfig } from '../src/config.js';
import { runFlopsBench } from './flops.bench.js';
import { runPhrasesBench } from './phrases.bench.js';
import { runThreadsBench } from './threads.bench.js';
import { runFirstClickBench } from './firstclick.bench.js';
import type { BenchServer } from './lib/server.js';

const FIGURES = ['image', 'interactive', 'fanout', 'video', 'memory', 'masks', 'export', 'framestore', 'objects', 'flops', 'phrases', 'threads', 'firstclick'] as const;
type FigureName = (typeof FIGURES)[number];

function parseArgs(argv: string[]) {
  const flags = new Map<string, string>();
  for (const a of argv) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unknown argument ${a} (see bench/README.md)`);
    flags.set(m[1]!, m[2] ?? 'true');
  }
  const quick = flags.has('quick');
  const only = (flags.get('only')?.split(',').map((s) => s.trim()) ?? [...FIGURES]) as FigureName[];
  for (const o of only) if (!FIGURES.includes(o)) throw new Error(`--only: unknown figure "${o}" (${FIGURES.join(', ')})`);
  const num = (k: string, def: number, min0 = false) => {
    const v = flags.get(k);
    if (v === undefined) return def;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0 || (n === 0 && !min0)) throw new Error(`--${k} must be a positive number`);
    return n;
  };
  const list = (k: string, def: number[]) => flags.get(k)?.split(',').map((x) => {
    const n = Number(x);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${k} takes positive integers`);
    return n;
  }) ?? def;
  return {
    only: new Set(only),
    quick,
    imageRounds: num('image-rounds', quick ? 5 : 20),
    imageBudgetSec: num('image-budget-sec', quick ? 30 : 40),
    demoImageRounds: num('demo-image-rounds', quick ? 3 : 6),
    interactiveRounds: num('interactive-rounds', quick ? 1 : 3),
    interactiveBudgetSec: num('interactive-budget-sec', quick ? 30 : 35),
    interactiveClients: num('interactive-clients', 8),
    interactiveClicks: num('interactive-clicks', quick ? 5 : 10),
    fanoutRounds: num('fanout-rounds', quick ? 1 : 2),
    fanoutBudgetSec: num('fanout-budget-sec', quick ? 30 : 30),
    fanoutSubscribers: list('fanout-subscribers', [1, 10, 100]),
    videoRounds: num('video-rounds', 1),
    videoMaxRounds: num('video-max-rounds', quick ? 1 : 6),
    videoBudgetSec: num('video-budget-sec', quick ? 60 : 45),
    masksRounds: num('masks-rounds', quick ? 5 : 30),
    memoryFrames: Math.round(num('memory-frames', quick ? 300 : 2000)),
    /** Explicit budget for figure g; by default it gets what is left of --budget-sec. */
    memoryBudgetSec: flags.has('memory-budget-sec') ? num('memory-budget-sec', 270) : undefined,
    budgetSec: num('budget-sec', quick ? 200 : 585),
    freshVideo: flags.has('fresh-video'),
    exportFrames: Math.round(num('export-frames', quick ? 300 : 2000)),
    exportRounds: num('export-rounds', 1),
    // Part (1) of figure i, the store alone (8 passes over 2,000 frames a round), only when asked:
    // issue 16's target is the tracking part.
    framestoreRounds: num('framestore-rounds', 0, true),
    framestoreTrackRounds: num('framestore-track-rounds', quick ? 1 : 4),
    objectsRounds: num('objects-rounds', quick ? 1 : 2),
    objectsFrames: Math.round(num('objects-frames', quick ? 5 : 20)),
    framestoreTrackFrames: Math.round(num('framestore-track-frames', quick ? 10 : 25)),
    // Issue 16, engine figures (report-engine.ts).
    phrasesRounds: num('phrases-rounds', quick ? 2 : 6),
    phrasesBudgetSec: num('phrases-budget-sec', quick ? 20 : 40),
    threadsSettings: flags.get('threads-settings')?.split(',').map(Number) ?? [0, 1, 2, 4],
    threadsRounds: num('threads-rounds', quick ? 2 : 6),
    threadsBudgetSec: num('threads-budget-sec', quick ? 40 : 75),
    threadsDevice: flags.get('threads-device') ?? 'cpu',
    firstClickRounds: num('firstclick-rounds', quick ? 3 : 8),
    firstClickBudgetSec: num('firstclick-budget-sec', quick ? 30 : 60),

  };
}

/** The long disc video, encoded once into the temp folder and reused (figures g and h). */
async function cachedLongVideo(v: DiscsVideo, fresh: boolean, report: Report): Promise<string> {
  const cacheDir = path.join(tmpdir(), 'maskql-bench-cache');
  const video = path.join(cacheDir, `disc-${v.width}x${v.height}-${v.frames}f-v1.mp4`);
  if (fresh || !existsSync(video)) {
    log(`encoding a ${v.frames}-frame ${v.width}x${v.height} h264 video`);
    await mkdir(cacheDir, { recursive: true });
    const t0 = performance.now();
    await encodeDiscsVideo(v, `${video}.part.mp4`);
    await rename(`${video}.part.mp4`, video);
    report.setup['long video'] = `${path.basename(video)} in the temp folder, encoded in ${Math.round((performance.now() - t0) / 1000)} s (libx264 veryfast crf 12)`;
  } else {
    report.setup['long video'] = `${path.basename(video)} in the temp folder (reused from an earlier run; --fresh-video encodes it again)`;
  }
  return video;
}

const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

/**
 * A models folder for the run: a byte-for-byte copy of the repository's models/demo, the demo
 * generated in the `sam` family (previous-mask tracking through the official SAM decoder
 * contract), and, when models/demo has no video modules, the demo generated with them (SAM 2's
 * memory-bank tracker), so that every tracking path is measured.
 */
async function prepareModels(notes: string[]): Promise<{ dir: string; video: string[]; setup: string; bench: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'maskql-bench-models-'));
  await cp(path.join(REPO_MODELS_DIR, 'demo'), path.join(dir, 'demo'), { recursive: true });
  // Its grounding companion (text prompts: issue 16's phrases figure).
  await cp(path.join(REPO_MODELS_DIR, 'demo-grounding'), path.join(dir, 'demo-grounding'), { recursive: true });
  const demo = await readManifest(path.join(dir, 'demo'));
  // The benchmark model: generated into bench/.models/ when its generator changed, then copied.
  const bench = ensureBenchModel();
  await cp(bench.dir, path.join(dir, BENCH_MODEL_NAME), { recursive: true });
  const video = ['demo'];
  generateDemoModel(path.join(dir, 'demo-sam'), 'sam', 'demo-sam');
  video.push('demo-sam');
  let extra = '';
  if (!demo.capabilities.video) {
    try {
      const m = generateDemoModel(path.join(dir, 'demo-video'), 'sam2', 'demo-video');
      if (m.manifest.capabilities.video) {
        video.push('demo-video');
        extra = ', `demo-video` (the sam2 demo generated with its SAM 2 video modules)';
      } else {
        await rm(path.join(dir, 'demo-video'), { recursive: true, force: true });
      }
    } catch (err) {
      notes.push(`The sam2 demo with video modules could not be generated (${(err as Error).message}); the sam2-video tracker was not measured.`);
    }
  }
  return {
    dir,
    video,
    bench: `${path.relative(PACKAGE_ROOT, bench.dir)} (${(bench.bytes / 2 ** 20).toFixed(1)} MiB, generator ${bench.hash}, ${bench.generated ? `generated in ${Math.round(bench.ms)} ms` : 'up to date, reused'})`,
    setup: `a temporary folder holding \`${BENCH_MODEL_NAME}\` (a copy of the benchmark model), \`demo\` (a copy of models/demo: ${demo.family}, video modules: ${demo.capabilities.video ? 'yes' : 'no'}; with \`demo-grounding\`, its text companion), \`demo-sam\` (generated: generateDemoModel(dir, 'sam', 'demo-sam'))${extra}`,
  };
}

async function runMemoryChild(opts: { video: string; frames: number; budgetSec: number; model: string }): Promise<MemoryResult> {
  const child = fileURLToPath(new URL('./memory.child.js', import.meta.url));
  const out = path.join(await mkdtemp(path.join(tmpdir(), 'maskql-bench-mem-')), 'result.json');
  const code = await new Promise<number | null>((resolve, reject) => {
    const p = spawn(process.execPath, ['--expose-gc', child, opts.video, String(opts.frames), String(opts.budgetSec), opts.model, out], { stdio: ['ignore', 'inherit', 'inherit'] });
    p.once('error', reject);
    p.once('close', resolve);
  });
  if (code !== 0) throw new Error(`the memory benchmark process exited with ${code}`);
  const result = JSON.parse(await readFile(out, 'utf8')) as MemoryResult;
  await rm(path.dirname(out), { recursive: true, force: true });
  return result;
}

/** Issue 16's engine figures: FLOPs of bench-sam2 against SAM 2.1 tiny, phrases in one call, the ENGINE_THREADS sweep. */
async function runEngineFigures(args: ReturnType<typeof parseArgs>, report: Report, server: BenchServer, modelsDir: string): Promise<void> {
  report.engine = { threadsDefault: loadConfig({}).engine.threads };
  if (args.only.has('flops')) {
    log('issue 16: FLOPs of bench-sam2 (counted from its graphs) and of SAM 2.1 tiny (from its architecture)');
    const m = await server.app.engine.model(BENCH_MODEL_NAME);
    report.engine.flops = await runFlopsBench({ dir: m.dir, manifest: m.manifest });
  }
  if (args.only.has('phrases')) {
    log(`issue 16: 8 phrases in one call against 8 calls (demo, up to ${args.phrasesRounds} rounds within ${args.phrasesBudgetSec} s)`);
    report.loadAverages['phrases'] = loadAverage();
    report.engine.phrases = await runPhrasesBench(server, { model: 'demo', rounds: args.phrasesRounds, budgetSec: args.phrasesBudgetSec, warmup: 1 });
  }
  if (args.only.has('threads')) {
    log(`issue 16: ENGINE_THREADS sweep ${args.threadsSettings.join(', ')} (up to ${args.threadsRounds} rounds within ${args.threadsBudgetSec} s)`);
    report.loadAverages['threads'] = loadAverage();
    report.engine.threads = await runThreadsBench({
      modelsDir,
      settings: args.threadsSettings,
      models: [{ model: BENCH_MODEL_NAME, objects: 1 }, { model: 'demo', objects: 3 }],
      rounds: args.threadsRounds,
      budgetSec: args.threadsBudgetSec,
      device: args.threadsDevice,
    });
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const report: Report = {
    generatedAt: new Date().toISOString(),
    command: `node dist/bench/run.js${process.argv.length > 2 ? ' ' + process.argv.slice(2).join(' ') : ''}`,
    durationSec: 0,
    machine: machine(),
    setup: {},
    loadAverages: {},
    notes: [],
  };
  log(`${report.machine.cpu}, ${report.machine.cores} cores, node ${report.machine.node}, onnxruntime-node ${report.machine.onnxruntimeNode}`);
  const deadline = started + args.budgetSec * 1000;

  if (args.only.has('masks')) {
    log('figure f: mask post-processing');
    report.loadAverages['masks'] = loadAverage();
    report.masks = runMasksBench({ rounds: args.masksRounds, warmup: 3 });
  }

  if (['image', 'interactive', 'fanout', 'video', 'objects', 'flops', 'phrases', 'threads', 'firstclick'].some((f) => args.only.has(f as FigureName))) {
    log('models: the benchmark model (generated when its generator changed), the demo models');
    const models = await prepareModels(report.notes);
    report.setup['server'] = 'startApp(loadConfig({PORT: 0, DATA_DIR: <temp>, ENGINE_DEVICE: cpu, LOG_LEVEL: silent, ...defaults})) in this process; fetch POST /graphql; graphql-ws over the ws package';
    report.setup['benchmark model'] = models.bench;
    report.setup['models (figures a to e)'] = models.setup;
    const server = await startBenchServer({ modelsDir: models.dir });
    report.setup['server start'] = `${Math.round(server.startMs)} ms (fresh PGlite database created and migrated)`;
    try {
      if (args.only.has('image')) {
        log(`figures a, b: image segmentation, ${BENCH_MODEL_NAME} (${args.imageRounds} rounds) and demo (${args.demoImageRounds} rounds)`);
        report.loadAverages['image'] = loadAverage();
        report.image = [
          await runImageBench(server, { model: BENCH_MODEL_NAME, objects: 1, rounds: args.imageRounds, budgetSec: args.imageBudgetSec, warmup: 3, threads: loadConfig({}).engine.threads }),
          await runImageBench(server, { model: 'demo', objects: 3, rounds: args.demoImageRounds, warmup: 2, threads: loadConfig({}).engine.threads }),
        ];
      }
      await runEngineFigures(args, report, server, models.dir);
      if (args.only.has('firstclick')) {
        log(`issue 16: first click with background encoding on and off (${BENCH_MODEL_NAME}, up to ${args.firstClickRounds} rounds within ${args.firstClickBudgetSec} s; two more servers)`);
        report.loadAverages['firstclick'] = loadAverage();
        report.firstClick = await runFirstClickBench({ modelsDir: models.dir, model: BENCH_MODEL_NAME, rounds: args.firstClickRounds, budgetSec: args.firstClickBudgetSec, warmup: 1 });
      }
      if (args.only.has('interactive')) {
        log(`figure c: interactive latency, ${args.interactiveClients} clients x ${args.interactiveClicks} clicks, alone and under propagation (${Math.min(2, args.interactiveRounds)} to ${args.interactiveRounds} rounds within ${args.interactiveBudgetSec} s)`);
        report.loadAverages['interactive'] = loadAverage();
        report.interactive = await runInteractiveBench(server, {
          model: BENCH_MODEL_NAME,
          loadModel: BENCH_MODEL_NAME,
          clients: args.interactiveClients,
          clicks: args.interactiveClicks,
          rounds: args.interactiveRounds,
          budgetSec: args.interactiveBudgetSec,
        });
      }
      if (args.only.has('fanout')) {
        log(`figure e: subscription fan-out to ${args.fanoutSubscribers.join(', ')} subscribers (1 to ${args.fanoutRounds} rounds within ${args.fanoutBudgetSec} s)`);
        report.loadAverages['fanout'] = loadAverage();
        report.fanout = await runFanoutBench(server, { model: 'demo', subscribers: args.fanoutSubscribers, rounds: args.fanoutRounds, budgetSec: args.fanoutBudgetSec });
      }
      if (args.only.has('video')) {
        log(`figure d: propagation, models ${models.video.join(', ')} (${args.videoRounds} to ${args.videoMaxRounds} rounds within ${args.videoBudgetSec} s)`);
        report.loadAverages['video'] = loadAverage();
        report.video = await runVideoBench(server, {
          models: models.video,
          rounds: args.videoRounds,
          maxRounds: Math.max(args.videoRounds, args.videoMaxRounds),
          budgetSec: args.videoBudgetSec,
          warmup: 1,
        });
      }
      if (args.only.has('objects')) {
        log(`figure j: propagation with 1, 4, 16 objects (${args.objectsRounds} rounds of ${args.objectsFrames} frames)`);
        report.loadAverages['objects'] = loadAverage();
        report.objects = await runObjectsBench(server, { counts: [1, 4, 16], rounds: args.objectsRounds, frames: args.objectsFrames }, log);
      }
    } finally {
      await server.stop();
      await rm(models.dir, { recursive: true, force: true });
    }
  }

  if (args.only.has('export')) {
    const spec = longDiscVideo(args.exportFrames);
    const video = await cachedLongVideo(spec, args.freshVideo, report);
    log(`figure h: masked-video export of ${spec.frames} frames (${args.exportRounds} round(s))`);
    report.loadAverages['export'] = loadAverage();
    const server = await startBenchServer();
    try {
      report.export = await runExportBench(server, { video, spec, rounds: args.exportRounds });
    } finally {
      await server.stop();
    }
  }

  if (args.only.has('framestore')) {
    const spec = longDiscVideo(2000);
    const video = await cachedLongVideo(spec, args.freshVideo, report);
    log(`figure i: frame store of the ${spec.frames}-frame video, old and new (${args.framestoreRounds} rounds of the store alone; ${args.framestoreTrackRounds} rounds of ${args.framestoreTrackFrames} tracked frames each way)`);
    report.loadAverages['framestore'] = loadAverage();
    report.framestore = await runFrameStoreBench({ video, spec, rounds: args.framestoreRounds, trackRounds: args.framestoreTrackRounds, trackFrames: args.framestoreTrackFrames }, log);
  }

  let memoryBudgetSec = 0;
  if (args.only.has('memory')) {
    const frames = args.memoryFrames;
    const v = longDiscVideo(frames);
    const video = await cachedLongVideo(v, args.freshVideo, report);
    // What is left of the whole run's budget, less the child's start (database, upload, model) and end.
    // ...but enough for the whole video at a quiet machine's pace (about 10 fps) in a full run.
    memoryBudgetSec = args.memoryBudgetSec ?? Math.max(args.quick ? 60 : Math.ceil(frames / 7), Math.round((deadline - performance.now()) / 1000 - 30));
    log(`figure g: memory while propagating ${frames} frames (budget ${memoryBudgetSec} s)`);
    report.loadAverages['memory'] = loadAverage();
    try {
      report.memory = await runMemoryChild({ video, frames, budgetSec: memoryBudgetSec, model: 'demo' });
      if (!report.memory.complete) {
        report.notes.push(
          `Figure g is INCOMPLETE: the ${frames}-frame propagation was cancelled at its ${memoryBudgetSec} s budget (what was left of the run's ${args.budgetSec} s) after ${report.memory.framesDone} frames, at ${fmt(report.memory.fps)} fps; its checkpoints stop there. ` +
            `The full figure needs about ${Math.round(frames / report.memory.fps)} s of propagation at that speed: run it alone with \`node dist/bench/run.js --only=memory --memory-budget-sec=${Math.ceil((frames / report.memory.fps) * 1.3)}\`.`,
        );
      }
    } catch (err) {
      report.memoryError = (err as Error).message;
    }
    report.setup['models (figure g)'] = 'the repository models/ folder (MODELS_DIR), in a child process of its own';
  }

  report.setup['rounds and budgets'] =
    `whole run ${args.budgetSec} s; image up to ${args.imageRounds} rounds on ${BENCH_MODEL_NAME} (at least 5, within ${args.imageBudgetSec} s; +3 warm-up), ${args.demoImageRounds} on demo (+2); ` +
    `interactive ${Math.min(2, args.interactiveRounds)} to ${args.interactiveRounds} rounds (within ${args.interactiveBudgetSec} s) of ${args.interactiveClients} clients x ${args.interactiveClicks} clicks per phase; fan-out 1 to ${args.fanoutRounds} rounds (within ${args.fanoutBudgetSec} s) of ${args.fanoutSubscribers.join('/')} subscribers; video ${args.videoRounds} to ${args.videoMaxRounds} rounds within ${args.videoBudgetSec} s ` +
    `(+1 short warm-up propagation per model); masks ${args.masksRounds} rounds (+3 warm-up); ` +
    `objects ${args.objectsRounds} rounds of ${args.objectsFrames} frames; frame store ${args.framestoreRounds} rounds of the store alone, ${args.framestoreTrackRounds} of ${args.framestoreTrackFrames} tracked frames each way; ` +
    `export ${args.exportRounds} round(s) of ${args.exportFrames} frames; phrases up to ${args.phrasesRounds} rounds within ${args.phrasesBudgetSec} s; threads ${args.threadsSettings.join('/')} up to ${args.threadsRounds} rounds within ${args.threadsBudgetSec} s` +
    (args.only.has('memory') ? `; memory ${args.memoryFrames} frames within ${memoryBudgetSec} s` : '');
  report.loadAverages['end'] = loadAverage();
  report.durationSec = (performance.now() - started) / 1000;
  const dir = path.join(PACKAGE_ROOT, 'bench', 'results');
  const files = await writeReport(report, dir);
  process.stdout.write(markdown(report) + '\n');
  log(`wrote ${path.relative(process.cwd(), files.md)} and ${path.relative(process.cwd(), files.json)} in ${Math.round(report.durationSec)} s`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
