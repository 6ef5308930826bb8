// The load run's view of the server: the shared client of the tests (test/support/gql.ts) with
// the API key when given, timed calls reduced to an error code, and the server's memory gauges.
import type { Client } from 'graphql-ws';
import { httpClient, wsClient, type HttpClient, type Outcome } from '../../test/support/gql.js';

export type { Outcome } from '../../test/support/gql.js';

export class LoadClient {
  private readonly http: HttpClient;

  constructor(
    readonly url: string,
    private readonly apiKey?: string,
  ) {
    this.http = httpClient(url, apiKey ? { authorization: `Bearer ${apiKey}` } : {});
  }

  /** Never throws: the outcome's error code (null on success) and its time. */
  gql<T = any>(query: string, variables?: Record<string, unknown>): Promise<Outcome<T>> {
    return this.http.timed<T>(query, variables);
  }

  /** gql() that throws on an error: for setting up fixtures. */
  async must<T = any>(query: string, variables?: Record<string, unknown>): Promise<T> {
    const r = await this.gql<T>(query, variables);
    if (r.code) throw new Error(`${query.slice(0, 60)}… failed: ${r.code}`);
    return r.data!;
  }

  async upload(projectId: string, filename: string, bytes: Buffer): Promise<string> {
    return (await this.http.upload(projectId, filename, bytes)).id;
  }

  ws(): Client {
    return wsClient(this.url, this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : undefined);
  }

  /** Server memory from GET /metrics (prom-client's process and heap gauges). */
  async memory(): Promise<{ rssMb: number; heapUsedMb: number; externalMb: number; cacheMb: number }> {
    const text = await (await fetch(`${this.url}/metrics`, { headers: this.http.headers })).text();
    const gauge = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(text)?.[1] ?? NaN) / 2 ** 20;
    return {
      rssMb: gauge('maskql_process_resident_memory_bytes'),
      heapUsedMb: gauge('maskql_nodejs_heap_size_used_bytes'),
      // ArrayBuffers (tensors, frames) live outside the JS heap; the embedding cache is most of them.
      externalMb: gauge('maskql_nodejs_external_memory_bytes'),
      cacheMb: gauge('maskql_embedding_cache_bytes'),
    };
  }
}
