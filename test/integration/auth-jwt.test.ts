// AUTH_MODE=jwt: tokens signed with an HMAC secret or an RSA key, scopes and projects in their
// claims, the same rules over HTTP and graphql-ws; forged, expired and confused tokens refused.
import { exportSPKI, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAs, type Transport } from '../support/auth.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const SECRET = 'a-test-secret-of-at-least-32-characters!!';
const hs = (claims: JWTPayload, opts: { secret?: string; exp?: string | number } = {}) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(opts.exp ?? '5m').sign(new TextEncoder().encode(opts.secret ?? SECRET));

const transports: Transport[] = ['http', 'ws'];

describe('AUTH_MODE=jwt with an HMAC secret', () => {
  let srv: TestServer;
  let P: string;
  let Q: string;

  beforeAll(async () => {
    srv = await startTestServer({ env: { AUTH_MODE: 'jwt', JWT_SECRET: SECRET, JWT_ISSUER: 'https://issuer.test' } });
    const admin = await hs({ sub: 'root', scope: 'admin', iss: 'https://issuer.test' });
    const create = async (name: string) => ((await runAs('http', srv.url, admin, { query: 'mutation($n: String!) { createProject(input: { name: $n }) { project { id } } }', variables: { n: name } })).data as any).createProject.project.id;
    P = await create('P');
    Q = await create('Q');
  });
  afterAll(() => srv?.stop());

  it.each(transports)('takes scopes from the scope claim (%s)', async (t) => {
    const read = await hs({ sub: 'alice', scope: 'read', iss: 'https://issuer.test' });
    expect((await runAs(t, srv.url, read, { query: '{ projects { totalCount } }' })).result).toBe('ok');
    expect((await runAs(t, srv.url, read, { query: 'mutation { createProject(input: { name: "x" }) { project { id } } }' })).result).toBe('FORBIDDEN');
    const writer = await hs({ sub: 'bob', scopes: ['write'], iss: 'https://issuer.test' });
    expect((await runAs(t, srv.url, writer, { query: 'mutation { createProject(input: { name: "x" }) { project { id } } }' })).result).toBe('ok');
  });

  it.each(transports)('fences a token with a projects claim (%s)', async (t) => {
    const limited = await hs({ sub: 'carol', scope: 'read write', projects: [P], iss: 'https://issuer.test' });
    const list = await runAs(t, srv.url, limited, { query: '{ projects { edges { node { id } } } }' });
    expect(list.text).toContain(P);
    expect(list.text).not.toContain(Q);
    expect((await runAs(t, srv.url, limited, { query: 'query($id: ID!) { project(id: $id) { id } }', variables: { id: Q } })).result).toBe('NOT_FOUND');
  });

  it.each(transports)('refuses expired, forged, unsigned, wrong-issuer and subject-less tokens (%s)', async (t) => {
    const q = { query: '{ models { name } }' };
    const refused = [
      await hs({ sub: 'x', scope: 'read', iss: 'https://issuer.test' }, { exp: Math.floor(Date.now() / 1000) - 60 }),
      await hs({ sub: 'x', scope: 'read', iss: 'https://issuer.test' }, { secret: 'another-secret-of-at-least-32-characters' }),
      await hs({ sub: 'x', scope: 'read', iss: 'https://elsewhere.test' }),
      await hs({ scope: 'read', iss: 'https://issuer.test' }),
      // alg "none": a header and a payload with no signature.
      `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', scope: 'admin', iss: 'https://issuer.test' })).toString('base64url')}.`,
      'not-a-token',
    ];
    for (const token of refused) expect((await runAs(t, srv.url, token, q)).result).toBe('UNAUTHENTICATED');
    expect((await runAs(t, srv.url, null, q)).result).toBe('UNAUTHENTICATED');
  });
});

describe('AUTH_MODE=jwt with an RSA public key', () => {
  let srv: TestServer;
  let privateKey: CryptoKey;
  let publicPem: string;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    privateKey = pair.privateKey;
    publicPem = await exportSPKI(pair.publicKey);
    // Newlines escaped, as a PEM often travels through an environment variable.
    srv = await startTestServer({ env: { AUTH_MODE: 'jwt', JWT_PUBLIC_KEY: publicPem.replace(/\n/g, '\\n'), JWT_AUDIENCE: 'maskql' } });
  });
  afterAll(() => srv?.stop());

  it('accepts RS256 tokens of the key, and refuses HS256 tokens signed with the public key as a secret', async () => {
    const good = await new SignJWT({ sub: 'svc', scope: 'read' }).setProtectedHeader({ alg: 'RS256' }).setAudience('maskql').setExpirationTime('5m').sign(privateKey);
    expect((await runAs('http', srv.url, good, { query: '{ models { name } }' })).result).toBe('ok');
    expect((await runAs('ws', srv.url, good, { query: '{ models { name } }' })).result).toBe('ok');
    const wrongAudience = await new SignJWT({ sub: 'svc', scope: 'read' }).setProtectedHeader({ alg: 'RS256' }).setAudience('other').setExpirationTime('5m').sign(privateKey);
    expect((await runAs('http', srv.url, wrongAudience, { query: '{ models { name } }' })).result).toBe('UNAUTHENTICATED');
    const confused = await hs({ sub: 'svc', scope: 'admin', aud: 'maskql' }, { secret: publicPem });
    expect((await runAs('http', srv.url, confused, { query: '{ models { name } }' })).result).toBe('UNAUTHENTICATED');
  });
});
