// Talking to maskql: GraphQL over HTTP (queries, mutations), graphql-ws (subscriptions), the
// plain routes (upload, thumbnails, frames). The key, when AUTH_MODE asks for one, lives in
// sessionStorage only: gone when the tab closes.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';

const KEY = 'maskql.key';

export const auth = {
  get: (): string | null => sessionStorage.getItem(KEY),
  set(key: string): void {
    sessionStorage.setItem(KEY, key);
    resetSocket();
  },
  clear(): void {
    sessionStorage.removeItem(KEY);
    resetSocket();
  },
};

export class ApiError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
  }
}

/** Called when the server says who we are is not enough (no key, a revoked one). */
export let onUnauthenticated: () => void = () => {};
export function setUnauthenticatedHandler(fn: () => void): void {
  onUnauthenticated = fn;
}

function headers(): Record<string, string> {
  const key = auth.get();
  return key ? { authorization: `Bearer ${key}` } : {};
}

function fail(errors: { message: string; extensions?: { code?: string } }[]): never {
  const code = errors[0]?.extensions?.code ?? 'INTERNAL_SERVER_ERROR';
  if (code === 'UNAUTHENTICATED') onUnauthenticated();
  throw new ApiError(errors.map((e) => e.message).join('; '), code);
}

export async function gql<T, V>(doc: TypedDocumentNode<T, V>, variables?: V): Promise<T> {
  const res = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers() },
    body: JSON.stringify({ query: print(doc), variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  if (body.errors?.length) fail(body.errors);
  return body.data as T;
}

let socket: Client | null = null;
function resetSocket(): void {
  void socket?.dispose();
  socket = null;
}

/** Follows a subscription; returns what stops it. */
export function subscribe<T, V>(doc: TypedDocumentNode<T, V>, variables: V, on: { next: (data: T) => void; error?: (err: Error) => void; complete?: () => void }): () => void {
  socket ??= createClient({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
    connectionParams: () => headers(),
    retryAttempts: 5,
  });
  return socket.subscribe<T>(
    { query: print(doc), variables: variables as Record<string, unknown> },
    {
      next: (r) => {
        if (r.errors?.length) {
          try {
            fail(r.errors as { message: string; extensions?: { code?: string } }[]);
          } catch (err) {
            on.error?.(err as Error);
          }
        } else if (r.data) on.next(r.data);
      },
      error: (err) => on.error?.(err instanceof Error ? err : new Error(closeReason(err))),
      complete: () => on.complete?.(),
    },
  );
}

function closeReason(err: unknown): string {
  const e = err as { code?: number; reason?: string };
  if (e.code === 4403) {
    onUnauthenticated();
    return 'The key was refused';
  }
  return e.reason || `Connection closed (${e.code ?? 'unknown'})`;
}

/** GET a protected image (thumbnail, frame) as an object URL: <img> cannot send Authorization. */
export async function fetchImage(path: string): Promise<string> {
  const res = await fetch(path, { headers: headers() });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { errors?: { message: string; extensions?: { code?: string } }[] } | null;
    if (body?.errors?.length) fail(body.errors);
    throw new ApiError(`${path}: HTTP ${res.status}`, 'INTERNAL_SERVER_ERROR');
  }
  return URL.createObjectURL(await res.blob());
}

/** POST /upload with upload progress (fetch cannot report it; XMLHttpRequest can). */
export function upload(projectId: string, file: File, onProgress: (fraction: number) => void): Promise<{ id: string; deduplicated: boolean }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/upload?projectId=${encodeURIComponent(projectId)}&filename=${encodeURIComponent(file.name)}`);
    for (const [k, v] of Object.entries(headers())) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onerror = () => reject(new ApiError(`Upload of ${file.name} failed (network)`, 'INTERNAL_SERVER_ERROR'));
    xhr.onload = () => {
      try {
        const body = JSON.parse(xhr.responseText) as { data?: { media: { id: string }; deduplicated: boolean }; errors?: { message: string; extensions?: { code?: string } }[] };
        if (body.errors?.length) fail(body.errors);
        onProgress(1);
        resolve({ id: body.data!.media.id, deduplicated: body.data!.deduplicated });
      } catch (err) {
        reject(err);
      }
    };
    xhr.send(file);
  });
}
