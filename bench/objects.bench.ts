// Figure j: propagation with 1, 4 and 16 objects (issue 16), sam2-video tracker on `demo` (the
// only model here with SAM 2's video graphs). Every object of a frame goes through the mask
// decoder in one run; memory attention and the memory encoder stay one run per object (their
// graphs have a batch of 1). The raw tracker loop of a session (no job, no GraphQL), 20 frames
// forward from frame 0 of the discs video, object k clicked on disc k % 2 (k / 2 pixels apart),
// the counts rotated round by round. Reported: fps, object-frames per second, and session.run
// calls per frame by graph (video_decoder ≈ 1 whatever the count shows the batching).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeDiscsVideo, TWO_DISCS } from './lib/media.js';
import { ADD_PROMPT, CLOSE_SESSION, createProject, gql, START_SESSION, upload, type BenchServer } from './lib/server.js';
import { figure, fmt, fmtFigure, rotated, type Figure } from './lib/stats.js';

export interface ObjectsOptions {
  counts: number[];
  rounds: number;
  frames: number;
}

export interface ObjectsResult {
  model: string;
  tracker: string;
  frames: number;
  rounds: number;
  rows: { objects: number; fps: Figure; objectFramesPerSec: Figure; runsPerFrame: Record<string, number> }[];
}


export async function runObjectsBench(server: BenchServer, o: ObjectsOptions, log: (m: string) => void): Promise<ObjectsResult> {
  const { app, url } = server;
  const dir = await mkdtemp(path.join(tmpdir(), 'maskql-bench-obj-'));
  const restore: (() => void)[] = [];
  try {
    const file = path.join(dir, 'discs.mp4');
    await encodeDiscsVideo(TWO_DISCS, file);
    const projectId = await createProject(url, 'objects');
    const media = await upload(url, projectId, 'discs.mp4', await readFile(file));
    // Counts session.run calls by graph while a measured loop runs.
    let calls: Map<string, number> | null = null;
    const model = await app.engine.model('demo');
    for (const [graph, session] of Object.entries(model.sessions)) {
      const run = session.run;
      (session as { run: unknown }).run = function (this: typeof session, ...args: unknown[]) {
        if (calls) calls.set(graph, (calls.get(graph) ?? 0) + 1);
        return (run as (...a: unknown[]) => Promise<unknown>).apply(this, args);
      };
      restore.push(() => ((session as { run: unknown }).run = run));
    }
    const fps = new Map<number, number[]>(o.counts.map((n) => [n, []]));
    const runs = new Map<number, Map<string, number>>();
    let tracker = '';
    for (let r = 0; r < o.rounds; r++) {
      for (const n of rotated(o.counts, r)) {
        const s = (await gql(url, START_SESSION, { input: { mediaId: media.id, model: 'demo' } })).startSession.session;
        tracker = s.tracker;
        for (let k = 0; k < n; k++) {
          const [x, y] = TWO_DISCS.discs[k % 2]!.path(0);
          await gql(url, ADD_PROMPT, { input: { sessionId: s.id, frameIndex: 0, coordinates: 'PIXELS', points: [{ x: x + Math.floor(k / 2), y }] } });
        }
        const live = await app.services.liveSessions.ensureLive(await app.services.sessions.row(s.id));
        app.engine.cache.clear();
        calls = new Map();
        const t0 = performance.now();
        let frames = 0;
        try {
          for await (const f of live.tracker.propagate({ start: 1, direction: 'forward', maxFrames: o.frames })) if (f.objects.length === n) frames++;
        } finally {
          runs.set(n, calls);
          calls = null;
        }
        const sec = (performance.now() - t0) / 1000;
        await gql(url, CLOSE_SESSION, { input: { sessionId: s.id } });
        if (frames !== o.frames) throw new Error(`objects: ${frames} of ${o.frames} frames listed all ${n} objects`);
        fps.get(n)!.push(frames / sec);
        log(`objects round ${r + 1}: ${n} object(s) ${fmt(frames / sec)} fps`);
      }
    }
    return {
      model: 'demo',
      tracker,
      frames: o.frames,
      rounds: o.rounds,
      rows: o.counts.map((n) => ({
        objects: n,
        fps: figure(fps.get(n)!, 'fps'),
        objectFramesPerSec: figure(fps.get(n)!.map((f) => f * n), '/s'),
        runsPerFrame: Object.fromEntries([...(runs.get(n) ?? new Map<string, number>())].map(([g, c]) => [g, c / o.frames])),
      })),
    };
  } finally {
    for (const f of restore) f();
    await rm(dir, { recursive: true, force: true });
  }
}

export function objectsMarkdown(x: ObjectsResult): string[] {
  const out = [`## j. Propagation with 1, 4 and 16 objects (issue 16: \`${x.model}\`, ${x.tracker}, raw tracker loop, ${x.frames} frames of the discs video, ${x.rounds} rounds)`, ''];
  out.push('| objects | fps | object-frames / s | session.run per frame, by graph |', '| ---: | ---: | ---: | --- |');
  for (const r of x.rows) out.push(`| ${r.objects} | ${fmtFigure(r.fps)} | ${fmtFigure(r.objectFramesPerSec)} | ${Object.entries(r.runsPerFrame).map(([g, c]) => `${g} ${fmt(c)}`).join(', ')} |`);
  out.push('', 'The mask decoder takes every object of a frame in one run (video_decoder ≈ 1 run per frame); memory attention and the memory encoder run once per object: in the demo\'s graphs (as in the SAM 2 ONNX exports they follow) their inputs have a batch dimension of 1 — `memory_attention` current_vision_feat [1, C, 64, 64], memory_0 [1, num_obj_ptrs, D], memory_1 [1, num_memories, …]; `memory_encoder` mask_for_mem [1, 1, 1024, 1024] — while `video_decoder` has num_labels on point_coords, point_labels and image_embed. `bench-sam2` has no video graphs.', '');
  return out;
}
