// What one run of the benchmarks measured: the shape of latest.json, read by every report section.
import type { FanoutResult } from './fanout.bench.js';
import type { ImageResult } from './image.bench.js';
import type { InteractiveResult } from './interactive.bench.js';
import type { MasksResult } from './masks.bench.js';
import type { ExportResult } from './export.bench.js';
import type { FrameStoreResult } from './framestore.bench.js';
import type { ObjectsResult } from './objects.bench.js';
import type { MemoryResult } from './memory.bench.js';
import type { VideoResult } from './video.bench.js';
import type { EngineReport } from './report-engine.js';
import type { FirstClickResult } from './firstclick.bench.js';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  onnxruntimeNode: string;
  ortThreads: string;
  loadAverageAtStart: number[];
}

export interface Report {
  generatedAt: string;
  command: string;
  durationSec: number;
  machine: Machine;
  setup: Record<string, string>;
  /** os.loadavg() (1, 5, 15 min) when each figure started and at the end: how busy the shared machine was. */
  loadAverages: Record<string, number[]>;
  /** Figures a and b: the benchmark model first, then the demo model. */
  image?: ImageResult[];
  interactive?: InteractiveResult;
  fanout?: FanoutResult;
  video?: VideoResult;
  memory?: MemoryResult;
  memoryError?: string;
  masks?: MasksResult;
  export?: ExportResult;
  framestore?: FrameStoreResult;
  objects?: ObjectsResult;
  /** Issue 16's engine figures (report-engine.ts). */
  engine?: EngineReport;
  /** Issue 16: first click with background encoding on and off (firstclick.bench.ts). */
  firstClick?: FirstClickResult;
  notes: string[];
}
