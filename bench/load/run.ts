// The load run (npm run load): 50 concurrent clients for 60 s, three times, against a server it
// starts or one given by --url. Prints p50/p99 latency per operation, errors by code (anything
// but RATE_LIMITED makes the exit code 1), and the server's memory at start and after each run.
import { LoadClient } from './client.js';
import { parseArgs } from './args.js';
import { createFixtures } from './fixtures.js';
import { Recorder } from './recorder.js';
import { printMemory, printRun, type MemoryPoint } from './report.js';
import { spawnServer, type SpawnedServer } from './server.js';
import { queryWorker, sessionWorker } from './workers.js';

/** mulberry32: the same seed, the same mix of operations. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2), process.env);
  let spawned: SpawnedServer | undefined;
  if (!opts.url) spawned = await spawnServer();
  const client = new LoadClient(opts.url ?? spawned!.url, opts.apiKey);
  let failed = false;
  try {
    console.log(`maskql load: ${client.url}, ${opts.clients} clients (${opts.sessionClients} with tracking sessions), ${opts.durationSec} s x ${opts.runs} runs`);
    const fixtures = await createFixtures(client);
    // Warm the embeddings of the stored pictures: "cached" means cached.
    for (const mediaId of fixtures.imageIds) await client.must(`mutation($input: SegmentImageInput!) { segmentImage(input: $input) { cacheHit } }`, { input: { mediaId, objects: [{ points: [{ x: 0.5, y: 0.5 }] }] } });
    await settle(2000);
    const memory: MemoryPoint[] = [{ label: 'start', ...(await client.memory()) }];
    const total = new Recorder();
    for (let run = 1; run <= opts.runs; run++) {
      const recorder = new Recorder();
      const deadline = Date.now() + opts.durationSec * 1000;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: opts.clients }, (_, k) => {
          const env = { client, fixtures, recorder, deadline, rand: rng(opts.seed * 1000 + run * 100 + k) };
          return k < opts.sessionClients ? sessionWorker(env) : queryWorker(env);
        }),
      );
      printRun(`run ${run} (${((performance.now() - started) / 1000).toFixed(1)} s including the last answers)`, recorder, opts.durationSec);
      total.merge(recorder);
      await settle(3000);
      memory.push({ label: `after run ${run}`, ...(await client.memory()) });
    }
    if (opts.runs > 1) printRun(`all ${opts.runs} runs`, total, opts.durationSec * opts.runs);
    printMemory(memory);
    failed = total.unexpectedErrors() > 0;
  } finally {
    await spawned?.stop();
  }
  process.exitCode = failed ? 1 : 0;
}

main().catch((err) => {
  console.error(`load run failed: ${(err as Error).message}`);
  process.exitCode = 2;
});
