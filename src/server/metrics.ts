// /metrics in Prometheus format: requests and latency by operation, inference time by model and
// stage, queue depth, open sessions and subscriptions, embedding cache hit ratio, memory.
import type { DocumentNode, OperationDefinitionNode } from 'graphql';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Engine } from '../engine/index.js';
import { rootFieldNames } from './auth/root-fields.js';
import type { Services } from '../modules/services.js';

/**
 * The `operation` label: the root field an operation runs (a bounded set: the schema's), not the
 * name a client chose, which would let any client grow /metrics without end. "multiple" for
 * several root fields, "none" for introspection alone or a document that did not resolve.
 */
export function operationLabel(document: DocumentNode | undefined, op: OperationDefinitionNode | undefined | null): string {
  if (!document || !op) return 'none';
  const names = new Set(rootFieldNames(document, op));
  return names.size === 0 ? 'none' : names.size === 1 ? [...names][0]! : 'multiple';
}

export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: 'maskql_graphql_requests_total', help: 'GraphQL operations by root field, type and outcome', labelNames: ['operation', 'type', 'outcome'] as const, registers: [this.registry] });
  readonly latency = new Histogram({
    name: 'maskql_graphql_request_duration_seconds',
    help: 'GraphQL operation latency by root field',
    labelNames: ['operation', 'type'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly inference = new Histogram({
    name: 'maskql_inference_duration_seconds',
    help: 'Time of inference stages by model and stage (encode, decode, detect)',
    labelNames: ['model', 'stage'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  subscriptions = 0;

  constructor(engine: Engine, services: Services) {
    collectDefaultMetrics({ register: this.registry, prefix: 'maskql_' });
    const reg = [this.registry];
    new Gauge({
      name: 'maskql_inference_queue_depth',
      help: 'Inference calls waiting and running, per device',
      labelNames: ['device', 'state'] as const,
      registers: reg,
      collect() {
        this.reset();
        for (const [device, s] of Object.entries(engine.queues.stats())) {
          this.set({ device, state: 'waiting' }, s.pending);
          this.set({ device, state: 'running' }, s.running);
        }
      },
    });
    new Gauge({
      name: 'maskql_jobs',
      help: 'Jobs queued and running in this process',
      labelNames: ['state'] as const,
      registers: reg,
      collect() {
        const s = services.runner.stats();
        this.set({ state: 'queued' }, s.queued);
        this.set({ state: 'running' }, s.running);
      },
    });
    new Gauge({ name: 'maskql_sessions_open', help: 'Tracking sessions live in memory', registers: reg, collect() { this.set(services.sessions.openCount()); } });
    const self = this;
    new Gauge({ name: 'maskql_subscriptions_active', help: 'Active GraphQL subscriptions', registers: reg, collect() { this.set(self.subscriptions); } });
    new Gauge({
      name: 'maskql_embedding_cache_hit_ratio',
      help: 'Embedding cache hits / lookups since start',
      registers: reg,
      collect() {
        const n = engine.cache.hits + engine.cache.misses;
        this.set(n ? engine.cache.hits / n : 0);
      },
    });
    new Gauge({ name: 'maskql_embedding_cache_bytes', help: 'Bytes held by the embedding cache', registers: reg, collect() { this.set(engine.cache.bytes); } });
    new Gauge({ name: 'maskql_encoder_runs_total', help: 'Image encoder runs since start', registers: reg, collect() { this.set(engine.encoderRuns); } });
    new Gauge({
      name: 'maskql_fleet_calls_served_total',
      help: 'Routed calls this worker ran for api processes, by call and outcome (ROLE=worker)',
      labelNames: ['call', 'outcome'] as const,
      registers: reg,
      collect() {
        this.reset();
        for (const [label, n] of services.fleet?.served() ?? []) {
          const [call, outcome] = label.split(' ');
          this.set({ call, outcome }, n);
        }
      },
    });
    new Gauge({ name: 'maskql_fleet_calls_rerouted_total', help: 'Routed calls sent to another worker because theirs was lost (ROLE=api)', registers: reg, collect() { this.set(services.fleet?.caller?.rerouted ?? 0); } });
    engine.observe = (model, stage, ms) => this.inference.observe({ model, stage }, ms / 1000);
  }
}
