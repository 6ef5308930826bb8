// The ORT worker of one device (one thread): it owns that device's InferenceSessions and runs
// them here, because onnxruntime-node's run blocks the thread it is called on. Outputs are moved
// to the main thread; with keepOutputs a copy also stays here, in an LRU bounded in bytes, so the
// next runs on that image name it by id instead of sending it again. Protocol: wire.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { LRUCache } from 'lru-cache';
import * as ort from 'onnxruntime-node';
import { isRef, toWire, type CreatedSession, type Reply, type Request, type WireTensor } from './wire.js';

const port = parentPort!;
const { keptBytes } = workerData as { keptBytes: number };
const sessions = new Map<number, ort.InferenceSession>();
let nextKept = 1;
const byteLength = (t: ort.Tensor) => (Array.isArray(t.data) ? 0 : (t.data as ArrayBufferView).byteLength);
const kept = keptBytes > 0 ? new LRUCache<number, ort.Tensor>({ maxSize: keptBytes, sizeCalculation: (t) => Math.max(1, byteLength(t)) }) : undefined;

type Answer = { reply: Reply; transfer: ArrayBuffer[] };
const ok = (id: number, value: unknown, transfer: ArrayBuffer[] = []): Answer => ({ reply: { id, ok: true, value }, transfer });

async function handle(req: Exclude<Request, { op: 'crash' }>): Promise<Answer> {
  switch (req.op) {
    case 'create': {
      const s = await ort.InferenceSession.create(req.file, req.options);
      // The main thread names sessions, so that a restarted worker takes them back under the same ids.
      sessions.set(req.session, s);
      const created: CreatedSession = { session: req.session, inputNames: s.inputNames, outputNames: s.outputNames, inputMetadata: s.inputMetadata, outputMetadata: s.outputMetadata };
      return ok(req.id, created);
    }
    case 'release': {
      await sessions.get(req.session)?.release();
      sessions.delete(req.session);
      return ok(req.id, null);
    }
    case 'run': {
      const session = sessions.get(req.session);
      if (!session) throw new Error(`ORT worker: no session ${req.session}`);
      const first = req.before && sessions.get(req.before.session);
      if (req.before && !first) throw new Error(`ORT worker: no session ${req.before.session}`);
      const feeds: Record<string, ort.Tensor> = {};
      const missing: number[] = [];
      for (const [name, f] of Object.entries(req.feeds)) {
        if (isRef(f)) {
          const t = kept?.get(f.keptId);
          if (t) feeds[name] = t;
          else missing.push(f.keptId);
          continue;
        }
        feeds[name] = new ort.Tensor(f.type, f.data as never, f.dims);
        if (f.keptId !== undefined) kept?.set(f.keptId, feeds[name]); // sent again after a miss: keep it again
      }
      if (missing.length) {
        // Give back what was moved here, so the main thread can send everything again as data.
        const transfer: ArrayBuffer[] = [];
        const returned: Record<string, WireTensor> = {};
        for (const [name, f] of Object.entries(req.feeds)) if (!isRef(f)) returned[name] = toWire(feeds[name], true, transfer);
        const returnedBefore = req.before && Object.fromEntries(Object.entries(req.before.feeds).map(([name, f]) => [name, toWire(f, true, transfer)]));
        return { reply: { id: req.id, ok: false, message: `ORT worker no longer holds tensors ${missing.join(', ')}`, missing: { ids: missing, returned, returnedBefore } }, transfer };
      }
      if (first) {
        // The chained graph's outputs (the encoder's input picture) stay on this thread.
        const made = await first.run(Object.fromEntries(Object.entries(req.before!.feeds).map(([name, f]) => [name, new ort.Tensor(f.type, f.data as never, f.dims)])));
        for (const [name, t] of Object.entries(made)) feeds[name] ??= t as ort.Tensor;
      }
      const out = await session.run(feeds);
      const transfer: ArrayBuffer[] = [];
      const value: Record<string, WireTensor> = {};
      for (const [name, t] of Object.entries(out) as [string, ort.Tensor][]) {
        if (req.keepOutputs && kept && !Array.isArray(t.data)) {
          // One copy, made here off the main thread; the original moves to the main thread.
          const id = nextKept++;
          kept.set(id, new ort.Tensor(t.type, (t.data as Float32Array).slice() as never, t.dims));
          value[name] = toWire(t, true, transfer, id);
        } else {
          value[name] = toWire(t, true, transfer);
        }
      }
      return ok(req.id, value, transfer);
    }
  }
}

// Calls in hand, and whether the thread was told to die (the `crash` test hook). It then exits
// once ONNX Runtime has no run in flight — ending a thread mid-run aborts the whole process in
// onnxruntime-node — and answers nothing it holds, as a thread that died would.
let inHand = 0;
let crashing = false;
const exitIfCrashing = () => {
  if (crashing && inHand === 0) process.exit(70);
};

port.on('message', (req: Request) => {
  if (req.op === 'crash') {
    crashing = true;
    exitIfCrashing();
    return;
  }
  inHand++;
  handle(req)
    .then(
      (a) => crashing || port.postMessage(a.reply, a.transfer),
      (err: Error) => crashing || port.postMessage({ id: req.id, ok: false, message: err?.message ?? String(err) } satisfies Reply),
    )
    .finally(() => {
      inHand--;
      exitIfCrashing();
    });
});
