// The CLI's connection to a running maskql: GraphQL over HTTP, subscriptions over graphql-ws,
// and POST /upload streamed from the file with its progress.
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export class CliError extends Error {
  constructor(message: string, readonly code = 'ERROR') {
    super(message);
  }
}

type GqlErrors = { message: string; extensions?: { code?: string } }[];
const failure = (errors: GqlErrors) => new CliError(errors.map((e) => `${e.message}${e.extensions?.code ? ` (${e.extensions.code})` : ''}`).join('; '), errors[0]?.extensions?.code);

export class MaskqlClient {
  private ws: Client | null = null;

  constructor(readonly url: string, private readonly key?: string) {}

  private headers(): Record<string, string> {
    return this.key ? { authorization: `Bearer ${this.key}` } : {};
  }

  private async send(input: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(new URL(input, this.url), init);
    } catch (err) {
      throw new CliError(`cannot reach maskql at ${this.url}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`, 'UNREACHABLE');
    }
  }

  async request<T, V>(doc: TypedDocumentNode<T, V>, variables?: V): Promise<T> {
    const res = await this.send('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...this.headers() }, body: JSON.stringify({ query: print(doc), variables }) });
    const body = (await res.json().catch(() => ({ errors: [{ message: `HTTP ${res.status}` }] }))) as { data?: T; errors?: GqlErrors };
    if (body.errors?.length) throw failure(body.errors);
    return body.data as T;
  }

  /** Follows a subscription until it ends; `next` may return true to stop early. */
  follow<T, V>(doc: TypedDocumentNode<T, V>, variables: V, next: (data: T) => boolean | void): Promise<void> {
    this.ws ??= createClient({ url: this.url.replace(/^http/, 'ws') + '/graphql', webSocketImpl: WebSocket, connectionParams: this.headers(), retryAttempts: 0 });
    return new Promise((resolve, reject) => {
      const stop = this.ws!.subscribe<T>(
        { query: print(doc), variables: variables as Record<string, unknown> },
        {
          next: (r) => {
            if (r.errors?.length) return reject(failure(r.errors as GqlErrors));
            if (r.data && next(r.data)) {
              stop();
              resolve();
            }
          },
          error: (err) => reject(err instanceof Error ? err : new CliError(`subscription closed: ${(err as { reason?: string }).reason || (err as { code?: number }).code}`)),
          complete: () => resolve(),
        },
      );
    });
  }

  /** POST /upload, streaming the file; `progress(sent, total)` as it goes. */
  async upload(projectId: string, file: string, progress: (sent: number, total: number) => void): Promise<{ id: string; kind: string; width: number; height: number; frameCount: number | null; filename: string | null; deduplicated: boolean }> {
    const total = (await stat(file)).size;
    let sent = 0;
    const stream = createReadStream(file, { highWaterMark: 256 * 1024 });
    stream.on('data', (chunk) => progress((sent += chunk.length), total));
    const res = await this.send(`/upload?projectId=${encodeURIComponent(projectId)}&filename=${encodeURIComponent(path.basename(file))}`, {
      method: 'POST',
      headers: { 'content-length': String(total), ...this.headers() },
      body: Readable.toWeb(stream) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    const body = (await res.json()) as { data?: { media: never; deduplicated: boolean }; errors?: GqlErrors };
    if (body.errors?.length) throw failure(body.errors);
    return { ...(body.data!.media as object), deduplicated: body.data!.deduplicated } as never;
  }

  /** GET a signed URL path (an artifact) into `file`; `progress(received, total)` as it goes. */
  async download(urlPath: string, file: string, progress: (received: number, total: number) => void): Promise<number> {
    const res = await this.send(urlPath, {});
    if (!res.ok || !res.body) {
      const body = (await res.json().catch(() => null)) as { errors?: GqlErrors } | null;
      throw body?.errors?.length ? failure(body.errors) : new CliError(`download failed: HTTP ${res.status}`);
    }
    const total = Number(res.headers.get('content-length')) || 0;
    let received = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        progress((received += chunk.length), total || received);
        done(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(res.body as never), count, createWriteStream(file));
    } catch (err) {
      // No half-written file left behind.
      await rm(file, { force: true });
      throw new CliError(`download into ${file} failed: ${(err as Error).message}`);
    }
    return received;
  }

  async dispose(): Promise<void> {
    await this.ws?.dispose();
  }
}
