// Webhooks end to end: a receiver on loopback (allowed by WEBHOOK_ALLOW_PRIVATE_NETWORKS) answers
// 500 first, then 204; the delivery is signed as Standard Webhooks specify, retried with the same
// id, and logged. Private targets are refused at creation.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateProjectDocument, CreateWebhookDocument, StartExportDocument, WebhookDeliveriesDocument } from '../../client/generated/graphql.js';
import { httpClient } from '../support/gql.js';
import { databaseKinds, startTestServer, type TestServer } from '../support/test-server.js';
import { waitFor } from '../support/tracking.js';

describe.each(databaseKinds())('webhooks (%s)', (db) => {
  let srv: TestServer;
  let gql: ReturnType<typeof httpClient>;
  let receiver: Server;
  let hookUrl: string;
  const received: { headers: IncomingHttpHeaders; body: string; answered: number }[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (body += d));
      req.on('end', () => {
        const answered = received.length === 0 ? 500 : 204;
        received.push({ headers: req.headers, body, answered });
        res.statusCode = answered;
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    srv = await startTestServer({ db, env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: '127.0.0.1/32', WEBHOOK_RETRY_BASE_MS: '200' } });
    gql = httpClient(srv.url);
  });
  afterAll(async () => {
    await srv?.stop();
    await new Promise((r) => receiver?.close(r));
  });

  it('a finished job is delivered signed; a 500 is retried with the same webhook-id; the log shows it', async () => {
    const projectId = (await gql.request(CreateProjectDocument, { input: { name: 'hooks' } })).createProject.project.id;
    const { secret, webhook } = (await gql.request(CreateWebhookDocument, { input: { projectId, url: hookUrl } })).createWebhook;
    expect(secret).toMatch(/^whsec_/);
    expect([...webhook.events].sort()).toEqual(['JOB_CANCELLED', 'JOB_COMPLETED', 'JOB_FAILED']);
    const job = (await gql.request(StartExportDocument, { input: { format: 'COCO_JSON', projectId } })).startExport.job;
    await waitFor(async () => received.length >= 2, 30_000, 50);
    const verifier = new Webhook(secret);
    for (const r of received) {
      const payload = verifier.verify(r.body, r.headers as Record<string, string>) as { type: string; data: { job: { id: string; status: string; kind: string } } };
      expect(payload.type).toBe('job.completed');
      expect(payload.data.job).toMatchObject({ id: job.id, status: 'COMPLETED', kind: 'EXPORT' });
    }
    expect(received.map((r) => r.answered)).toEqual([500, 204]);
    expect(received[1]!.headers['webhook-id']).toBe(received[0]!.headers['webhook-id']);
    // A body changed in transit, or signed with another secret, does not verify.
    expect(() => verifier.verify(received[0]!.body.replace('COMPLETED', 'FAILED'), received[0]!.headers as Record<string, string>)).toThrow();
    const log = await waitFor(async () => {
      const d = (await gql.request(WebhookDeliveriesDocument, { projectId })).webhooks[0]!.deliveries[0];
      return d?.status === 'SUCCEEDED' && d;
    });
    expect(log).toMatchObject({ event: 'job.completed', jobId: job.id, attempts: 2, lastStatus: 204, id: received[0]!.headers['webhook-id'] });
  });

  it('refuses private, loopback and malformed targets at creation', async () => {
    const projectId = (await gql.request(CreateProjectDocument, { input: { name: 'refused' } })).createProject.project.id;
    for (const url of ['http://10.0.0.1/x', 'http://127.0.0.2/x', 'http://[::1]/x', 'http://169.254.169.254/latest', 'ftp://127.0.0.1/x', 'nonsense']) {
      const e = await gql.fail(CreateWebhookDocument, { input: { projectId, url } });
      expect(e.code, url).toBe('BAD_USER_INPUT');
    }
  });
});
