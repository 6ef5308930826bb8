// Hardening (issue 11) with JWTs in production, on a real server over real sockets: a token that
// expires closes its graphql-ws socket (4403); `projects: []` grants no project; tokens without
// exp are refused by default in production (JWT_REQUIRE_EXP); graphql-ws follows the production
// rules of HTTP (no introspection, coded errors, no field suggestions).
import { SignJWT, type JWTPayload } from 'jose';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { runAs, type Transport } from '../support/auth.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const SECRET = 'a-test-secret-of-at-least-32-characters!!';
const sign = (claims: JWTPayload, exp: string | number | null = '5m') => {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
  if (exp !== null) jwt.setExpirationTime(exp);
  return jwt.sign(new TextEncoder().encode(SECRET));
};
const transports: Transport[] = ['http', 'ws'];

describe('AUTH_MODE=jwt, NODE_ENV=production', () => {
  let prod: TestServer;
  let lax: TestServer;
  let P: string;

  beforeAll(async () => {
    [prod, lax] = await Promise.all([
      startTestServer({ env: { NODE_ENV: 'production', AUTH_MODE: 'jwt', JWT_SECRET: SECRET } }),
      startTestServer({ env: { NODE_ENV: 'production', AUTH_MODE: 'jwt', JWT_SECRET: SECRET, JWT_REQUIRE_EXP: 'false' } }),
    ]);
    const admin = await sign({ sub: 'root', scope: 'admin' });
    P = ((await runAs('http', prod.url, admin, { query: 'mutation { createProject(input: { name: "P" }) { project { id } } }' })).data as any).createProject.project.id;
  }, 60_000);
  afterAll(async () => {
    await prod?.stop();
    await lax?.stop();
  });

  it.each(transports)('a token with projects: [] sees no project (%s)', async (t) => {
    const none = await sign({ sub: 'nobody', scope: 'write', projects: [] });
    const list = await runAs(t, prod.url, none, { query: '{ projects { totalCount edges { node { id } } } }' });
    expect(list.result).toBe('ok');
    expect((list.data as any).projects.totalCount).toBe(0);
    expect(list.text).not.toContain(P);
    expect((await runAs(t, prod.url, none, { query: 'query($id: ID!) { project(id: $id) { id } }', variables: { id: P } })).result).toBe('NOT_FOUND');
    expect((await runAs(t, prod.url, none, { query: 'mutation { createProject(input: { name: "x" }) { project { id } } }' })).result).toBe('FORBIDDEN');
  });

  it.each(transports)('refuses a token without exp in production unless JWT_REQUIRE_EXP=false (%s)', async (t) => {
    const forever = await sign({ sub: 'svc', scope: 'read' }, null);
    expect((await runAs(t, prod.url, forever, { query: '{ models { name } }' })).result).toBe('UNAUTHENTICATED');
    expect((await runAs(t, lax.url, forever, { query: '{ models { name } }' })).result).toBe('ok');
  });

  it('closes a graphql-ws socket when its token expires (4403)', async () => {
    // Expires in 1 s; the server accepts 5 s of clock skew past exp, then closes the socket.
    const token = await sign({ sub: 'short', scope: 'read' }, Math.floor(Date.now() / 1000) + 1);
    const closed = new Promise<number | undefined>((resolve) => {
      const client = createClient({
        url: `${prod.url.replace(/^http/, 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${token}` },
        retryAttempts: 0,
        lazy: false, // the socket stays open with no operation running
        onNonLazyError: () => undefined, // its close is what this test waits for
        on: { closed: (e) => resolve((e as { code?: number }).code) },
      });
      // While the token is valid, operations run on that socket.
      client.subscribe({ query: '{ models { name } }' }, { next: () => undefined, error: () => undefined, complete: () => undefined });
    });
    expect(await closed).toBe(4403);
  }, 20_000);

  it('graphql-ws follows the production rules of HTTP: no introspection, coded errors, no suggestions', async () => {
    const token = await sign({ sub: 'reader', scope: 'read' });
    const introspection = await runAs('ws', prod.url, token, { query: '{ __schema { queryType { name } } }' });
    expect(introspection.result).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(introspection.text).toMatch(/introspection/i);
    const typo = await runAs('ws', prod.url, token, { query: '{ projectz { totalCount } }' });
    expect(typo.result).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(typo.text).not.toMatch(/Did you mean/);
    const http = await runAs('http', prod.url, token, { query: '{ projectz { totalCount } }' });
    expect(http.text).not.toMatch(/Did you mean/);
    // Variables that do not coerce: BAD_USER_INPUT over both transports, as Apollo says over HTTP.
    for (const t of transports) {
      const bad = await runAs(t, prod.url, token, { query: 'query($f: Int!) { projects(first: $f) { totalCount } }', variables: { f: 'many' } });
      expect(bad.result).toBe('BAD_USER_INPUT');
    }
  });
});
