// Runs figure 3 in a process of its own (run.ts spawns it):
//   node --expose-gc dist/bench/memory.child.js <video> <frames> <budgetSec> <model> <out.json>
import { writeFile } from 'node:fs/promises';
import { runMemoryBench } from './memory.bench.js';

const [video, frames, budgetSec, model, out] = process.argv.slice(2);
if (!video || !frames || !budgetSec || !model || !out) {
  console.error('usage: memory.child.js <video> <frames> <budgetSec> <model> <out.json>');
  process.exit(2);
}
const result = await runMemoryBench({ video, frames: Number(frames), budgetSec: Number(budgetSec), model });
await writeFile(out, JSON.stringify(result));
process.exit(0);
