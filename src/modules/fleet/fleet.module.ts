// The fleet parts of a split role (README "The fleet"): an api process follows the live workers
// and routes engine-bound calls to them; a worker joins the registry and serves its call queue.
// ROLE=all has none of this (one process does everything itself).
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { FleetCallServer, FleetCaller } from '../../fleet/fleet-calls.js';
import { WorkerRegistry } from '../../fleet/worker-registry.js';
import type { RedisConnections } from '../../redis/redis-connections.js';
import { routedHandlers, wireError } from './routed-calls.js';

export interface Fleet {
  role: 'api' | 'worker';
  workerId?: string;
  /** api: sends calls to workers. */
  caller?: FleetCaller;
  /** worker: the calls it served, by "name outcome". */
  served(): ReadonlyMap<string, number>;
  /** worker: starts serving calls, then joins the live set (so no call arrives before it can run). */
  start(): Promise<void>;
  /** worker: leaves the live set first, then finishes the calls it holds. */
  dispose(): Promise<void>;
}

export function createFleet(config: Config, redis: RedisConnections | undefined, log: Logger, local: Parameters<typeof routedHandlers>[0]): Fleet | undefined {
  if (config.role === 'all' || !redis) return undefined;
  const registry = new WorkerRegistry(redis.open('fleet'), redis.prefix, config.fleet);
  if (config.role === 'api') {
    const caller = new FleetCaller(redis, registry, log, config.fleet);
    registry.follow();
    return {
      role: 'api',
      caller,
      served: () => new Map(),
      start: async () => void (await registry.refresh()),
      dispose: async () => {
        registry.dispose();
        await caller.dispose();
      },
    };
  }
  const { workerId } = config.fleet;
  const handlers = routedHandlers(local);
  const server = new FleetCallServer(
    redis,
    workerId,
    config.fleet.callConcurrency,
    async (name, args) => {
      const handler = handlers[name] as ((...a: unknown[]) => Promise<unknown>) | undefined;
      if (!handler) throw new Error(`unknown routed call ${name} (api and worker run different versions?)`);
      return handler(...args);
    },
    (err) => wireError(err, log),
  );
  return {
    role: 'worker',
    workerId,
    served: () => server.served,
    start: async () => {
      server.start();
      await registry.join(workerId);
    },
    dispose: async () => {
      await registry.leave(workerId);
      registry.dispose();
      await server.dispose();
    },
  };
}
