// The one GraphQL client of the tests and the benchmarks (bench/ imports it too, so it imports
// nothing of vitest): over HTTP (fetch) with typed documents from client/operations or plain
// strings, and over graphql-ws; both carry the caller's headers (an API key) when given.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type GraphQLFormattedError } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface GqlResult<T> {
  data?: T | null;
  errors?: GraphQLFormattedError[];
}

/** What a timed call came to: its data, or the code of its failure, and how long it took. */
export interface Outcome<T = any> {
  data?: T;
  /** extensions.code of the first error, HTTP_<status>, or NETWORK; null on success. */
  code: string | null;
  ms: number;
}

export class GqlError extends Error {
  constructor(readonly errors: readonly GraphQLFormattedError[]) {
    super(errors.map((e) => `${e.extensions?.code}: ${e.message}`).join('\n'));
  }
  get code(): unknown {
    return this.errors[0]?.extensions?.code;
  }
}

type Doc<T, V> = TypedDocumentNode<T, V> | string;

export type HttpClient = ReturnType<typeof httpClient>;

export function httpClient(baseUrl: string, headers: Record<string, string> = {}) {
  const post = (doc: Doc<unknown, unknown>, variables: unknown) =>
    fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query: typeof doc === 'string' ? doc : print(doc), variables }),
    });
  /** The HTTP status with the body as answered. */
  async function exchange<T = any, V = Record<string, unknown>>(doc: Doc<T, V>, variables?: V): Promise<{ status: number; body: GqlResult<T> }> {
    const res = await post(doc as Doc<unknown, unknown>, variables);
    return { status: res.status, body: (await res.json()) as GqlResult<T> };
  }
  async function raw<T = any, V = Record<string, unknown>>(doc: Doc<T, V>, variables?: V): Promise<GqlResult<T>> {
    return (await exchange(doc, variables)).body;
  }
  return {
    url: baseUrl,
    headers,
    exchange,
    raw,
    /** The operation's data; a GqlError when it answers with errors. */
    async request<T = any, V = Record<string, unknown>>(doc: Doc<T, V>, variables?: V): Promise<T> {
      const r = await raw(doc, variables);
      if (r.errors?.length) throw new GqlError(r.errors);
      return r.data as T;
    },
    /** Runs an operation expected to fail; returns its first error's code and message. */
    async fail<T, V>(doc: Doc<T, V>, variables?: V): Promise<{ code: unknown; message: string; extensions: Record<string, unknown> }> {
      const r = await raw(doc, variables);
      if (!r.errors?.length) throw new Error(`expected an error, got ${JSON.stringify(r.data)}`);
      const e = r.errors[0];
      return { code: e.extensions?.code, message: e.message, extensions: (e.extensions ?? {}) as Record<string, unknown> };
    },
    /** Never throws: the outcome reduced to an error code, and the time it took (load runs). */
    async timed<T = any, V = Record<string, unknown>>(doc: Doc<T, V>, variables?: V): Promise<Outcome<T>> {
      const started = performance.now();
      try {
        const res = await post(doc as Doc<unknown, unknown>, variables);
        const body = (await res.json().catch(() => ({}))) as GqlResult<T>;
        const code = body.errors?.length ? String(body.errors[0]!.extensions?.code ?? 'NO_CODE') : res.ok ? null : `HTTP_${res.status}`;
        return { data: body.data ?? undefined, code, ms: performance.now() - started };
      } catch {
        return { code: 'NETWORK', ms: performance.now() - started };
      }
    },
    /** POST /upload with the raw bytes; the media as the server answers it (201 expected). */
    async upload(projectId: string, filename: string, bytes: Buffer): Promise<{ id: string; kind: string; width: number; height: number; frameCount: number | null }> {
      const res = await fetch(`${baseUrl}/upload?projectId=${projectId}&filename=${encodeURIComponent(filename)}`, { method: 'POST', headers, body: bytes });
      const body = (await res.json()) as { data?: { media: { id: string; kind: string; width: number; height: number; frameCount: number | null } } };
      if (res.status !== 201) throw new Error(`upload of ${filename} failed (${res.status}): ${JSON.stringify(body)}`);
      return body.data!.media;
    },
  };
}

/** A graphql-ws client; lazy (connects on first use) unless told to connect now and stay. */
export function wsClient(baseUrl: string, connectionParams?: Record<string, unknown>, opts: { lazy?: boolean } = {}): Client {
  return createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: opts.lazy ?? true,
  });
}

/** One query or mutation over graphql-ws. */
export function wsRequest<T, V>(client: Client, doc: TypedDocumentNode<T, V>, variables?: V): Promise<T> {
  return new Promise((resolve, reject) => {
    let result: T | undefined;
    client.subscribe<T>(
      { query: print(doc), variables: variables as Record<string, unknown> },
      {
        next: (r) => {
          if (r.errors?.length) reject(new GqlError(r.errors));
          else result = r.data as T;
        },
        error: reject,
        complete: () => resolve(result as T),
      },
    );
  });
}
