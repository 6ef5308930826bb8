// Hardening (issue 11) with API keys, on a real server over real sockets: a revoked or expired key
// loses its open graphql-ws sockets (4403, subscriptions ended); list inputs are capped before
// coercion and scope is checked before input is read; bodies are small unless the caller may
// write; fragments at the root are charged; the metrics label set is bounded.
import { request } from 'node:http';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { runAs } from '../support/auth.js';
import { drawPicture, toPng } from '../support/draw.js';
import { httpClient } from '../support/gql.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { fixture, uploadFile } from '../support/tracking.js';

let srv: TestServer;
let admin: string;
let projectId: string;
let imageId: string;
let sessionId: string;
const key = async (scopes: ('read' | 'write' | 'admin')[] = ['write'], expiresAt?: Date) => (await srv.app.services.apiKeys.create({ name: 't', scopes, expiresAt })).secret;
const as = (secret: string) => httpClient(srv.url, { authorization: `Bearer ${secret}` });
const wsUrl = () => `${srv.url.replace(/^http/, 'ws')}/graphql`;

beforeAll(async () => {
  srv = await startTestServer({ env: { AUTH_MODE: 'apikey', RATE_LIMIT_PER_SEC: '0.1', RATE_LIMIT_BURST: '50', RATE_COST_INFERENCE: '10', WS_AUTH_RECHECK_MS: '500' } });
  admin = await key(['admin']);
  const a = as(admin);
  projectId = ((await a.raw('mutation { createProject(input: { name: "hardening" }) { project { id } } }')).data as any).createProject.project.id;
  const png = await toPng(drawPicture(64, 48, [{ kind: 'rect', x: 8, y: 8, w: 20, h: 16, color: [200, 40, 40] }]));
  imageId = ((await a.raw('mutation($p: ID!, $b: String!) { addMedia(input: { projectId: $p, base64: $b }) { media { id } } }', { p: projectId, b: png.toString('base64') })).data as any).addMedia.media.id;
  const videoId = (await uploadFile(srv.url, projectId, fixture('discs.mp4'), { authorization: `Bearer ${admin}` })).body.data.media.id;
  sessionId = ((await a.raw('mutation($m: ID!) { startSession(input: { mediaId: $m }) { session { id } } }', { m: videoId })).data as any).startSession.session.id;
}, 60_000);
afterAll(() => srv?.stop());

