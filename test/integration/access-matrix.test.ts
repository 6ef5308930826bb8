// The access matrix (AUTH_MODE=apikey): no key, a bad key, read, write, admin and a project-limited
// key, against every query, mutation and subscription of the schema, over HTTP and graphql-ws.
// Each case is allowed or refused as the README's security section documents; a refused case
// changes nothing, and a project-limited key never sees an id of another project.
import { getIntrospectionQuery, buildClientSchema, type IntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grants, type Scope } from '../../src/modules/auth/scopes.js';
import { runAs, type Outcome, type Transport } from '../support/auth.js';
import { drawPicture, toPng } from '../support/draw.js';
import { httpClient } from '../support/gql.js';
import { databaseKinds, startTestServer, type TestServer } from '../support/test-server.js';
import { fixture, uploadFile, waitFor } from '../support/tracking.js';

/** How a project-limited key is fenced on a field. */
type Fence =
  | 'entity' // addresses one project's thing: NOT_FOUND outside the fence
  | 'list' // lists: filtered to the fence
  | 'global' // not about projects (models, health)
  | 'unrestricted'; // only for keys without a project list: FORBIDDEN

interface Project {
  id: string;
  image: string;
  video: string;
  session: string;
  job: string;
}

interface World {
  admin: ReturnType<typeof httpClient>;
  /** A fresh project the caller may delete (inside a limited key's fence when `limited`). */
  spareProject(limited: boolean): Promise<string>;
  freshImage(projectId: string): Promise<string>;
  /** A fresh session on the project's video with object 1 prompted on frame 0. */
  freshSession(p: Project, model?: string): Promise<string>;
  freshKey(): Promise<string>;
}

interface Op {
  field: string;
  type: 'query' | 'mutation' | 'subscription';
  scope: Scope;
  fence: Fence;
  /** The operation against project `p`; `mutates`: build fresh things, the case will change them. */
  build(w: World, p: Project, mutates: boolean, limited: boolean): Promise<{ query: string; variables?: Record<string, unknown> }>;
}

const DISC = { x: 45, y: 70 }; // disc 0 of discs.mp4 on frame 0, in pixels
/** A webhook target on loopback that nothing listens to (allowed by the server's env below). */
const HOOK = 'http://127.0.0.1:9/hook';
const PNG = toPng(drawPicture(64, 48, [{ kind: 'rect', x: 8, y: 8, w: 20, h: 16, color: [200, 40, 40] }]));

