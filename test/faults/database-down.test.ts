// PostgreSQL going away under a running server (here: the TCP path to it cut, as a crash or a
// network partition would): requests get RESOURCE_EXHAUSTED with retryable and a reason, not
// INTERNAL_SERVER_ERROR; /healthz says the database is down (503); once it is back, all is served.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateProjectDocument } from '../../client/generated/graphql.js';
import { httpClient } from '../support/gql.js';
import { createPostgresDatabase, startTestServer, type TestServer } from '../support/test-server.js';

const adminUrl = process.env.TEST_DATABASE_URL;

/** A TCP relay to PostgreSQL that can be cut (every connection dropped, new ones refused) and restored. */
class Relay {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  port = 0;
  constructor(private readonly target: { host: string; port: number }) {}
  async open(): Promise<void> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', r));
    this.port = (this.server.address() as net.AddressInfo).port;
  }
  async cut(): Promise<void> {
    const closed = new Promise((r) => this.server!.close(r));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

describe.skipIf(!adminUrl)('PostgreSQL down under a running server', () => {
  let srv: TestServer;
  let relay: Relay;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const db = await createPostgresDatabase(adminUrl!);
    drop = db.drop;
    const url = new URL(db.url);
    relay = new Relay({ host: url.hostname, port: Number(url.port || 5432) });
    await relay.open();
    url.hostname = '127.0.0.1';
    url.port = String(relay.port);
    srv = await startTestServer({ env: { DATABASE_URL: url.toString() } });
  });
  afterAll(async () => {
    await srv?.stop();
    await relay?.cut().catch(() => undefined);
    await drop?.();
  });

  it('answers RESOURCE_EXHAUSTED (retryable) while down, /healthz 503, and serves again when back', async () => {
    const gql = httpClient(srv.url);
    expect((await gql.raw(CreateProjectDocument, { input: { name: 'before' } })).errors).toBeUndefined();
    await relay.cut();

    for (const op of [() => gql.raw(CreateProjectDocument, { input: { name: 'during' } }), () => gql.raw('{ projects { totalCount } }')]) {
      const r = await op();
      expect(r.errors?.[0]?.extensions, JSON.stringify(r.errors)).toMatchObject({ code: 'RESOURCE_EXHAUSTED', retryable: true, reason: 'DATABASE_UNAVAILABLE' });
    }
    const up = await fetch(`${srv.url}/upload?projectId=00000000-0000-4000-8000-000000000000`, { method: 'POST', body: Buffer.from('x') });
    expect(up.status).toBe(503);
    expect(((await up.json()) as any).errors[0].extensions).toMatchObject({ code: 'RESOURCE_EXHAUSTED', reason: 'DATABASE_UNAVAILABLE', retryable: true });
    const health = await fetch(`${srv.url}/healthz`);
    expect(health.status).toBe(503);
    expect(((await health.json()) as any).database).toMatchObject({ kind: 'postgres', ok: false });

    await relay.open(); // same port
    let r = await gql.raw(CreateProjectDocument, { input: { name: 'after' } });
    if (r.errors) r = await gql.raw(CreateProjectDocument, { input: { name: 'after' } }); // one may race the reconnect
    expect(r.errors).toBeUndefined();
    expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
  });
});
