// The Relay Node interface: node(id:) refetches every entity by its id alone, and keeps the same
// fences as the typed fields (a project-limited key, a non-admin asking for a key, a bad id).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeDocument } from '../../client/generated/graphql.js';
import { drawPicture, toPng } from '../support/draw.js';
import { httpClient } from '../support/gql.js';
import { databaseKinds, startTestServer, type TestServer } from '../support/test-server.js';
import { fixture, uploadFile, waitFor } from '../support/tracking.js';

describe.each(databaseKinds())('node(id:) (%s)', (db) => {
  let srv: TestServer;
  let admin: ReturnType<typeof httpClient>;
  const ids = { project: '', other: '', image: '', video: '', session: '', job: '', key: '', artifact: '', webhook: '' };
  let limited: ReturnType<typeof httpClient>;
  let reader: ReturnType<typeof httpClient>;

  beforeAll(async () => {
    srv = await startTestServer({ db, env: { AUTH_MODE: 'apikey', RATE_LIMIT_PER_SEC: '0', WEBHOOK_ALLOW_PRIVATE_NETWORKS: '127.0.0.1/32' } });
    const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });
    const boot = await srv.app.services.apiKeys.create({ name: 'boot', scopes: ['admin'] });
    ids.key = boot.apiKey.id;
    admin = httpClient(srv.url, bearer(boot.secret));
    const must = async (query: string, variables?: Record<string, unknown>): Promise<any> => {
      const r = await admin.raw(query, variables);
      if (r.errors?.length) throw new Error(JSON.stringify(r.errors));
      return r.data;
    };
    const project = async (name: string) => (await must('mutation($n: String!) { createProject(input: { name: $n }) { project { id } } }', { n: name })).createProject.project.id as string;
    ids.project = await project('mine');
    ids.other = await project('theirs');
    const png = (await toPng(drawPicture(64, 48, [{ kind: 'rect', x: 8, y: 8, w: 20, h: 16, color: [200, 40, 40] }]))).toString('base64');
    ids.image = (await must('mutation($p: ID!, $b: String!) { addMedia(input: { projectId: $p, base64: $b }) { media { id } } }', { p: ids.project, b: png })).addMedia.media.id;
    ids.video = (await uploadFile(srv.url, ids.project, fixture('discs.mp4'), bearer(boot.secret))).body.data.media.id;
    ids.session = (await must('mutation($m: ID!) { startSession(input: { mediaId: $m, model: "demo-sam" }) { session { id } } }', { m: ids.video })).startSession.session.id;
    await must('mutation($s: ID!) { addPrompt(input: { sessionId: $s, frameIndex: 0, coordinates: PIXELS, points: [{ x: 45, y: 70 }] }) { objectId } }', { s: ids.session });
    ids.job = (await must('mutation($s: ID!) { propagate(input: { sessionId: $s, maxFrames: 2 }) { job { id } } }', { s: ids.session })).propagate.job.id;
    await waitFor(async () => (await must('query($j: ID!) { job(id: $j) { status } }', { j: ids.job })).job.status === 'COMPLETED');
    const exportJob = (await must('mutation($s: ID!) { startExport(input: { format: COCO_JSON, sessionId: $s }) { job { id } } }', { s: ids.session })).startExport.job.id;
    await waitFor(async () => (await must('query($j: ID!) { job(id: $j) { status } }', { j: exportJob })).job.status === 'COMPLETED');
    ids.artifact = (await must('query($j: ID!) { job(id: $j) { artifacts { id } } }', { j: exportJob })).job.artifacts[0].id;
    // Created after the last job, so nothing is ever delivered to this closed port.
    ids.webhook = (await must('mutation($p: ID!) { createWebhook(input: { projectId: $p, url: "http://127.0.0.1:9/hook" }) { webhook { id } } }', { p: ids.project })).createWebhook.webhook.id;
    limited = httpClient(srv.url, bearer((await srv.app.services.apiKeys.create({ name: 'limited', scopes: ['admin'], projectIds: [ids.other] })).secret));
    reader = httpClient(srv.url, bearer((await srv.app.services.apiKeys.create({ name: 'reader', scopes: ['read'] })).secret));
  }, 120_000);
  afterAll(() => srv?.stop());

  it('returns each entity with its type, the same object the typed field returns', async () => {
    const node = async (id: string) => (await admin.request(NodeDocument, { id })).node;
    expect(await node(ids.project)).toEqual({ __typename: 'Project', id: ids.project, name: 'mine' });
    expect(await node(ids.image)).toEqual({ __typename: 'Media', id: ids.image, mediaKind: 'IMAGE', projectId: ids.project });
    expect(await node(ids.video)).toMatchObject({ __typename: 'Media', mediaKind: 'VIDEO' });
    expect(await node(ids.session)).toEqual({ __typename: 'Session', id: ids.session, sessionStatus: 'OPEN', mediaId: ids.video });
    expect(await node(ids.job)).toEqual({ __typename: 'Job', id: ids.job, jobKind: 'PROPAGATION', jobStatus: 'COMPLETED' });
    expect(await node(ids.key)).toMatchObject({ __typename: 'ApiKey', id: ids.key });
    expect(await node(ids.webhook)).toEqual({ __typename: 'Webhook', id: ids.webhook });
    expect(await node(ids.artifact)).toEqual({ __typename: 'Artifact', id: ids.artifact });
    const hook = await admin.raw('query($id: ID!) { node(id: $id) { ... on Webhook { projectId url } } }', { id: ids.webhook });
    expect(hook).toEqual({ data: { node: { projectId: ids.project, url: 'http://127.0.0.1:9/hook' } } });
    // Ids are case-insensitive UUIDs everywhere else too.
    expect(await node(ids.project.toUpperCase())).toMatchObject({ __typename: 'Project', id: ids.project });
    // Field resolvers of the concrete type work through the interface.
    const r = await admin.raw('query($id: ID!) { node(id: $id) { ... on Media { project { id } } } }', { id: ids.image });
    expect(r).toEqual({ data: { node: { project: { id: ids.project } } } });
  });

  it('is NOT_FOUND, naming only the id, for what does not exist or may not be seen', async () => {
    const cases: [ReturnType<typeof httpClient>, string][] = [
      [admin, '00000000-0000-4000-8000-000000000000'], // no such object
      [admin, 'not-a-uuid'],
      [limited, ids.project], // outside a project-limited key's fence
      [limited, ids.image],
      [limited, ids.session],
      [limited, ids.job],
      [limited, ids.webhook],
      [limited, ids.artifact],
      [limited, ids.key], // API keys: only for unrestricted admins
      [reader, ids.key],
    ];
    for (const [client, id] of cases) {
      const r = await client.raw(NodeDocument, { id });
      expect(r.data).toBeNull();
      expect(r.errors).toHaveLength(1);
      expect(r.errors![0]).toMatchObject({ message: `Node ${JSON.stringify(id)} not found`, extensions: { code: 'NOT_FOUND' } });
    }
    expect((await limited.raw(NodeDocument, { id: ids.other })).data?.node).toMatchObject({ __typename: 'Project', id: ids.other });
    expect((await reader.raw(NodeDocument, { id: ids.job })).data?.node).toMatchObject({ __typename: 'Job' });
  });

  it('needs the read scope like every query', async () => {
    const anonymous = httpClient(srv.url);
    const r = await anonymous.raw(NodeDocument, { id: ids.project });
    expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
