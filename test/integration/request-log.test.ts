// Request ids and redaction, against the real server process at LOG_LEVEL=debug (which logs each
// request's headers and variables): every GraphQL request and graphql-ws operation has an id,
// returned in x-request-id and carried by its log lines, and no line ever holds the bearer token,
// the graphql-ws connectionParams or the image bytes sent as a variable.
import { mkdtemp, rm, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { print } from 'graphql';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { SegmentImageDocument } from '../../client/generated/graphql.js';
import { drawPicture, toPng } from '../support/draw.js';
import { wsClient, wsRequest } from '../support/gql.js';
import { spawnServer, type ServerProcess } from '../support/server-process.js';
import { waitFor } from '../support/tracking.js';

const SECRET = 'secret123';
let dir: string;
let srv: ServerProcess;
let image: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'maskql-reqlog-'));
  await cp(inject('pgliteTemplate'), path.join(dir, 'db'), { recursive: true });
  srv = await spawnServer({ DATA_DIR: dir, MODELS_DIR: inject('modelsDir'), LOG_LEVEL: 'debug' });
  image = (await toPng(drawPicture(96, 64, [{ kind: 'rect', color: [20, 160, 40], x: 20, y: 10, w: 40, h: 30 }]))).toString('base64');
});
afterAll(async () => {
  await srv?.kill('SIGTERM');
  await rm(dir, { recursive: true, force: true });
});

type Line = Record<string, any>;
const lines = (): Line[] =>
  srv
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line);

function expectNoSecrets(): void {
  const out = srv.output();
  expect(out).not.toContain(SECRET);
  expect(out).not.toContain(image.slice(100, 160)); // any stretch of the image's base64
}

const segment = (callerId?: string) =>
  fetch(`${srv.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRET}`, ...(callerId ? { 'x-request-id': callerId } : {}) },
    body: JSON.stringify({ query: print(SegmentImageDocument), variables: { input: { imageBase64: image, objects: [{ points: [{ x: 0.4, y: 0.4 }] }] } } }),
  });

it('an HTTP GraphQL request: its id in x-request-id and in its log lines, no token, no image bytes', async () => {
  const res = await segment();
  expect(res.status).toBe(200);
  expect(((await res.json()) as { errors?: unknown }).errors).toBeUndefined();
  const id = res.headers.get('x-request-id')!;
  expect(id).toMatch(/^[0-9a-f-]{36}$/);

  const mine = await waitFor(async () => {
    const l = lines().filter((x) => x.requestId === id);
    return l.length >= 2 && l;
  }, 10_000);
  const received = mine.find((l) => l.msg === 'graphql request')!;
  expect(received.headers.authorization).toBe('[redacted]');
  expect(received.variables.input.imageBase64).toBe('[redacted]');
  expect(received.variables.input.objects).toEqual([{ points: [{ x: 0.4, y: 0.4 }] }]);
  expect(mine.find((l) => l.msg === 'graphql')).toMatchObject({ op: 'SegmentImage', level: 30 });
  expectNoSecrets();
});

it("keeps a caller's sane x-request-id and replaces one that is not", async () => {
  const kept = await segment('gateway-7f3a.1');
  expect(kept.headers.get('x-request-id')).toBe('gateway-7f3a.1');
  await waitFor(async () => lines().some((l) => l.requestId === 'gateway-7f3a.1' && l.msg === 'graphql'), 10_000);
  const replaced = await segment('x'.repeat(200));
  expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  const upload = await fetch(`${srv.url}/upload?projectId=nope`, { method: 'POST', body: 'x' });
  expect(upload.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
});

it('a graphql-ws operation: its own id on its log lines, no connectionParams, no image bytes under any variable name', async () => {
  const client = wsClient(srv.url, { authorization: `Bearer ${SECRET}` });
  try {
    // The image under a variable name of the client's choosing.
    const doc = `mutation Seg($img: String!) { segmentImage(input: { imageBase64: $img, objects: [{ points: [{ x: 0.4, y: 0.4 }] }] }) { width } }`;
    const r = await new Promise<any>((resolve, reject) => {
      let data: unknown;
      client.subscribe({ query: doc, variables: { img: image } }, { next: (v) => (data = v), error: reject, complete: () => resolve(data) });
    });
    expect(r.data.segmentImage.width).toBe(96);
    const ended = await waitFor(async () => lines().find((l) => l.msg === 'graphql-ws operation ended'), 10_000);
    const started = lines().find((l) => l.msg === 'graphql-ws operation' && l.requestId === ended.requestId)!;
    expect(started).toMatchObject({ op: 'Seg', variables: { img: `[${image.length} chars]` } });
    expect(await wsRequest(client, SegmentImageDocument, { input: { imageBase64: image, objects: [{ points: [{ x: 0.4, y: 0.4 }] }] } })).toBeTruthy();
  } finally {
    await client.dispose();
  }
  expectNoSecrets();
});
