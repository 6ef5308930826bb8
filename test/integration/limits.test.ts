// Query depth, alias and cost limits (HTTP and graphql-ws), the graphql-ws init timeout and
// per-socket cap, the inference deadline, and /metrics.
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CreateProjectDocument, SegmentImageDocument, SessionEventsDocument, StartSessionDocument } from '../../client/generated/graphql.js';
import { drawPicture, toPng } from '../support/draw.js';
import { httpClient, wsClient } from '../support/gql.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { fixture, uploadFile } from '../support/tracking.js';

describe('limits', () => {
  let srv: TestServer;
  let gql: ReturnType<typeof httpClient>;

  beforeAll(async () => {
    srv = await startTestServer({ env: { QUERY_MAX_DEPTH: '8', QUERY_MAX_ALIASES: '10', QUERY_MAX_COST: '500', WS_CONNECTION_INIT_TIMEOUT_MS: '300', WS_MAX_SUBSCRIPTIONS: '2' } });
    gql = httpClient(srv.url);
  });
  afterAll(() => srv?.stop());

  const deep = '{ projects { edges { node { media { edges { node { project { media { totalCount } } } } } } } } }';
  const aliases = `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: models { name }`).join(' ')} }`;

  it('refuses documents too deep, with too many aliases, or too costly (HTTP)', async () => {
    for (const q of [deep, aliases]) {
      const r = await gql.raw(q);
      expect(r.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(r.data ?? null).toBeNull();
    }
    const costly = `{ ${Array.from({ length: 9 }, (_, i) => `p${i}: projects(first: 100) { edges { node { id name media { edges { node { id width height } } } } } }`).join(' ')} }`;
    expect((await gql.raw(costly)).errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect((await gql.raw('{ models { name } }')).errors).toBeUndefined();
  });

  it('refuses them over graphql-ws too', async () => {
    const client = wsClient(srv.url);
    try {
      const err = await new Promise<unknown>((resolve) => client.subscribe({ query: deep }, { next: () => undefined, error: resolve, complete: () => resolve(null) }));
      expect(JSON.stringify(err)).toMatch(/GRAPHQL_VALIDATION_FAILED/);
    } finally {
      await client.dispose();
    }
  });

  it('closes a socket that does not initialise in time', async () => {
    const socket = new WebSocket(`${srv.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    const code = await new Promise<number>((resolve) => socket.on('close', (c) => resolve(c)));
    expect(code).toBe(4408);
  });

  it('caps operations in flight per socket', async () => {
    const p = (await gql.request(CreateProjectDocument, { input: { name: 'cap' } })).createProject.project.id;
    const v = (await uploadFile(srv.url, p, fixture('discs.mp4'))).body.data.media.id;
    const s = (await gql.request(StartSessionDocument, { input: { mediaId: v, model: 'demo-sam' } })).startSession.session;
    const client = wsClient(srv.url);
    const outcomes: unknown[] = [];
    const subs = [0, 1, 2].map(() =>
      client.subscribe({ query: print(SessionEventsDocument), variables: { sessionId: s.id } }, { next: () => undefined, error: (e) => outcomes.push(e), complete: () => undefined }),
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(outcomes).toHaveLength(1);
    expect(JSON.stringify(outcomes[0])).toMatch(/RESOURCE_EXHAUSTED/);
    subs.forEach((u) => u());
    await client.dispose();
  });

  it('/metrics reports requests, inference by model and stage, sessions, cache and memory', async () => {
    const png = (await toPng(drawPicture(64, 64, [{ kind: 'disc', color: [200, 0, 0], x: 32, y: 32, r: 16 }]))).toString('base64');
    await gql.request(SegmentImageDocument, { input: { imageBase64: png, objects: [{ points: [{ x: 0.5, y: 0.5 }] }] } });
    await gql.request(SegmentImageDocument, { input: { imageBase64: png, objects: [{ points: [{ x: 0.5, y: 0.5 }] }] } });
    const res = await fetch(`${srv.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/maskql_graphql_requests_total\{operation="segmentImage",type="mutation",outcome="ok"\} 2/);
    expect(text).toMatch(/maskql_inference_duration_seconds_count\{model="demo",stage="encode"\} 1/);
    expect(text).toMatch(/maskql_inference_duration_seconds_count\{model="demo",stage="decode"\} 2/);
    expect(text).toMatch(/maskql_embedding_cache_hit_ratio 0\.5/);
    expect(text).toMatch(/maskql_sessions_open \d/);
    expect(text).toMatch(/maskql_inference_queue_depth\{device="cpu",state="waiting"\} 0/);
    expect(text).toMatch(/maskql_process_resident_memory_bytes \d+/);
  });
});

describe('inference deadline', () => {
  it('an inference past INFERENCE_TIMEOUT_MS fails with INFERENCE_FAILED, retryable', async () => {
    const srv = await startTestServer({ env: { INFERENCE_TIMEOUT_MS: '100', PRELOAD_MODELS: 'demo' } });
    try {
      const gql = httpClient(srv.url);
      // A big image: its preprocessing and encoding take longer than 100 ms on this machine's CPU.
      const png = (await toPng(drawPicture(1600, 1200, [{ kind: 'disc', color: [200, 0, 0], x: 800, y: 600, r: 300 }]))).toString('base64');
      const objects = Array.from({ length: 16 }, () => ({ points: Array.from({ length: 60 }, (_, i) => ({ x: 0.5 + i / 1000, y: 0.5, label: i % 2 ? ('NEGATIVE' as const) : ('POSITIVE' as const) })) }));
      const err = await gql.fail(SegmentImageDocument, { input: { imageBase64: png, objects } });
      expect(err.code).toBe('INFERENCE_FAILED');
      expect(err.extensions).toMatchObject({ retryable: true, reason: 'DEADLINE_EXCEEDED' });
    } finally {
      await srv.stop();
    }
  });
});
