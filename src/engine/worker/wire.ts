// What crosses between the main thread and a device's ORT worker, and how tensors travel:
// moved (their ArrayBuffer in the transfer list: no copy) when the sender gives them up, copied
// by structured clone when the sender still needs them, or named by id when the worker already
// holds a copy (the encoder's outputs, fed again to every decoder call on that image).
import type * as ort from 'onnxruntime-node';

export type SessionMetadata = Pick<ort.InferenceSession, 'inputNames' | 'outputNames' | 'inputMetadata' | 'outputMetadata'>;

export interface WireTensor {
  type: ort.Tensor.Type;
  dims: readonly number[];
  data: ort.Tensor.DataType;
  /** Set when the worker keeps (or should keep again) a copy under this id. */
  keptId?: number;
}

/** A tensor the worker is believed to hold; it answers `missing` when it has let it go. */
export interface WireRef {
  keptId: number;
}

export type WireFeed = WireTensor | WireRef;

export interface RunOptions {
  /** Feeds whose buffers the caller gives up: moved to the worker rather than copied. */
  transfer?: readonly string[];
  /** The outputs will be fed again (an encoder's): the worker keeps a copy, so they need not cross again. */
  keepOutputs?: boolean;
}

/**
 * A graph run first, in the same request, whose outputs join the feeds by name (a model's
 * preprocessing graph before its encoder): its outputs never cross between threads.
 */
export interface ChainedRun<S> {
  session: S;
  feeds: Record<string, Pick<ort.Tensor, 'type' | 'dims' | 'data'>>;
  /** Feeds whose buffers the caller gives up. */
  transfer?: readonly string[];
}

export type Request =
  | { op: 'create'; id: number; session: number; file: string; options: ort.InferenceSession.SessionOptions }
  | { op: 'run'; id: number; session: number; feeds: Record<string, WireFeed>; keepOutputs: boolean; before?: { session: number; feeds: Record<string, WireTensor> } }
  | { op: 'release'; id: number; session: number }
  /** Test hook: the thread exits as a crashed one would, answering nothing it holds. */
  | { op: 'crash'; id: number };

export type Reply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; message: string; missing?: MissingFeeds };

/** The worker no longer holds some kept feeds: it sends back the data feeds it was given. */
export interface MissingFeeds {
  ids: number[];
  returned: Record<string, WireTensor>;
  /** The chained run's feeds, given back too. */
  returnedBefore?: Record<string, WireTensor>;
}

export interface CreatedSession extends SessionMetadata {
  session: number;
}

export const isRef = (f: WireFeed): f is WireRef => !('data' in f);

/** True when a view covers its whole ArrayBuffer, so moving the buffer takes nothing else with it. */
function ownsBuffer(data: ort.Tensor.DataType): data is Exclude<ort.Tensor.DataType, string[]> {
  if (Array.isArray(data)) return false;
  const v = data as ArrayBufferView;
  return v.buffer instanceof ArrayBuffer && v.byteOffset === 0 && v.byteLength === v.buffer.byteLength;
}

/**
 * A tensor for postMessage. With `move`, its buffer joins `transfer` (the sender's copy is then
 * detached); otherwise postMessage copies it.
 */
export function toWire(t: Pick<ort.Tensor, 'type' | 'dims' | 'data'>, move: boolean, transfer: ArrayBuffer[], keptId?: number): WireTensor {
  if (move && ownsBuffer(t.data) && !transfer.includes(t.data.buffer as ArrayBuffer)) transfer.push(t.data.buffer as ArrayBuffer);
  return keptId === undefined ? { type: t.type, dims: t.dims, data: t.data } : { type: t.type, dims: t.dims, data: t.data, keptId };
}

/**
 * Ids of the tensors a worker keeps, by their buffer, on the main thread. A buffer is only
 * registered as the output of a keepOutputs run and never written afterwards, so the worker's
 * copy stays equal to it; a buffer that is garbage-collected drops out of the WeakMap by itself.
 */
export class KeptIds {
  private readonly ids = new WeakMap<object, number>();

  /** The id of a tensor's data; only a view of a whole kept buffer is that tensor. */
  of(data: ort.Tensor.DataType): number | undefined {
    return ownsBuffer(data) ? this.ids.get(data.buffer) : undefined;
  }

  register(data: ort.Tensor.DataType, id: number): void {
    if (!Array.isArray(data)) this.ids.set((data as ArrayBufferView).buffer, id);
  }
}

/**
 * The feeds of one run: tensors the worker keeps as refs (as data with their id when `resend`:
 * the worker said it lost some), the rest as data, moved when the caller gave them up.
 */
export function packFeeds(
  feeds: Record<string, Pick<ort.Tensor, 'type' | 'dims' | 'data'>>,
  opts: RunOptions,
  kept: KeptIds,
  resend = false,
): { feeds: Record<string, WireFeed>; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  const out: Record<string, WireFeed> = {};
  for (const [name, t] of Object.entries(feeds)) {
    const id = kept.of(t.data);
    if (id !== undefined && !resend) out[name] = { keptId: id };
    else out[name] = toWire(t, id === undefined && (opts.transfer?.includes(name) ?? false), transfer, id);
  }
  return { feeds: out, transfer };
}

/** Where a device reports what it does (the engine's logger). */
export interface DeviceLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** The devices a worker runs on. */
export type Device = 'cpu' | 'cuda';

/** A request as the main thread sends it (the channel adds the id). */
export type Outgoing = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** A failed request; `missing` when the worker no longer held tensors it was named by id. */
export class WorkerRequestError extends Error {
  constructor(
    message: string,
    readonly missing?: MissingFeeds,
  ) {
    super(message);
  }
}

/** The main thread's end of a worker as a session sees it (DeviceWorker implements it). */
export interface WorkerChannel {
  /** The current thread's kept tensors (a restarted thread starts a new set). */
  readonly kept: KeptIds;
  request<T>(msg: Outgoing, transfer?: ArrayBuffer[]): Promise<T>;
  releaseSession(session: number): Promise<void>;
}
