// The sam2-video tracker decodes every object of a frame in one mask-decoder run. Objects are
// independent in SAM 2 (one memory bank each), so each object's masks in a group must be exactly
// those it gets tracked alone — forward and backward, with a second object prompted on a later
// frame (prompted frames decode from their own points, the others from memory).
import { inject } from 'vitest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Engine, openTracker, type FrameSource, type ObjectPrompt, type Tracker } from '../../../src/engine/index.js';
import { DISCS, DISCS_VIDEO, discFrame } from '../../support/discs-video.js';

const FRAMES = 8;
let engine: Engine;

const video: FrameSource = {
  width: DISCS_VIDEO.width,
  height: DISCS_VIDEO.height,
  frameCount: FRAMES,
  frame: (i) => ({
    key: `discs:f${i}`,
    width: DISCS_VIDEO.width,
    height: DISCS_VIDEO.height,
    pixels: async () => ({ kind: 'raw', data: discFrame(i), width: DISCS_VIDEO.width, height: DISCS_VIDEO.height, channels: 3 }),
  }),
};

/** Object k: a click on disc k % 2 (objects 2 and 3 repeat discs 0 and 1 with one more point), on frame `on`. */
function prompt(k: number, on: number): ObjectPrompt {
  const [x, y] = DISCS[k % 2]!.path(on);
  const points = [{ x, y, positive: true }];
  if (k >= 2) points.push({ x: x + 3, y: y + 2, positive: true });
  return { points };
}
const PROMPTS = [
  { k: 0, on: 0 },
  { k: 1, on: 0 },
  { k: 2, on: 0 },
  { k: 3, on: 5 },
];

async function track(objects: typeof PROMPTS, start: number, direction: 'forward' | 'backward'): Promise<Map<string, string | null>> {
  const model = await engine.model('demo');
  const tracker: Tracker = openTracker(engine, model, video, 64 << 20);
  try {
    expect(tracker.kind).toBe('sam2-video');
    for (const o of objects) await tracker.addPrompt(o.on, o.k + 1, prompt(o.k, o.on), false);
    const out = new Map<string, string | null>();
    for await (const f of tracker.propagate({ start, direction })) {
      for (const o of f.objects) out.set(`${f.frameIndex}/${o.objectId}`, o.mask ? `${o.mask.rle.counts}|${o.mask.score}` : null);
    }
    return out;
  } finally {
    tracker.dispose();
  }
}

beforeAll(async () => {
  engine = await Engine.create({ modelsDir: inject('modelsDir'), device: 'cpu', concurrency: 1, threads: 0, embeddingCacheBytes: 64 << 20, inferenceTimeoutMs: 60_000, log: { info: () => {}, warn: () => {} } });
});
afterAll(() => engine?.dispose());

it('each object of a batched frame gets exactly the masks it gets tracked alone', async () => {
  for (const [start, direction] of [[0, 'forward'], [FRAMES - 1, 'backward']] as const) {
    const together = await track(PROMPTS, start, direction);
    expect(together.size).toBe(FRAMES * PROMPTS.length);
    expect([...together.values()].filter((m) => m !== null).length).toBeGreaterThan(FRAMES * 2);
    for (const o of PROMPTS) {
      const alone = await track([o], start, direction);
      for (const [key, mask] of alone) expect(together.get(key), `${direction} ${key}`).toBe(mask);
    }
  }
}, 300_000);
