// Per-key rate limits (RATE_LIMITED with a retry-after), per-key caps on sessions and
// subscriptions, revocation, /metrics for admins, and the npm run keys CLI, on a real server.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { runAs } from '../support/auth.js';
import { drawPicture, toPng } from '../support/draw.js';
import { httpClient, wsClient } from '../support/gql.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { fixture, uploadFile, waitFor } from '../support/tracking.js';

const run = promisify(execFile);

/** A server with AUTH_MODE=apikey and these limits, a project with an image and a video, and an admin key. */
function apiKeyServer(limits: Record<string, string>) {
  const w = {} as { srv: TestServer; admin: string; imageId: string; videoId: string; key(scopes?: ('read' | 'write' | 'admin')[]): Promise<string>; as(secret: string): ReturnType<typeof httpClient> };
  beforeAll(async () => {
    const srv = await startTestServer({ env: { AUTH_MODE: 'apikey', ...limits } });
    w.srv = srv;
    w.key = async (scopes = ['write']) => (await srv.app.services.apiKeys.create({ name: 't', scopes })).secret;
    w.as = (secret) => httpClient(srv.url, { authorization: `Bearer ${secret}` });
    w.admin = await w.key(['admin']);
    const a = w.as(w.admin);
    const projectId = ((await a.raw('mutation { createProject(input: { name: "limits" }) { project { id } } }')).data as any).createProject.project.id;
    const png = await toPng(drawPicture(64, 48, [{ kind: 'rect', x: 8, y: 8, w: 20, h: 16, color: [200, 40, 40] }]));
    w.imageId = ((await a.raw('mutation($p: ID!, $b: String!) { addMedia(input: { projectId: $p, base64: $b }) { media { id } } }', { p: projectId, b: png.toString('base64') })).data as any).addMedia.media.id;
    w.videoId = (await uploadFile(srv.url, projectId, fixture('discs.mp4'), { authorization: `Bearer ${w.admin}` })).body.data.media.id;
  }, 60_000);
  afterAll(() => w.srv?.stop());
  return w;
}

describe('per-key rate limits (AUTH_MODE=apikey)', () => {
  const w = apiKeyServer({ RATE_LIMIT_PER_SEC: '0.25', RATE_LIMIT_BURST: '6', RATE_COST_INFERENCE: '6' });

  it('answers RATE_LIMITED with a retry-after once a key spends its bucket, and only that key', async () => {
    const k = await w.key(['read']);
    for (let i = 0; i < 6; i++) expect((await runAs('http', w.srv.url, k, { query: '{ models { name } }' })).result).toBe('ok');
    const res = await fetch(`${w.srv.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${k}` }, body: JSON.stringify({ query: '{ models { name } }' }) });
    expect(res.status).toBe(429);
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    const body = (await res.json()) as any;
    expect(body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', retryable: true, retryAfter });
    // Another key has its own bucket.
    expect((await runAs('http', w.srv.url, await w.key(['read']), { query: '{ models { name } }' })).result).toBe('ok');
    await new Promise((r) => setTimeout(r, retryAfter * 1000));
    expect((await runAs('http', w.srv.url, k, { query: '{ models { name } }' })).result).toBe('ok');
  });

  it('charges inference more than reads, over graphql-ws too', async () => {
    const k = await w.key();
    const segment = { query: 'mutation($m: ID!) { segmentImage(input: { mediaId: $m, model: "demo-sam", objects: [{ points: [{ x: 0.25, y: 0.3 }] }] }) { width } }', variables: { m: w.imageId } };
    expect((await runAs('ws', w.srv.url, k, segment)).result).toBe('ok'); // 6 of 6 tokens
    const limited = await runAs('ws', w.srv.url, k, segment);
    expect(limited.result).toBe('RATE_LIMITED');
    expect(limited.text).toMatch(/"retryAfter":[1-9]/);
  });
});

