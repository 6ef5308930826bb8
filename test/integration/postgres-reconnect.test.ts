// PostgreSQL dropping the server's idle connections (a restart, a failover) must not crash the
// process: the pool replaces them and the next request is served.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpClient } from '../support/gql.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const url = process.env.TEST_DATABASE_URL;

describe.skipIf(!url)('PostgreSQL connections dropped under a running server', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ db: 'postgres' });
  });
  afterAll(() => srv?.stop());

  it('keeps serving after every connection of its database is terminated', async () => {
    const gql = httpClient(srv.url);
    expect((await gql.raw('{ projects { totalCount } }')).errors).toBeUndefined();
    const db = new URL(srv.env.DATABASE_URL!).pathname.slice(1);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const killed = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [db]);
    await admin.end();
    expect(killed.rowCount).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 300));
    let r = await gql.raw('{ projects { totalCount } }');
    // A query racing the termination may fail once; the next one runs on a new connection.
    if (r.errors) r = await gql.raw('{ projects { totalCount } }');
    expect(r.errors).toBeUndefined();
    expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
  });
});
