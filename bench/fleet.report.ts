// The fleet benchmark's section of bench/results/latest.md ("## Fleet"), between its markers:
// written in place, the rest of the file left as other benchmarks wrote it.
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT } from '../src/paths.js';
import { fmt, fmtFigure, type Figure } from './lib/stats.js';

/** What each figure of bench/fleet.bench.ts measured. */
export interface ClickResult { allMs: Figure; apiWorkerMs: Figure; addedMs: Figure; ratio: Figure; rounds: number; clicksPerRound: number }
export interface BatchResult { oneWorker: Figure; twoWorkers: Figure; speedup: Figure; jobs: number; imagesPerJob: number; rounds: number }
export interface FanoutResult {
  subscribers: number;
  apis: number;
  frames: number;
  /** Frames missing on sockets that stayed open to the end (must be 0). */
  lost: number;
  /** Sockets closed before the end (by the network or a server under load), and the frames they missed. */
  socketsClosed: number;
  missedByClosed: number;
  duplicates: number;
  outOfOrder: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
}

export function markdownSection(r: { quick: boolean; transport: { roundTripMs: Figure; calls: number }; click: ClickResult; batch: BatchResult; fanout: FanoutResult; at: string; seconds: number }): string {
  const l = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  return `## Fleet (issue 13): api and worker processes

Generated ${r.at} by \`node dist/bench/fleet.bench.js${r.quick ? ' --quick' : ''}\` in ${Math.round(r.seconds)} s on ${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} cores, Node ${process.version}; load average at the end ${l}. Real processes of dist/src/main.js (\`--role api|worker|all\`, ENGINE_DEVICE=cpu) on the machine's PostgreSQL and Redis, model \`demo\`; clients in the bench process.

| figure | median (min–max) | what |
| --- | --- | --- |
| i. click on an \`all\` process | ${fmtFigure(r.click.allMs)} | segmentImage over HTTP, embedding cached; median of ${r.click.clicksPerRound} clicks per round, ${r.click.rounds} rounds |
| i. click through api → worker | ${fmtFigure(r.click.apiWorkerMs)} | the same click sent to an api process, run on the worker that holds the image (BullMQ queue of that worker + QueueEvents) |
| i. **added by the hop** | **${fmtFigure(r.click.addedMs)}** | paired per round (api → worker minus all); ratio ${fmtFigure(r.click.ratio)} |
| i. the transport alone | ${fmtFigure(r.transport.roundTripMs)} | one routed call with a handler that answers at once (a click-sized payload), caller and worker in one process: BullMQ add, fetch, complete, QueueEvents; ${r.transport.calls} calls |
| ii. batch, 1 worker | ${fmtFigure(r.batch.oneWorker)} | ${r.batch.jobs} startBatchSegmentation jobs at once, ${r.batch.imagesPerJob} images of 320x240 each, pointsPerSide 16; ENGINE_THREADS=1 per worker |
| ii. batch, 2 workers | ${fmtFigure(r.batch.twoWorkers)} | the same with a second worker process |
| ii. **speed-up, 2 over 1 worker** | **${fmtFigure(r.batch.speedup)}** | paired per round (${r.batch.rounds} rounds); the two jobs run one after the other on one worker, side by side on two |
| iii. subscribers | ${r.fanout.subscribers} over ${r.fanout.apis} api processes | graphql-ws sockets, half on each; one propagation of ${r.fanout.frames} frames started through api 2, run on a worker |
| iii. **frames lost** | **${r.fanout.lost}** | expected frames never received on a socket that stayed open, summed over subscribers (must be 0) |
| iii. sockets closed early | ${r.fanout.socketsClosed} (${r.fanout.missedByClosed} frames missed) | sockets that closed before the job ended (a client would reconnect and replay); see bench/README.md |
| iii. duplicates, out of order | ${r.fanout.duplicates}, ${r.fanout.outOfOrder} | frames received more than once; frames received after a later one |
| iii. delivery p50 / p99 / max | ${fmt(r.fanout.latencyP50Ms)} / ${fmt(r.fanout.latencyP99Ms)} / ${fmt(r.fanout.latencyMaxMs)} ms | from the frame's message crossing Redis (a tap in the bench process) to its receipt on a socket |
`;
}

export async function writeSection(section: string): Promise<string> {
  const file = path.join(PACKAGE_ROOT, 'bench', 'results', 'latest.md');
  const begin = '<!-- fleet:begin -->';
  const end = '<!-- fleet:end -->';
  const block = `${begin}\n${section}${end}\n`;
  const text = await readFile(file, 'utf8').catch(() => '# maskql benchmarks: latest results\n');
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  const next = i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + end.length + 1) : `${text.trimEnd()}\n\n${block}`;
  await writeFile(file, next);
  return file;
}

