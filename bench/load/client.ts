// The load run's view of the server: timed GraphQL calls over HTTP whose outcome is reduced to an
// error code (null when it succeeded), and graphql-ws clients; both carry the API key when given.
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface Outcome<T = any> {
  data?: T;
  /** extensions.code of the first error, HTTP_<status>, or NETWORK; null on success. */
  code: string | null;
  ms: number;
}

export class LoadClient {
  constructor(
    readonly url: string,
    private readonly apiKey?: string,
  ) {}

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}), ...extra };
  }

  async gql<T = any>(query: string, variables?: Record<string, unknown>): Promise<Outcome<T>> {
    const started = performance.now();
    try {
      const res = await fetch(`${this.url}/graphql`, { method: 'POST', headers: this.headers({ 'content-type': 'application/json' }), body: JSON.stringify({ query, variables }) });
      const body = (await res.json().catch(() => ({}))) as { data?: T; errors?: { extensions?: { code?: string } }[] };
      const code = body.errors?.length ? String(body.errors[0]!.extensions?.code ?? 'NO_CODE') : res.ok ? null : `HTTP_${res.status}`;
      return { data: body.data ?? undefined, code, ms: performance.now() - started };
    } catch {
      return { code: 'NETWORK', ms: performance.now() - started };
    }
  }

  /** gql() that throws on an error: for setting up fixtures. */
  async must<T = any>(query: string, variables?: Record<string, unknown>): Promise<T> {
    const r = await this.gql<T>(query, variables);
    if (r.code) throw new Error(`${query.slice(0, 60)}… failed: ${r.code}`);
    return r.data!;
  }

  async upload(projectId: string, filename: string, bytes: Buffer): Promise<string> {
    const res = await fetch(`${this.url}/upload?projectId=${projectId}&filename=${filename}`, { method: 'POST', headers: this.headers(), body: bytes });
    const body = (await res.json()) as { data?: { media: { id: string } } };
    if (res.status !== 201) throw new Error(`upload of ${filename} failed (${res.status}): ${JSON.stringify(body)}`);
    return body.data!.media.id;
  }

  ws(): Client {
    return createClient({
      url: `${this.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : undefined,
      lazy: true,
      retryAttempts: 0,
    });
  }

  /** Server memory from GET /metrics (prom-client's process and heap gauges). */
  async memory(): Promise<{ rssMb: number; heapUsedMb: number; externalMb: number; cacheMb: number }> {
    const text = await (await fetch(`${this.url}/metrics`, { headers: this.headers() })).text();
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
