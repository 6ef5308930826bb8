// Interactive calls from api processes to workers, on BullMQ: each worker consumes a queue of its
// own (`calls-<workerId>`), an api process adds the call there and awaits the job's end through
// QueueEvents (job.waitUntilFinished). The worker is chosen per key by rendezvous hashing over the
// live workers (worker-registry.ts), so every api process sends one image to one worker, whose
// embedding cache holds it. A worker that leaves the live set while a call waits on it (killed,
// or stopped) loses the call: the api removes it from that queue if it is still waiting there
// and sends it to the key's next worker — the client sees one slower call, not an error. (A
// queue left by a killed worker keeps its few keys; a worker that stops cleanly removes its own.)
// Values cross as V8's structured-clone serialization (Dates, typed arrays and BigInts survive),
// and a call's error crosses as data (code, message, extensions), never as a failed BullMQ job.
import { serialize, deserialize } from 'node:v8';
import { Queue, QueueEvents, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RedisConnections } from '../redis/redis-connections.js';
import { rankWorkers } from './rendezvous.js';
import type { WorkerRegistry } from './worker-registry.js';

/** A call's failure as it crosses: what the api rethrows (a GraphQLError with these extensions). */
export interface WireError {
  message: string;
  extensions: Record<string, unknown>;
}

type Reply = { ok: true; value: string } | { ok: false; error: WireError };

const encode = (v: unknown): string => serialize(v).toString('base64');
const decode = (s: string): unknown => deserialize(Buffer.from(s, 'base64'));
const queueName = (workerId: string) => `calls-${workerId}`;
// Finished calls stay a minute: long enough for a waiter that attached late to read the reply.
const KEEP = { removeOnComplete: { age: 60 }, removeOnFail: { age: 60 }, attempts: 1 };
const LOST = Symbol('lost');
/** The wait for a call's end failed (its line closed, its job gone). */
const GONE = Symbol('gone');
type Answer = { worker: string; reply: Reply | typeof GONE };
const NEVER = new Promise<never>(() => {});
const sleep = (ms: number) => new Promise<undefined>((r) => setTimeout(() => r(undefined), ms));

function finish(answer: Answer): { value: unknown; worker: string } {
  const reply = answer.reply as Reply;
  if (!reply.ok) throw reply.error;
  return { value: decode(reply.value), worker: answer.worker };
}
const LINE_IDLE_MS = 60_000;
/** A call is sent at most this many times (to as many workers as there are, then again). */
const MAX_SENDS = 4;

export class NoWorkerError extends Error {
  override name = 'NoWorkerError';
}

interface Line {
  queue: Queue;
  events: QueueEvents;
  connection: Redis;
}

/** The api side: sends calls to workers and awaits their replies. */
export class FleetCaller {
  private readonly lines = new Map<string, Line>();
  private readonly seen = new Map<string, number>();
  private readonly client: Redis;
  private readonly unwatch: () => void;
  /** Calls sent again because their worker was lost, since start. */
  rerouted = 0;

  constructor(
    private readonly redis: RedisConnections,
    private readonly registry: WorkerRegistry,
    private readonly log: { warn(obj: object, msg: string): void },
    private readonly opts: { heartbeatMs: number; ttlMs: number },
  ) {
    this.client = redis.open('fleet-calls');
    // A worker gone from the live set: its line is closed, which fails the waits on it (rerouted).
    // The line of a worker gone for a minute is closed (a worker back from a stall keeps its line,
    // so a late answer still arrives).
    this.unwatch = registry.watch((live) => {
      const now = Date.now();
      for (const id of live) this.seen.set(id, now);
      for (const id of [...this.lines.keys()]) if (now - (this.seen.get(id) ?? 0) > LINE_IDLE_MS) void this.closeLine(id);
    });
  }

