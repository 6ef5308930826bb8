// The Redis connections of one process, when REDIS_URL is set. Pub/sub and BullMQ's blocking
// workers each need a connection of their own, so parts ask for one by name; dispose() closes all.
// Keys and channels carry the prefix (REDIS_PREFIX): pub/sub ignores the db number.
import { Redis, type RedisOptions } from 'ioredis';

export interface RedisLog {
  warn(obj: object, msg: string): void;
}

export class RedisConnections {
  private readonly clients: Redis[] = [];

  constructor(
    private readonly url: string,
    readonly prefix: string,
    private readonly log: RedisLog,
  ) {}

  /** A new connection; `name` shows in CLIENT LIST and in the log. */
  open(name: string, options: RedisOptions = {}): Redis {
    const client = new Redis(this.url, { connectionName: `${this.prefix}${name}`, ...options });
    // ioredis reconnects by itself; an 'error' listener keeps a lost connection from crashing the process.
    let warned = false;
    client.on('error', (err: Error) => {
      if (!warned) this.log.warn({ connection: name, err: err.message }, 'Redis connection error; reconnecting');
      warned = true;
    });
    client.on('ready', () => (warned = false));
    this.clients.push(client);
    return client;
  }

  /** Fails with a clear message when Redis cannot be reached (at start). */
  async check(timeoutMs = 5000): Promise<void> {
    const probe = this.open('probe', { maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs, lazyConnect: true });
    try {
      await probe.connect();
      await probe.ping();
    } catch (err) {
      throw new Error(`Redis (REDIS_URL) cannot be reached: ${(err as Error).message}`);
    } finally {
      probe.disconnect();
    }
  }

  async dispose(): Promise<void> {
    await Promise.all(this.clients.map((c) => (c.status === 'end' ? undefined : c.quit().catch(() => c.disconnect()))));
    this.clients.length = 0;
  }
}