describe('per-key caps, revocation, /metrics (AUTH_MODE=apikey)', () => {
  const w = apiKeyServer({ RATE_LIMIT_PER_SEC: '0', SESSION_MAX_OPEN_PER_KEY: '1', WS_MAX_SUBSCRIPTIONS_PER_KEY: '2' });

  it('caps open sessions per key', async () => {
    const k = await w.key();
    const start = { query: 'mutation($m: ID!) { startSession(input: { mediaId: $m, model: "demo-sam" }) { session { id } } }', variables: { m: w.videoId } };
    const first = await runAs('http', w.srv.url, k, start);
    expect(first.result).toBe('ok');
    expect((await runAs('http', w.srv.url, k, start)).result).toBe('RESOURCE_EXHAUSTED');
    // Another key is not held by this one's sessions.
    expect((await runAs('http', w.srv.url, await w.key(), start)).result).toBe('ok');
    const id = (first.data as any).startSession.session.id;
    expect((await runAs('http', w.srv.url, k, { query: 'mutation($s: ID!) { closeSession(input: { sessionId: $s }) { freedBytes } }', variables: { s: id } })).result).toBe('ok');
    expect((await runAs('http', w.srv.url, k, start)).result).toBe('ok');
  });

  it('caps subscriptions per key across sockets, and frees the slot when one ends', async () => {
    const k = await w.key(['read']);
    const session = ((await w.as(w.admin).raw('mutation($m: ID!) { startSession(input: { mediaId: $m, model: "demo-sam" }) { session { id } } }', { m: w.videoId })).data as any).startSession.session.id;
    const sockets = [0, 1, 2].map(() => wsClient(w.srv.url, { authorization: `Bearer ${k}` }));
    const outcomes: unknown[] = [];
    const subscribe = (i: number) => sockets[i]!.subscribe({ query: 'subscription($s: ID!) { sessionEvents(sessionId: $s) { kind } }', variables: { s: session } }, { next: () => undefined, error: (e) => outcomes.push([i, e]), complete: () => undefined });
    // Subscriptions the server holds, from /metrics: waits on the server, not on the clock.
    const active = async () => Number(/^maskql_subscriptions_active (\d+)/m.exec(await (await fetch(`${w.srv.url}/metrics`, { headers: { authorization: `Bearer ${w.admin}` } })).text())?.[1]);
    try {
      const stop0 = subscribe(0);
      subscribe(1);
      await waitFor(async () => (await active()) === 2);
      subscribe(2);
      await waitFor(async () => outcomes.length > 0);
      expect(JSON.stringify(outcomes)).toMatch(/\[2,.*At most 2 subscriptions at once per key.*RESOURCE_EXHAUSTED/);
      stop0();
      await waitFor(async () => (await active()) === 1);
      outcomes.length = 0;
      subscribe(2);
      await waitFor(async () => (await active()) === 2);
      expect(outcomes).toEqual([]);
    } finally {
      await Promise.all(sockets.map((s) => s.dispose()));
    }
  });

  it('revocation takes effect at once, over HTTP and graphql-ws', async () => {
    const created = (await w.as(w.admin).raw('mutation { createApiKey(input: { name: "short-lived", scopes: [read] }) { secret apiKey { id prefix } } }')).data as any;
    const { secret, apiKey } = created.createApiKey;
    expect(secret.startsWith(apiKey.prefix)).toBe(true);
    expect((await runAs('http', w.srv.url, secret, { query: '{ models { name } }' })).result).toBe('ok');
    await w.as(w.admin).raw('mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { revokedAt } } }', { id: apiKey.id });
    expect((await runAs('http', w.srv.url, secret, { query: '{ models { name } }' })).result).toBe('UNAUTHENTICATED');
    expect((await runAs('ws', w.srv.url, secret, { query: '{ models { name } }' })).result).toBe('UNAUTHENTICATED');
    // The secret is nowhere in what the server keeps or lists.
    const listed = JSON.stringify((await w.as(w.admin).raw('{ apiKeys(first: 100) { edges { node { id prefix revokedAt } } } }')).data);
    expect(listed).not.toContain(secret);
    expect(listed).toContain(apiKey.id);
  });

  it('serves /metrics to admins only', async () => {
    expect((await fetch(`${w.srv.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${w.srv.url}/metrics`, { headers: { authorization: `Bearer ${await w.key(['write'])}` } })).status).toBe(403);
    const res = await fetch(`${w.srv.url}/metrics`, { headers: { authorization: `Bearer ${w.admin}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/maskql_graphql_requests_total/);
  });
});

describe('npm run keys (the CLI)', () => {
  it('creates, lists and revokes keys in the configured database; a created key opens the server', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'maskql-keys-'));
    try {
      await cp(inject('pgliteTemplate'), path.join(dataDir, 'db'), { recursive: true });
      const cli = (...args: string[]) => run(process.execPath, [path.join(PACKAGE_ROOT, 'dist/src/cli/main.js'), 'keys', ...args], { env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '' } });
      const created = await cli('create', '--name', 'ci', '--scopes', 'read');
      const secret = /^(mqk_\S+)$/m.exec(created.stdout)?.[1];
      expect(secret).toBeDefined();
      const id = /^([0-9a-f-]{36}) /m.exec(created.stdout)![1]!;
      await expect(cli('create', '--name', 'bad', '--scopes', 'root')).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/Unknown scope "root"/) });

      // The CLI's database, served: its key opens it.
      const served = await startTestServer({ dataDir, env: { AUTH_MODE: 'apikey' } });
      try {
        expect((await runAs('http', served.url, secret!, { query: '{ models { name } }' })).result).toBe('ok');
      } finally {
        await served.stop();
      }
      expect((await cli('list')).stdout).toContain(id);
      expect((await cli('revoke', id)).stdout).toMatch(/REVOKED/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