  /**
   * Runs `name(...args)` on the worker `key` prefers; returns its value and the worker that served
   * it. A call whose worker leaves the live set goes to the next worker; if it had already started
   * there, its answer is still taken should it come first (a worker stalled past its TTL is not
   * dead). With no worker live, a call waits up to two worker TTLs for one. `prefer`: a worker to
   * try first when it is live (the holder of a session's lease), ahead of the key's ranking.
   */
  async call(key: string, name: string, args: unknown[], prefer?: string | null): Promise<{ value: unknown; worker: string }> {
    const tried = new Set<string>();
    const late: Promise<Answer>[] = [];
    const deadline = Date.now() + 2 * this.opts.ttlMs;
    for (let sent = 0; ; ) {
      const live = sent || !this.registry.current().length ? await this.registry.refresh() : this.registry.current();
      const ranked = rankWorkers(key, live);
      if (prefer && ranked.includes(prefer)) ranked.unshift(...ranked.splice(ranked.indexOf(prefer), 1));
      // Untried workers first; one that was taken for dead and is back (a long stall) may be tried again.
      const worker = ranked.find((w) => !tried.has(w)) ?? (sent < MAX_SENDS ? ranked[0] : undefined);
      if (!worker) {
        if (Date.now() < deadline && sent < MAX_SENDS) {
          const answer = await Promise.race([sleep(this.opts.heartbeatMs), ...late]);
          if (answer) return finish(answer);
          continue;
        }
        throw new NoWorkerError(tried.size ? `every worker it was sent to was lost (${[...tried].join(', ')})` : 'no worker is running');
      }
      tried.add(worker);
      sent++;
      const attempt = await this.send(worker, name, args);
      const outcome = await Promise.race([attempt.answer, attempt.lost, ...late]);
      attempt.stop();
      if (outcome !== LOST && outcome.reply !== GONE) return finish(outcome);
      this.rerouted++;
      this.log.warn({ worker, call: name }, 'worker lost during a call; sending it to the next worker');
      // Still waiting in that worker's queue: taken back (not run twice). Started: its answer may yet come.
      if (!(await attempt.withdraw())) late.push(attempt.answer.then((a) => (a.reply === GONE ? NEVER : a)));
    }
  }

  private async send(worker: string, name: string, args: unknown[]): Promise<{ answer: Promise<Answer>; lost: Promise<typeof LOST>; stop(): void; withdraw(): Promise<boolean> }> {
    const line = this.line(worker);
    let stop = () => {};
    const lost = new Promise<typeof LOST>((resolve) => {
      stop = this.registry.watch((live) => {
        if (!live.includes(worker)) resolve(LOST);
      });
    });
    const job = await line.queue.add(name, { args: encode(args) }, KEEP);
    const answer: Promise<Answer> = job.waitUntilFinished(line.events).then(
      (reply: Reply) => ({ worker, reply }),
      () => ({ worker, reply: GONE }),
    );
    return {
      answer,
      lost,
      stop: () => stop(),
      withdraw: async () => {
        try {
          if ((await job.getState()) !== 'waiting') return false;
          await job.remove();
          return true;
        } catch {
          return false;
        }
      },
    };
  }

  private line(worker: string): Line {
    let line = this.lines.get(worker);
    if (!line) {
      const prefix = `${this.redis.prefix}bull`;
      const connection = this.redis.open(`fleet-events-${worker}`, { maxRetriesPerRequest: null });
      line = { queue: new Queue(queueName(worker), { connection: this.client, prefix }), events: new QueueEvents(queueName(worker), { connection, prefix }), connection };
      line.events.on('error', () => undefined); // reconnects; logged by RedisConnections
      this.lines.set(worker, line);
    }
    return line;
  }

  private async closeLine(worker: string): Promise<void> {
    const line = this.lines.get(worker);
    if (!line) return;
    this.lines.delete(worker);
    await line.queue.close().catch(() => undefined);
    await line.events.close().catch(() => undefined);
    line.connection.disconnect();
  }

  async dispose(): Promise<void> {
    this.unwatch();
    await Promise.all([...this.lines.keys()].map((w) => this.closeLine(w)));
  }
}

/** The worker side: runs the calls of its own queue, `concurrency` at a time. */
export class FleetCallServer {
  private worker: Worker | undefined;
  /** Calls served since start, by name and outcome (for /metrics and the tests). */
  readonly served = new Map<string, number>();

  constructor(
    private readonly redis: RedisConnections,
    private readonly workerId: string,
    private readonly concurrency: number,
    private readonly handle: (name: string, args: unknown[]) => Promise<unknown>,
    /** The coded client error of a failure (the one translation, done where it happened). */
    private readonly errorOf: (err: unknown) => WireError,
  ) {}

  start(): void {
    this.worker = new Worker(queueName(this.workerId), (job: Job) => this.run(job), {
      connection: this.redis.open('fleet-calls-worker', { maxRetriesPerRequest: null }),
      prefix: `${this.redis.prefix}bull`,
      concurrency: this.concurrency,
    });
    this.worker.on('error', () => undefined); // reconnects; logged by RedisConnections
  }

  private async run(job: Job): Promise<Reply> {
    let reply: Reply;
    try {
      reply = { ok: true, value: encode(await this.handle(job.name, decode((job.data as { args: string }).args) as unknown[])) };
    } catch (err) {
      reply = { ok: false, error: this.errorOf(err) };
    }
    const label = `${job.name} ${reply.ok ? 'ok' : 'error'}`;
    this.served.set(label, (this.served.get(label) ?? 0) + 1);
    return reply;
  }

  /** Stops taking calls and lets the running ones finish (the caller left the registry first). */
  async dispose(): Promise<void> {
    await this.worker?.close();
    const queue = new Queue(queueName(this.workerId), { connection: this.redis.open('fleet-calls-cleanup'), prefix: `${this.redis.prefix}bull` });
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}
