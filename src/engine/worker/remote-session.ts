// An ORT session living in a device's worker thread, with the InferenceSession surface the
// engine uses (run, release, metadata). Feeds cross as wire.ts says; outputs arrive moved.
import * as ort from 'onnxruntime-node';
import type { GraphSession } from './graph-session.js';
import { packFeeds, WorkerRequestError, type CreatedSession, type RunOptions, type WireTensor, type WorkerChannel } from './wire.js';

const fromWire = (w: WireTensor) => new ort.Tensor(w.type, w.data as never, w.dims);

export class RemoteSession implements GraphSession {
  readonly inputNames: CreatedSession['inputNames'];
  readonly outputNames: CreatedSession['outputNames'];
  readonly inputMetadata: CreatedSession['inputMetadata'];
  readonly outputMetadata: CreatedSession['outputMetadata'];
  private readonly id: number;

  constructor(
    private readonly worker: WorkerChannel,
    created: CreatedSession,
  ) {
    this.id = created.session;
    this.inputNames = created.inputNames;
    this.outputNames = created.outputNames;
    this.inputMetadata = created.inputMetadata;
    this.outputMetadata = created.outputMetadata;
  }

  async run(feeds: Record<string, ort.Tensor>, opts: RunOptions = {}): Promise<Record<string, ort.Tensor>> {
    let out: Record<string, WireTensor>;
    try {
      out = await this.send(feeds, opts, false);
    } catch (err) {
      if (!(err instanceof WorkerRequestError && err.missing)) throw err;
      // The worker let some kept tensors go: send everything as data (it keeps them again).
      // What was moved there came back in the reply.
      const again = { ...feeds, ...Object.fromEntries(Object.entries(err.missing.returned).map(([k, w]) => [k, fromWire(w)])) };
      out = await this.send(again, opts, true);
    }
    const result: Record<string, ort.Tensor> = {};
    for (const [name, w] of Object.entries(out)) {
      result[name] = fromWire(w);
      if (w.keptId !== undefined) this.worker.kept.register(result[name].data, w.keptId);
    }
    return result;
  }

  private send(feeds: Record<string, ort.Tensor>, opts: RunOptions, resend: boolean): Promise<Record<string, WireTensor>> {
    const packed = packFeeds(feeds, opts, this.worker.kept, resend);
    return this.worker.request({ op: 'run', session: this.id, feeds: packed.feeds, keepOutputs: !!opts.keepOutputs }, packed.transfer);
  }

  async release(): Promise<void> {
    await this.worker.releaseSession(this.id);
  }
}
