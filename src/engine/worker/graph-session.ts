// What the engine runs a graph through: an ORT session in a device's worker thread
// (remote-session.ts), or, with the test hook EngineOptions.createSession, one on this thread.
import type * as ort from 'onnxruntime-node';
import type { ChainedRun, RunOptions as WireRunOptions, SessionMetadata } from './wire.js';

export interface RunOptions extends WireRunOptions {
  /** A graph of the same device run first; its outputs join the feeds (wire.ts ChainedRun). */
  before?: ChainedRun<GraphSession>;
}

export interface GraphSession extends SessionMetadata {
  run(feeds: Record<string, ort.Tensor>, opts?: RunOptions): Promise<Record<string, ort.Tensor>>;
  release(): Promise<void>;
}

/** An in-process session: it runs on the calling thread, so RunOptions have nothing to save. */
export function localSession(s: ort.InferenceSession): GraphSession {
  return {
    inputNames: s.inputNames,
    outputNames: s.outputNames,
    inputMetadata: s.inputMetadata,
    outputMetadata: s.outputMetadata,
    run: async (feeds, opts) => {
      const first = opts?.before ? await opts.before.session.run(opts.before.feeds as Record<string, ort.Tensor>) : {};
      return (await s.run({ ...first, ...feeds })) as Record<string, ort.Tensor>;
    },
    release: () => s.release(),
  };
}
