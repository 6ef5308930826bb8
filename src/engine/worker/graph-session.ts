// What the engine runs a graph through: an ORT session in a device's worker thread
// (remote-session.ts), or, with the test hook EngineOptions.createSession, one on this thread.
import type * as ort from 'onnxruntime-node';
import type { RunOptions, SessionMetadata } from './wire.js';

export type { RunOptions } from './wire.js';

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
    run: (feeds) => s.run(feeds) as Promise<Record<string, ort.Tensor>>,
    release: () => s.release(),
  };
}
