// NODE_ENV=production: introspection off unless INTROSPECTION=true, no landing page; CSRF
// prevention in every mode (a simple request without a preflight-forcing header is refused).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';

const introspect = (url: string) =>
  fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __schema { queryType { name } } }' }) }).then((r) => r.json() as Promise<any>);

describe('production defaults', () => {
  let prod: TestServer;
  let open: TestServer;
  beforeAll(async () => {
    [prod, open] = await Promise.all([startTestServer({ env: { NODE_ENV: 'production' } }), startTestServer({ env: { NODE_ENV: 'production', INTROSPECTION: 'true' } })]);
  });
  afterAll(async () => {
    await prod?.stop();
    await open?.stop();
  });

  it('refuses introspection unless INTROSPECTION=true', async () => {
    const refused = await introspect(prod.url);
    expect(refused.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(refused.errors[0].message).toMatch(/introspection/i);
    expect((await introspect(open.url)).data.__schema.queryType.name).toBe('Query');
  });

  it('serves no landing page', async () => {
    const res = await fetch(`${prod.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await res.text()).not.toMatch(/<html/i);
  });

  it('refuses a cross-site simple request (CSRF prevention)', async () => {
    const simple = await fetch(`${prod.url}/graphql?query=${encodeURIComponent('{ models { name } }')}`);
    expect(simple.status).toBe(400);
    expect(await simple.text()).toMatch(/CSRF/i);
    const form = await fetch(`${prod.url}/graphql`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: '{ models { name } }' }) });
    expect(form.status).toBeGreaterThanOrEqual(400);
    const preflighted = await fetch(`${prod.url}/graphql?query=${encodeURIComponent('{ models { name } }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(((await preflighted.json()) as any).data.models.length).toBeGreaterThan(0);
  });
});
