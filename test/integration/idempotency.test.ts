// clientRequestId: a repeat returns the first result, a different input is CONFLICT, ids are per
// key, and a request that failed does not hold its id.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddMediaDocument, CreateProjectDocument, JobsDocument, StartExportDocument } from '../../client/generated/graphql.js';
import { drawPicture, toPng } from '../support/draw.js';
import { httpClient } from '../support/gql.js';
import { databaseKinds, startTestServer, type TestServer } from '../support/test-server.js';
import { fixture } from '../support/tracking.js';

describe.each(databaseKinds())('idempotency (%s)', (db) => {
  let srv: TestServer;
  let a: ReturnType<typeof httpClient>;
  let b: ReturnType<typeof httpClient>;
  let keyA: string;
  let projectId: string;

  beforeAll(async () => {
    srv = await startTestServer({ db, env: { AUTH_MODE: 'apikey' } });
    keyA = (await srv.app.services.apiKeys.create({ name: 'a', scopes: ['admin'] })).secret;
    const keyB = (await srv.app.services.apiKeys.create({ name: 'b', scopes: ['admin'] })).secret;
    a = httpClient(srv.url, { authorization: `Bearer ${keyA}` });
    b = httpClient(srv.url, { authorization: `Bearer ${keyB}` });
    projectId = (await a.request(CreateProjectDocument, { input: { name: 'idem' } })).createProject.project.id;
  });
  afterAll(() => srv?.stop());

  it('a job mutation repeated with the same clientRequestId returns the first job; another input is CONFLICT', async () => {
    const input = { format: 'COCO_JSON' as const, projectId, clientRequestId: 'export-1' };
    const first = (await a.request(StartExportDocument, { input })).startExport.job;
    const again = (await a.request(StartExportDocument, { input })).startExport.job;
    expect(again.id).toBe(first.id);
    const jobs = (await a.request(JobsDocument, { kind: 'EXPORT', projectId, first: 50 })).jobs;
    expect(jobs.totalCount).toBe(1);
    const other = await a.fail(StartExportDocument, { input: { ...input, format: 'YTVIS_JSON' } });
    expect(other.code).toBe('CONFLICT');
    // Another key has its own ids.
    const theirs = (await b.request(StartExportDocument, { input })).startExport.job;
    expect(theirs.id).not.toBe(first.id);
  });

  it('a request that failed does not keep its id', async () => {
    const bad = await a.fail(StartExportDocument, { input: { format: 'DAVIS_PNG_ZIP', projectId, clientRequestId: 'export-2' } });
    expect(bad.code).toBe('BAD_USER_INPUT');
    const ok = (await a.request(StartExportDocument, { input: { format: 'COCO_JSON', projectId, clientRequestId: 'export-2' } })).startExport.job;
    expect(ok.kind).toBe('EXPORT');
  });

  it('addMedia and POST /upload store once per clientRequestId', async () => {
    const base64 = (await toPng(drawPicture(64, 48, [], [200, 30, 30]))).toString('base64');
    const input = { projectId, base64, filename: 'red.png', clientRequestId: 'media-1' };
    const first = (await a.request(AddMediaDocument, { input })).addMedia;
    const again = (await a.request(AddMediaDocument, { input })).addMedia;
    expect(again.media.id).toBe(first.media.id);
    expect((await a.fail(AddMediaDocument, { input: { ...input, filename: 'other.png' } })).code).toBe('CONFLICT');

    const body = await readFile(fixture('discs.mp4'));
    const upload = (q: string) => fetch(`${srv.url}/upload?projectId=${projectId}&filename=discs.mp4${q}`, { method: 'POST', body, headers: { authorization: `Bearer ${keyA}` } });
    const u1 = await upload('&clientRequestId=up-1');
    const u2 = await upload('&clientRequestId=up-1');
    expect(u1.status).toBe(201);
    expect(u2.status).toBe(201);
    expect((await u2.json()).data.media.id).toBe((await u1.json()).data.media.id);
    const u3 = await upload('&clientRequestId=up-1&label=changed');
    expect(u3.status).toBe(409);
    expect((await u3.json()).errors[0].extensions.code).toBe('CONFLICT');
  });
});
