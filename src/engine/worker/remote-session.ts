// An ORT session living in a device's worker thread, with the InferenceSession surface the
// engine uses (run, release, metadata). Feeds cross as wire.ts says; outputs arrive moved.
import * as ort from 'onnxruntime-node';
import type { GraphSession, RunOptions } from './graph-session.js';
import { packFeeds, toWire, WorkerRequestError, type CreatedSession, type WireTensor, type WorkerChannel } from './wire.js';

const fromWire = (w: WireTensor) => new ort.Tensor(w.type, w.data as never, w.dims);

export class RemoteSession implements GraphSession {
  readonly inputNames: CreatedSession['inputNames'];
  readonly outputNames: CreatedSession['outputNames'];
  readonly inputMetadata: CreatedSession['inputMetadata'];
  readonly outputMetadata: CreatedSession['outputMetadata'];
  readonly id: number;

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
      const back = (r: Record<string, WireTensor>) => Object.fromEntries(Object.entries(r).map(([k, w]) => [k, fromWire(w)]));
      const again = { ...feeds, ...back(err.missing.returned) };
      const before = opts.before && { ...opts.before, feeds: { ...opts.before.feeds, ...back(err.missing.returnedBefore ?? {}) } };
      out = await this.send(again, { ...opts, before }, true);
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
    let before: { session: number; feeds: Record<string, WireTensor> } | undefined;
    if (opts.before) {
      const first = opts.before.session;
      if (!(first instanceof RemoteSession) || first.worker !== this.worker) throw new Error('A chained run needs a session of the same device worker');
      const moved = opts.before.transfer ?? [];
      // Always as data: a chained run's feeds are fresh inputs, never kept tensors.
      before = { session: first.id, feeds: Object.fromEntries(Object.entries(opts.before.feeds).map(([k, t]) => [k, toWire(t, moved.includes(k), packed.transfer)])) };
    }
    return this.worker.request({ op: 'run', session: this.id, feeds: packed.feeds, keepOutputs: !!opts.keepOutputs, before }, packed.transfer);
  }

  async release(): Promise<void> {
    await this.worker.releaseSession(this.id);
  }
}