/** A graphql-ws client holding one open subscription; resolves `ended` with how it ended. */
function openSubscription(secret: string): { client: Client; ended: Promise<{ closeCode?: number; errors?: unknown }>; started: Promise<void> } {
  let closeCode: number | undefined;
  let started!: () => void;
  const startedP = new Promise<void>((r) => (started = r));
  const client = createClient({ url: wsUrl(), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${secret}` }, retryAttempts: 0, lazy: true, on: { closed: (e) => void (closeCode = (e as { code?: number }).code), connected: () => started() } });
  const ended = new Promise<{ closeCode?: number; errors?: unknown }>((resolve) =>
    client.subscribe({ query: 'subscription($s: ID!) { sessionEvents(sessionId: $s) { kind } }', variables: { s: sessionId } }, { next: () => undefined, error: (errors) => resolve({ closeCode: closeCode ?? (errors as { code?: number }).code, errors }), complete: () => resolve({ closeCode }) }),
  );
  return { client, ended, started: startedP };
}

describe('graphql-ws sockets follow their key', () => {
  it('a revoked key loses its open socket at once: 4403, its subscription ended', async () => {
    const secret = await key(['read']);
    const sub = openSubscription(secret);
    await sub.started;
    await new Promise((r) => setTimeout(r, 100)); // the subscribe message is on its way
    const id = (await srv.app.services.apiKeys.list({ first: 100 })).edges.map((e) => e.node).find((k) => secret.startsWith(k.prefix))!.id;
    expect((await as(admin).raw('mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { revokedAt } } }', { id })).errors).toBeUndefined();
    expect((await sub.ended).closeCode).toBe(4403);
    await sub.client.dispose();
  });

  it('a key that expires while its socket is open loses it', async () => {
    const secret = await key(['read'], new Date(Date.now() + 1500));
    const sub = openSubscription(secret);
    expect((await sub.ended).closeCode).toBe(4403);
    await sub.client.dispose();
  });

  it('a key revoked behind the server\'s back (another process, the CLI) is caught by the periodic check', async () => {
    const secret = await key(['read']);
    const sub = openSubscription(secret);
    await sub.started;
    const row = (await srv.app.services.apiKeys.list({ first: 100 })).edges.map((e) => e.node).find((k) => secret.startsWith(k.prefix))!;
    await srv.app.db.prisma.apiKey.update({ where: { id: row.id }, data: { revokedAt: new Date() } });
    // The verification cache trusts a key for up to 10 s, then the recheck sees the revocation.
    expect((await sub.ended).closeCode).toBe(4403);
    await sub.client.dispose();
  }, 30_000);
});

describe('list caps and scope, before coercion', () => {
  it('refuses 3 million object ids with BAD_USER_INPUT naming the cap (HTTP and graphql-ws)', async () => {
    const ids = Array.from({ length: 3_000_000 }, (_, i) => i);
    const query = 'query($s: ID!, $o: [Int!]) { frameMasks(sessionId: $s, objectIds: $o) { frameIndex } }';
    const writer = await key(['write']);
    const http = await as(writer).raw(query, { s: sessionId, o: ids });
    expect(http.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'objectIds', maxItems: 1000 });
    expect(http.errors?.[0]?.message).toMatch(/objectIds: at most 1000 items \(got 3000000\)/);
    const ws = await runAs('ws', srv.url, writer, { query, variables: { s: sessionId, o: ids } });
    expect(ws.result).toBe('BAD_USER_INPUT');
    // A read key may not even send such a body (GRAPHQL_MAX_BODY_BYTES).
    const res = await fetch(`${srv.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await key(['read'])}` }, body: JSON.stringify({ query, variables: { s: sessionId, o: ids } }) });
    expect(res.status).toBe(413);
  });

  it('caps literal lists and nested lists (objects, points, phrases, objectIds)', async () => {
    const w = as(await key(['write']));
    const literal = await w.raw(`query($s: ID!) { frameMasks(sessionId: $s, objectIds: [${Array.from({ length: 1001 }, (_, i) => i).join(',')}]) { frameIndex } }`, { s: sessionId });
    expect(literal.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const seg = 'mutation($i: SegmentImageInput!) { segmentImage(input: $i) { width } }';
    const points = await w.raw(seg, { i: { mediaId: imageId, objects: [{ points: Array.from({ length: 400_000 }, () => ({ x: 0.5, y: 0.5 })) }] } });
    expect(points.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.objects.points', maxItems: 64 });
    const objects = await w.raw(seg, { i: { mediaId: imageId, objects: Array.from({ length: 33 }, () => ({ points: [{ x: 0.5, y: 0.5 }] })) } });
    expect(objects.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.objects', maxItems: 32 });
    const phrases = await w.raw('mutation($i: SegmentPhrasesInput!) { segmentPhrases(input: $i) { cacheHit } }', { i: { mediaId: imageId, phrases: Array.from({ length: 40 }, () => 'red') } });
    expect(phrases.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.phrases' });
  });

  it('checks the scope of a mutation before its variables are coerced', async () => {
    // Variables that do not even coerce: a read key is told FORBIDDEN, not about its input.
    const reader = await key(['read']);
    for (const t of ['http', 'ws'] as const) {
      const out = await runAs(t, srv.url, reader, { query: 'mutation($i: SegmentImageInput!) { segmentImage(input: $i) { width } }', variables: { i: { objects: 'not a list of objects', coordinates: 'NOWHERE' } } });
      expect(out.result).toBe('FORBIDDEN');
    }
  });
});

describe('body limits', () => {
  it('answers an unauthenticated large body before reading it', async () => {
    const declared = 50 * 1024 * 1024;
    const res = await new Promise<{ status?: number; sentBytes: number }>((resolve, reject) => {
      let sent = 0;
      const req = request(`${srv.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': declared } }, (r) => resolve({ status: r.statusCode, sentBytes: sent }));
      req.on('error', reject);
      // Only the first kilobyte of the declared 50 MB is ever sent.
      req.write('{"query":"' + ' '.repeat(1000));
      sent = 1010;
    });
    expect(res.status).toBe(401);
  });

  it('lets only callers who may write send bodies over GRAPHQL_MAX_BODY_BYTES (base64 media)', async () => {
    const pad = ' '.repeat(2 * 1024 * 1024);
    const body = (secret: string) => fetch(`${srv.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` }, body: `{"query":"{ models { name } }"${pad}}` });
    const read = await body(await key(['read']));
    expect(read.status).toBe(413);
    expect(((await read.json()) as any).errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TOO_LARGE' });
    expect((await body(await key(['write']))).status).toBe(200);
  });

  it('graphql-ws: a frame over GRAPHQL_MAX_BODY_BYTES before connection_ack closes the socket (1009) unread', async () => {
    const socket = new WebSocket(wsUrl(), 'graphql-transport-ws');
    await new Promise((r) => socket.once('open', r));
    const closed = new Promise<number>((r) => socket.once('close', (code) => r(code)));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${await key(['write'])}`, junk: 'x'.repeat(2 * 1024 * 1024) } }));
    expect(await closed).toBe(1009);
  });

  it('graphql-ws: after connection_ack, a read key keeps the small limit and a write key gets the media limit', async () => {
    const frame = async (secret: string) => {
      const socket = new WebSocket(wsUrl(), 'graphql-transport-ws');
      await new Promise((r) => socket.once('open', r));
      const messages: any[] = [];
      socket.on('message', (m) => messages.push(JSON.parse(String(m))));
      const closed = new Promise<number>((r) => socket.once('close', (code) => r(code)));
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${secret}` } }));
      while (!messages.some((m) => m.type === 'connection_ack')) await new Promise((r) => setTimeout(r, 20));
      socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `{ models { name } }${' '.repeat(2 * 1024 * 1024)}` } }));
      const outcome = await Promise.race([closed, new Promise<string>((resolve) => socket.on('message', (m) => JSON.parse(String(m))?.type === 'complete' && resolve('complete')))]);
      socket.close();
      return outcome;
    };
    expect(await frame(await key(['read']))).toBe(1009);
    expect(await frame(await key(['write']))).toBe('complete');
  });
});