const OPS: Op[] = [
  // --- queries ---
  { field: 'project', type: 'query', scope: 'read', fence: 'entity', build: async (_w, p) => ({ query: 'query($id: ID!) { project(id: $id) { id name mediaCount } }', variables: { id: p.id } }) },
  { field: 'projects', type: 'query', scope: 'read', fence: 'list', build: async () => ({ query: '{ projects(first: 100) { totalCount edges { node { id } } } }' }) },
  { field: 'media', type: 'query', scope: 'read', fence: 'entity', build: async (_w, p) => ({ query: 'query($id: ID!) { media(id: $id) { id project { id } } }', variables: { id: p.image } }) },
  { field: 'mediaList', type: 'query', scope: 'read', fence: 'entity', build: async (_w, p) => ({ query: 'query($p: ID!) { mediaList(projectId: $p) { edges { node { id } } } }', variables: { p: p.id } }) },
  { field: 'session', type: 'query', scope: 'read', fence: 'entity', build: async (_w, p) => ({ query: 'query($id: ID!) { session(id: $id) { id objects { objectId } } }', variables: { id: p.session } }) },
  { field: 'sessions', type: 'query', scope: 'read', fence: 'list', build: async () => ({ query: '{ sessions(first: 100) { totalCount edges { node { id mediaId } } } }' }) },
  { field: 'frameMasks', type: 'query', scope: 'read', fence: 'entity', build: async (_w, p) => ({ query: 'query($s: ID!) { frameMasks(sessionId: $s, toFrame: 1) { frameIndex } }', variables: { s: p.session } }) },
  { field: 'job', type: 'query', scope: 'read', fence: 'entity', build: async (_w, p) => ({ query: 'query($id: ID!) { job(id: $id) { id status } }', variables: { id: p.job } }) },
  { field: 'jobs', type: 'query', scope: 'read', fence: 'list', build: async () => ({ query: '{ jobs(first: 100) { totalCount edges { node { id sessionId projectId } } } }' }) },
  { field: 'models', type: 'query', scope: 'read', fence: 'global', build: async () => ({ query: '{ models { name } }' }) },
  { field: 'health', type: 'query', scope: 'read', fence: 'global', build: async () => ({ query: '{ health { status } }' }) },
  {
    field: 'node', type: 'query', scope: 'read', fence: 'entity',
    build: async (_w, p) => ({ query: 'query($p: ID!, $m: ID!, $s: ID!, $j: ID!) { p: node(id: $p) { id } m: node(id: $m) { id } s: node(id: $s) { id } j: node(id: $j) { id } }', variables: { p: p.id, m: p.image, s: p.session, j: p.job } }),
  },
  { field: 'apiKeys', type: 'query', scope: 'admin', fence: 'unrestricted', build: async () => ({ query: '{ apiKeys { totalCount edges { node { id prefix } } } }' }) },
  // --- mutations ---
  { field: 'createProject', type: 'mutation', scope: 'write', fence: 'unrestricted', build: async () => ({ query: 'mutation { createProject(input: { name: "m" }) { project { id } } }' }) },
  { field: 'renameProject', type: 'mutation', scope: 'write', fence: 'entity', build: async (_w, p) => ({ query: 'mutation($id: ID!) { renameProject(input: { id: $id, name: "renamed" }) { project { id } } }', variables: { id: p.id } }) },
  {
    field: 'deleteProject', type: 'mutation', scope: 'write', fence: 'entity',
    build: async (w, p, mutates, limited) => ({ query: 'mutation($id: ID!) { deleteProject(input: { id: $id }) { id } }', variables: { id: mutates ? await w.spareProject(limited) : p.id } }),
  },
  { field: 'addMedia', type: 'mutation', scope: 'write', fence: 'entity', build: async (_w, p) => ({ query: 'mutation($p: ID!, $b: String!) { addMedia(input: { projectId: $p, base64: $b }) { media { id } } }', variables: { p: p.id, b: (await PNG).toString('base64') } }) },
  { field: 'deleteMedia', type: 'mutation', scope: 'write', fence: 'entity', build: async (w, p, mutates) => ({ query: 'mutation($id: ID!) { deleteMedia(input: { id: $id }) { id } }', variables: { id: mutates ? await w.freshImage(p.id) : p.image } }) },
  { field: 'segmentImage', type: 'mutation', scope: 'write', fence: 'entity', build: async (_w, p) => ({ query: 'mutation($m: ID!) { segmentImage(input: { mediaId: $m, model: "demo-sam", objects: [{ points: [{ x: 0.25, y: 0.3 }] }] }) { objects { mask { area } } } }', variables: { m: p.image } }) },
  { field: 'segmentPhrases', type: 'mutation', scope: 'write', fence: 'entity', build: async (_w, p) => ({ query: 'mutation($m: ID!) { segmentPhrases(input: { mediaId: $m, phrases: ["red"] }) { phrases { phrase } } }', variables: { m: p.image } }) },
  { field: 'segmentEverything', type: 'mutation', scope: 'write', fence: 'entity', build: async (_w, p) => ({ query: 'mutation($m: ID!) { segmentEverything(input: { mediaId: $m, model: "demo-sam", pointsPerSide: 2 }) { masks { area } } }', variables: { m: p.image } }) },
  { field: 'startBatchSegmentation', type: 'mutation', scope: 'write', fence: 'entity', build: async (_w, p) => ({ query: 'mutation($p: ID!) { startBatchSegmentation(input: { projectId: $p, model: "demo-sam", pointsPerSide: 2 }) { job { id } } }', variables: { p: p.id } }) },
  { field: 'startSession', type: 'mutation', scope: 'write', fence: 'entity', build: async (_w, p) => ({ query: 'mutation($m: ID!) { startSession(input: { mediaId: $m, model: "demo-sam" }) { session { id } } }', variables: { m: p.video } }) },
  {
    field: 'addPrompt', type: 'mutation', scope: 'write', fence: 'entity',
    build: async (w, p, mutates) => ({ query: 'mutation($s: ID!) { addPrompt(input: { sessionId: $s, frameIndex: 0, coordinates: PIXELS, points: [{ x: 45, y: 70 }] }) { objectId } }', variables: { s: mutates ? await w.freshSession(p) : p.session } }),
  },
  {
    field: 'addTextPrompt', type: 'mutation', scope: 'write', fence: 'entity',
    build: async (w, p, mutates) => ({ query: 'mutation($s: ID!) { addTextPrompt(input: { sessionId: $s, frameIndex: 0, text: "red" }) { objectIds } }', variables: { s: mutates ? await w.freshSession(p, 'demo') : p.session } }),
  },
  { field: 'clearPrompts', type: 'mutation', scope: 'write', fence: 'entity', build: async (w, p, mutates) => ({ query: 'mutation($s: ID!) { clearPrompts(input: { sessionId: $s, objectId: 1 }) { session { id } } }', variables: { s: mutates ? await w.freshSession(p) : p.session } }) },
  { field: 'removeObject', type: 'mutation', scope: 'write', fence: 'entity', build: async (w, p, mutates) => ({ query: 'mutation($s: ID!) { removeObject(input: { sessionId: $s, objectId: 1 }) { session { id } } }', variables: { s: mutates ? await w.freshSession(p) : p.session } }) },
  { field: 'resetSession', type: 'mutation', scope: 'write', fence: 'entity', build: async (w, p, mutates) => ({ query: 'mutation($s: ID!) { resetSession(input: { sessionId: $s }) { session { id } } }', variables: { s: mutates ? await w.freshSession(p) : p.session } }) },
  { field: 'closeSession', type: 'mutation', scope: 'write', fence: 'entity', build: async (w, p, mutates) => ({ query: 'mutation($s: ID!) { closeSession(input: { sessionId: $s }) { freedBytes } }', variables: { s: mutates ? await w.freshSession(p) : p.session } }) },
  { field: 'reopenSession', type: 'mutation', scope: 'write', fence: 'entity', build: async (_w, p) => ({ query: 'mutation($s: ID!) { reopenSession(input: { sessionId: $s }) { session { id } } }', variables: { s: p.session } }) },
  { field: 'propagate', type: 'mutation', scope: 'write', fence: 'entity', build: async (w, p, mutates) => ({ query: 'mutation($s: ID!) { propagate(input: { sessionId: $s, maxFrames: 2 }) { job { id } } }', variables: { s: mutates ? await w.freshSession(p) : p.session } }) },
  { field: 'startExport', type: 'mutation', scope: 'write', fence: 'entity', build: async (_w, p) => ({ query: 'mutation($p: ID!) { startExport(input: { projectId: $p, format: COCO_JSON }) { job { id } } }', variables: { p: p.id } }) },
  { field: 'webhooks', type: 'query', scope: 'read', fence: 'entity', build: async (_w, p) => ({ query: 'query($p: ID!) { webhooks(projectId: $p) { id deliveries { id } } }', variables: { p: p.id } }) },
  { field: 'createWebhook', type: 'mutation', scope: 'write', fence: 'entity', build: async (_w, p) => ({ query: `mutation($p: ID!) { createWebhook(input: { projectId: $p, url: "${HOOK}" }) { webhook { id } } }`, variables: { p: p.id } }) },
  {
    field: 'deleteWebhook', type: 'mutation', scope: 'write', fence: 'entity',
    build: async (w, p) => {
      const made = await w.admin.raw<{ createWebhook: { webhook: { id: string } } }, Record<string, unknown>>(`mutation($p: ID!) { createWebhook(input: { projectId: $p, url: "${HOOK}" }) { webhook { id } } }`, { p: p.id });
      return { query: 'mutation($id: ID!) { deleteWebhook(input: { id: $id }) { id } }', variables: { id: made.data!.createWebhook.webhook.id } };
    },
  },
  { field: 'cancelJob', type: 'mutation', scope: 'write', fence: 'entity', build: async (_w, p) => ({ query: 'mutation($j: ID!) { cancelJob(input: { jobId: $j }) { job { id status } } }', variables: { j: p.job } }) },
  { field: 'createApiKey', type: 'mutation', scope: 'admin', fence: 'unrestricted', build: async () => ({ query: 'mutation { createApiKey(input: { name: "k", scopes: [read] }) { secret } }' }) },
  { field: 'revokeApiKey', type: 'mutation', scope: 'admin', fence: 'unrestricted', build: async (w) => ({ query: 'mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { revokedAt } } }', variables: { id: await w.freshKey() } }) },
  // --- subscriptions (graphql-ws only) ---
  { field: 'sessionEvents', type: 'subscription', scope: 'read', fence: 'entity', build: async (_w, p) => ({ query: 'subscription($s: ID!, $j: ID) { sessionEvents(sessionId: $s, jobId: $j, replay: true) { kind } }', variables: { s: p.session, j: p.job } }) },
  { field: 'jobProgress', type: 'subscription', scope: 'read', fence: 'entity', build: async (_w, p) => ({ query: 'subscription($j: ID!) { jobProgress(jobId: $j) { id status } }', variables: { j: p.job } }) },
];

