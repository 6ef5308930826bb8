// Figure h: export speed of the masked video (frames per second, start to COMPLETED) over the long
// video of figure g. Its masks are the disc's ground truth stored straight into FrameMask (one
// object, every frame), so the figure is the export alone — decode, compose, encode, audio-less —
// not propagation. Variants alternate round by round: MP4 overlay (libx264) and WebM cut-out with
// alpha (libvpx-vp9, yuva420p).
import { readFile } from 'node:fs/promises';
import { encodeRleWithStats } from '../src/engine/masks/coco-rle.js';
import { type DiscsVideo } from './lib/media.js';
import { createProject, gql, START_SESSION, upload, type BenchServer } from './lib/server.js';
import { figure, rotated, type Figure } from './lib/stats.js';

export interface ExportOptions {
  video: string;
  spec: DiscsVideo;
  rounds: number;
}

export interface ExportVariantResult {
  name: string;
  fps: Figure;
  cpuMsPerFrame: Figure;
  megabytes: number;
}

export interface ExportResult {
  video: string;
  frames: number;
  rounds: number;
  variants: ExportVariantResult[];
}

const START_EXPORT = 'mutation($input: StartExportInput!) { startExport(input: $input) { job { id } } }';
const JOB = 'query($id: ID!) { job(id: $id) { status framesDone error { code message } artifacts { byteSize } } }';

const VARIANTS = [
  { name: 'MP4 overlay (H.264)', video: { container: 'MP4', effect: 'OVERLAY' } },
  { name: 'WebM cut-out with alpha (VP9)', video: { container: 'WEBM', effect: 'CUTOUT' } },
] as const;

function discMask(v: DiscsVideo, i: number): Uint8Array {
  const d = v.discs[0]!;
  const [cx, cy] = d.path(i);
  const m = new Uint8Array(v.width * v.height);
  for (let y = Math.max(0, Math.floor(cy - d.r)); y < Math.min(v.height, Math.ceil(cy + d.r)); y++) {
    for (let x = Math.max(0, Math.floor(cx - d.r)); x < Math.min(v.width, Math.ceil(cx + d.r)); x++) {
      if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= d.r * d.r) m[y * v.width + x] = 1;
    }
  }
  return m;
}

/** A session on the video whose one object's masks are stored directly (no propagation). */
async function sessionWithMasks(server: BenchServer, o: ExportOptions): Promise<string> {
  const projectId = await createProject(server.url, 'bench-export');
  const media = await upload(server.url, projectId, 'long.mp4', await readFile(o.video));
  const { startSession } = await gql(server.url, START_SESSION, { input: { mediaId: media.id, model: 'demo' } });
  const sessionId: string = startSession.session.id;
  const prisma = server.app.db.prisma;
  await prisma.trackedObject.create({ data: { sessionId, objectId: 1, label: 'disc' } });
  for (let from = 0; from < o.spec.frames; from += 200) {
    const rows = [];
    for (let i = from; i < Math.min(o.spec.frames, from + 200); i++) {
      const { rle, bbox, area } = encodeRleWithStats({ width: o.spec.width, height: o.spec.height, data: discMask(o.spec, i) });
      rows.push({ sessionId, objectId: 1, frameIndex: i, height: o.spec.height, width: o.spec.width, counts: rle.counts, bboxX: bbox[0], bboxY: bbox[1], bboxW: bbox[2], bboxH: bbox[3], area, score: 1 });
    }
    await prisma.frameMask.createMany({ data: rows });
  }
  return sessionId;
}

/** One retry when a kept-alive socket was closed by the server meanwhile (ECONNRESET): safe, as the mutation carries a clientRequestId. */
async function retried<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if ((err as { cause?: { code?: string } }).cause?.code !== 'ECONNRESET') throw err;
    return fn();
  }
}

async function exportOnce(server: BenchServer, sessionId: string, video: object, round: number): Promise<{ seconds: number; cpuMs: number; bytes: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const clientRequestId = `bench-export-${round}-${JSON.stringify(video)}`;
  const { startExport } = await retried(() => gql(server.url, START_EXPORT, { input: { format: 'MASKED_VIDEO', sessionId, video, clientRequestId } }));
  for (;;) {
    const { job } = await retried(() => gql(server.url, JOB, { id: startExport.job.id }));
    if (job.status === 'COMPLETED') {
      const cpu = process.cpuUsage(cpu0);
      return { seconds: (performance.now() - t0) / 1000, cpuMs: (cpu.user + cpu.system) / 1000, bytes: job.artifacts[0].byteSize };
    }
    if (job.status === 'FAILED' || job.status === 'CANCELLED') throw new Error(`export ${job.status}: ${job.error?.message ?? ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function runExportBench(server: BenchServer, o: ExportOptions): Promise<ExportResult> {
  const sessionId = await sessionWithMasks(server, o);
  const samples = VARIANTS.map(() => ({ fps: [] as number[], cpu: [] as number[], bytes: 0 }));
  for (let round = 0; round < o.rounds; round++) {
    for (const k of rotated(VARIANTS.map((_, i) => i), round)) {
      const r = await exportOnce(server, sessionId, VARIANTS[k]!.video, round);
      samples[k]!.fps.push(o.spec.frames / r.seconds);
      // ffmpeg's own CPU is in child processes: this is the server's share (decode pipe, compose, database).
      samples[k]!.cpu.push(r.cpuMs / o.spec.frames);
      samples[k]!.bytes = r.bytes;
    }
  }
  return {
    video: `${o.spec.width}x${o.spec.height}, ${o.spec.frames} frames at ${o.spec.fps} fps`,
    frames: o.spec.frames,
    rounds: o.rounds,
    variants: VARIANTS.map((v, i) => ({ name: v.name, fps: figure(samples[i]!.fps, 'fps'), cpuMsPerFrame: figure(samples[i]!.cpu, 'ms'), megabytes: samples[i]!.bytes / 2 ** 20 })),
  };
}