describe('rate limits and metrics', () => {
  it('charges every root field behind a fragment at the root', async () => {
    const k = await key(['write']);
    const fields = Array.from({ length: 6 }, (_, i) => `a${i}: segmentImage(input: { mediaId: "${imageId}", objects: [{ points: [{ x: 0.5, y: 0.5 }] }] }) { width }`).join(' ');
    const first = await runAs('http', srv.url, k, { query: `mutation { ... on Mutation { ${fields} } }` });
    expect(first.result).not.toBe('RATE_LIMITED'); // a full bucket lets one dear operation through
    // 6 inferences (60 tokens) emptied the 50-token bucket: the next read waits.
    expect((await runAs('http', srv.url, k, { query: '{ models { name } }' })).result).toBe('RATE_LIMITED');
  });

  it('labels metrics by root field, not by the name a client chose', async () => {
    const k = await key(['read']);
    for (let i = 0; i < 5; i++) await runAs('http', srv.url, k, { query: `query Junk${i}x${'y'.repeat(50)} { models { name } }` });
    const text = await (await fetch(`${srv.url}/metrics`, { headers: { authorization: `Bearer ${admin}` } })).text();
    expect(text).not.toMatch(/Junk\d/);
    expect(text).toMatch(/maskql_graphql_requests_total\{operation="models",type="query",outcome="ok"\} \d+/);
  });
});
