// Issue 16: ENGINE_THREADS (ONNX Runtime's intra-op threads per session) swept on this machine.
// One server per setting, in this process, all on the same models folder; round by round (order
// rotated), each server segments the 640x480 shapes picture through the engine (engine.segment,
// as the GraphQL resolvers call it): uncached (embedding cache cleared: preprocessing graph,
// encoder, decoder, masks) then cached (decoder, masks), on bench-sam2 (one click) and demo
// (three clicks). Wall time and the process's CPU time per call; ratios against the default.
import type { ImageSource, ObjectPrompt } from '../src/engine/image-source.js';
import { drawRgb, PICTURE, PICTURE_CLICKS, PICTURE_SHAPES, pngOf } from './lib/media.js';
import { startBenchServer, type BenchServer } from './lib/server.js';
import { budgetedRounds, figure, pairedRatio, rotated, type Figure } from './lib/stats.js';

export interface ThreadsResult {
  device: string;
  settings: number[];
  rounds: number;
  /** By model, then by setting: uncached and cached ms, CPU ms, and the ratio to setting 0 (paired). */
  models: { model: string; objects: number; bySetting: Record<string, Record<string, Figure>> }[];
  /** The setting with the lowest median uncached + cached ms summed over the models. */
  best: number;
  /** The best setting's uncached + cached ms (both models) over the first setting's, paired by round. */
  bestVsBase: Figure;
}

export async function runThreadsBench(opts: { modelsDir: string; settings: number[]; models: { model: string; objects: number }[]; rounds: number; budgetSec: number; device?: string }): Promise<ThreadsResult> {
  const { width, height } = PICTURE;
  const png = await pngOf(drawRgb(width, height, PICTURE_SHAPES), width, height);
  const image: ImageSource = { key: 'bench:threads.png', width, height, pixels: async () => ({ kind: 'encoded', bytes: png }) };
  const servers = new Map<number, BenchServer>();
  const s = new Map<string, number[]>();
  const push = (k: string, v: number) => (s.get(k) ?? s.set(k, []).get(k)!).push(v);
  try {
    for (const t of opts.settings) servers.set(t, await startBenchServer({ modelsDir: opts.modelsDir, env: { ENGINE_THREADS: String(t), ENGINE_DEVICE: opts.device ?? 'cpu' } }));
    const call = async (srv: BenchServer, model: string, prompts: ObjectPrompt[]) => {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const r = await srv.app.engine.segment({ model, image, objects: prompts, multimask: false, threshold: 0, polygons: false });
      const c = process.cpuUsage(c0);
      return { ms: performance.now() - t0, cpu: (c.user + c.system) / 1000, hit: r.cacheHit };
    };
    const round = async (r: number, record: boolean) => {
      for (const t of rotated(opts.settings, r)) {
        const srv = servers.get(t)!;
        for (const m of opts.models) {
          const prompts = PICTURE_CLICKS.slice(0, m.objects).map((c) => ({ points: [{ x: c.x * width, y: c.y * height, positive: true }] }));
          srv.app.engine.cache.clear();
          const u = await call(srv, m.model, prompts);
          const c = await call(srv, m.model, prompts);
          if (u.hit || !c.hit) throw new Error('threads: unexpected cache state');
          if (!record) continue;
          push(`${m.model}|${t}|uncached`, u.ms);
          push(`${m.model}|${t}|cached`, c.ms);
          push(`${m.model}|${t}|cpuUncached`, u.cpu);
          push(`${m.model}|${t}|cpuCached`, c.cpu);
          push(`${m.model}|${t}|sum`, u.ms + c.ms);
        }
      }
    };
    await round(0, false); // warm-up: loads the models in every server
    const rounds = await budgetedRounds({ max: opts.rounds, min: 3, budgetSec: opts.budgetSec }, (r) => round(r + 1, true));
    const base = opts.settings[0]!;
    const models = opts.models.map((m) => ({
      model: m.model,
      objects: m.objects,
      bySetting: Object.fromEntries(
        opts.settings.map((t) => {
          const k = (x: string) => s.get(`${m.model}|${t}|${x}`) ?? [];
          return [String(t), {
            uncachedMs: figure(k('uncached'), 'ms'),
            cachedMs: figure(k('cached'), 'ms'),
            cpuUncachedMs: figure(k('cpuUncached'), 'ms'),
            cpuCachedMs: figure(k('cpuCached'), 'ms'),
            uncachedVsBase: pairedRatio(k('uncached'), s.get(`${m.model}|${base}|uncached`) ?? []),
            cachedVsBase: pairedRatio(k('cached'), s.get(`${m.model}|${base}|cached`) ?? []),
          }];
        }),
      ),
    }));
    const score = (t: number) => opts.models.reduce((n, m) => n + figure(s.get(`${m.model}|${t}|sum`) ?? [], 'ms').median, 0);
    const best = [...opts.settings].sort((a, b) => score(a) - score(b))[0]!;
    // Per round, both models summed: what the best setting saves against the first, round by round.
    const total = (t: number) => opts.models.map((m) => s.get(`${m.model}|${t}|sum`) ?? []).reduce((acc, xs) => xs.map((x, i) => x + (acc[i] ?? 0)), [] as number[]);
    return { device: opts.device ?? 'cpu', settings: opts.settings, rounds, models, best, bestVsBase: pairedRatio(total(best), total(base)) };
  } finally {
    for (const srv of servers.values()) await srv.stop();
  }
}