interface Caller {
  name: string;
  secret: string | null;
  scope?: Scope;
  limited?: boolean;
}

/** What the README promises for a caller, a field, and a target inside or outside its fence. */
function expected(c: Caller, op: Op, outside: boolean): string {
  if (!c.scope) return 'UNAUTHENTICATED';
  if (!grants([c.scope], op.scope)) return 'FORBIDDEN';
  if (!c.limited) return 'ok';
  if (op.fence === 'unrestricted') return 'FORBIDDEN';
  return outside ? 'NOT_FOUND' : 'ok';
}

describe.each(databaseKinds())('access matrix (AUTH_MODE=apikey, %s)', (db) => {
  let srv: TestServer;
  let world: World;
  let P: Project;
  let Q: Project;
  const callers: Caller[] = [];
  const spare: string[] = [];

  beforeAll(async () => {
    srv = await startTestServer({ db, env: { AUTH_MODE: 'apikey', RATE_LIMIT_PER_SEC: '0', SESSION_MAX_OPEN: '200', SESSION_MAX_OPEN_PER_KEY: '200', WEBHOOK_ALLOW_PRIVATE_NETWORKS: '127.0.0.1/32' } });
    const bootstrap = await srv.app.services.apiKeys.create({ name: 'bootstrap', scopes: ['admin'] });
    const auth = { authorization: `Bearer ${bootstrap.secret}` };
    const admin = httpClient(srv.url, auth);
    const must = async (query: string, variables?: Record<string, unknown>): Promise<any> => {
      const r = await admin.raw(query, variables);
      if (r.errors?.length) throw new Error(JSON.stringify(r.errors));
      return r.data;
    };
    const png = (await PNG).toString('base64');
    const freshImage = async (projectId: string) => (await must('mutation($p: ID!, $b: String!, $l: String) { addMedia(input: { projectId: $p, base64: $b, label: $l }) { media { id } } }', { p: projectId, b: png, l: String(Math.random()) })).addMedia.media.id;
    const freshSession = async (p: Project, model = 'demo-sam') => {
      const s = (await must('mutation($m: ID!, $model: String) { startSession(input: { mediaId: $m, model: $model }) { session { id } } }', { m: p.video, model })).startSession.session.id;
      await must('mutation($s: ID!) { addPrompt(input: { sessionId: $s, frameIndex: 0, coordinates: PIXELS, points: [{ x: 45, y: 70 }] }) { objectId } }', { s });
      return s as string;
    };
    const newProject = async (name: string) => (await must('mutation($n: String!) { createProject(input: { name: $n }) { project { id } } }', { n: name })).createProject.project.id as string;
    const project = async (name: string): Promise<Project> => {
      const id = await newProject(name);
      const image = await freshImage(id);
      const video = (await uploadFile(srv.url, id, fixture('discs.mp4'), auth)).body.data.media.id;
      const p = { id, image, video, session: '', job: '' };
      p.session = await freshSession(p);
      p.job = (await must('mutation($s: ID!) { propagate(input: { sessionId: $s, maxFrames: 3 }) { job { id } } }', { s: p.session })).propagate.job.id;
      await waitFor(async () => (await must('query($j: ID!) { job(id: $j) { status } }', { j: p.job })).job.status === 'COMPLETED');
      return p;
    };
    P = await project('P');
    Q = await project('Q');
    for (let i = 0; i < 4; i++) spare.push(await newProject(`spare-${i}`));
    const key = async (scopes: Scope[], projectIds: string[] = []) => (await srv.app.services.apiKeys.create({ name: scopes.join('+'), scopes, projectIds })).secret;
    const revoked = await srv.app.services.apiKeys.create({ name: 'revoked', scopes: ['admin'] });
    await srv.app.services.apiKeys.revoke(revoked.apiKey.id);
    callers.push(
      { name: 'no key', secret: null },
      { name: 'unknown key', secret: `mqk_${'A'.repeat(43)}` },
      { name: 'revoked key', secret: revoked.secret },
      { name: 'read', secret: await key(['read']), scope: 'read' },
      { name: 'write', secret: await key(['write']), scope: 'write' },
      { name: 'admin', secret: await key(['admin']), scope: 'admin' },
      { name: 'write, limited to P', secret: await key(['write'], [P.id, ...spare]), scope: 'write', limited: true },
    );
    world = {
      admin,
      spareProject: async (limited) => (limited ? spare.shift()! : newProject('fresh')),
      freshImage,
      freshSession,
      freshKey: async () => (await srv.app.services.apiKeys.create({ name: 'victim', scopes: ['read'] })).apiKey.id,
    };
  }, 180_000);
  afterAll(() => srv?.stop());

  it('covers every root field of the schema', async () => {
    const intro = await world.admin.raw(getIntrospectionQuery());
    const schema = buildClientSchema(intro.data as IntrospectionQuery);
    const fields = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap((t) => Object.keys(t!.getFields()));
    expect(OPS.map((o) => o.field).sort()).toEqual(fields.sort());
  });

  it('allows and refuses each caller as documented, over HTTP and graphql-ws', async () => {
    const qIds = [Q.id, Q.image, Q.video, Q.session, Q.job];
    const failures: string[] = [];
    let cases = 0;
    for (const c of callers) {
      for (const op of OPS) {
        const transports: Transport[] = op.type === 'subscription' ? ['ws'] : ['http', 'ws'];
        const targets = c.limited && op.fence === 'entity' ? [P, Q] : [P];
        for (const transport of transports) {
          for (const target of targets) {
            const want = expected(c, op, target === Q);
            const built = await op.build(world, target, want === 'ok', !!c.limited);
            const got: Outcome = await runAs(transport, srv.url, c.secret, built);
            cases++;
            const where = `${c.name} · ${op.field} · ${transport}${target === Q ? ' · other project' : ''}`;
            if (got.result !== want) failures.push(`${where}: expected ${want}, got ${got.result} ${got.text.slice(0, 200)}`);
            if (transport === 'http' && want !== 'ok') {
              const status = { UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 200 }[want];
              if (got.status !== status) failures.push(`${where}: HTTP status ${got.status}, expected ${status}`);
            }
            // (Outside the fence the NOT_FOUND message repeats the id the caller sent, and nothing else.)
            if (c.limited && target === P && qIds.some((id) => got.text.includes(id))) failures.push(`${where}: the response names something of the other project`);
            if (target === Q && got.data) failures.push(`${where}: data returned from the other project: ${got.text.slice(0, 200)}`);
          }
        }
      }
    }
    console.log(`access matrix: ${cases} cases, ${callers.length} callers × ${OPS.length} fields`);
    expect(failures).toEqual([]);
  }, 300_000);

  it('refused cases changed nothing of the other project', async () => {
    const r = await world.admin.raw('query($p: ID!, $s: ID!, $j: ID!) { project(id: $p) { name mediaCount } session(id: $s) { status objects { objectId } } job(id: $j) { status } }', { p: Q.id, s: Q.session, j: Q.job });
    expect(r.errors).toBeUndefined();
    expect(r.data).toEqual({ project: { name: 'Q', mediaCount: 2 }, session: { status: 'OPEN', objects: [{ objectId: 1 }] }, job: { status: 'COMPLETED' } });
  });

  it('the upload and thumbnail routes follow the same rules', async () => {
    const [read, , , limited] = callers.slice(3);
    const up = (secret: string | null, projectId: string) => uploadFile(srv.url, projectId, fixture('discs.mp4'), secret ? { authorization: `Bearer ${secret}` } : {});
    expect((await up(null, P.id)).status).toBe(401);
    expect((await up(read!.secret, P.id)).status).toBe(403);
    const outside = await up(limited!.secret, Q.id);
    expect(outside.status).toBe(404);
    expect(outside.body.errors[0].extensions.code).toBe('NOT_FOUND');
    expect((await up(limited!.secret, P.id)).status).toBe(201);
    const thumb = (secret: string | null, id: string) => fetch(`${srv.url}/media/${id}/thumbnail`, { headers: secret ? { authorization: `Bearer ${secret}` } : {} });
    expect((await thumb(null, P.image)).status).toBe(401);
    expect((await thumb(limited!.secret, Q.image)).status).toBe(404);
    expect((await thumb(limited!.secret, P.image)).status).toBe(200);
    expect((await thumb(read!.secret, Q.image)).status).toBe(200);
  });
});
