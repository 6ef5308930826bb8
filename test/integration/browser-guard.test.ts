// Browsers and AUTH_MODE=none (issue 11): the Host must name this server (DNS rebinding), the
// graphql-ws upgrade checks Origin, CORS_ORIGINS lets a frontend on another origin call the API
// (preflight answered), and /upload refuses a cross-site simple POST. Also: query-limit errors
// say what limit was passed, not "Syntax Error".
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { drawPicture, toPng } from '../support/draw.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const FRONTEND = 'http://localhost:5173';

/** A raw HTTP request, so that Host and Origin can be anything. */
function raw(url: string, opts: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url + (opts.path ?? '/graphql'), { method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d)).on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    });
    req.on('error', reject).end(opts.body);
  });
}

function upgrade(url: string, headers: Record<string, string>): Promise<number | 'open'> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', { headers });
    socket.once('open', () => {
      socket.close();
      resolve('open');
    });
    socket.once('unexpected-response', (_req, res) => resolve(res.statusCode!));
    socket.once('error', () => undefined);
  });
}

describe('AUTH_MODE=none in a browser world', () => {
  let srv: TestServer;
  let port: string;
  const json = { 'content-type': 'application/json' };
  const models = JSON.stringify({ query: '{ models { name } }' });

  beforeAll(async () => {
    srv = await startTestServer({ env: { CORS_ORIGINS: FRONTEND, ALLOWED_HOSTS: 'maskql.internal' } });
    port = new URL(srv.url).port;
  });
  afterAll(() => srv?.stop());

  it('serves only Hosts that name this server (no DNS rebinding)', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'maskql.internal', `maskql.internal:8080`]) {
      expect((await raw(srv.url, { method: 'POST', headers: { ...json, host }, body: models })).status, host).toBe(200);
    }
    for (const host of [`evil.example:${port}`, 'evil.example', `localhost:${Number(port) + 1}`]) {
      const res = await raw(srv.url, { method: 'POST', headers: { ...json, host }, body: models });
      expect(res.status, host).toBe(403);
      expect(JSON.parse(res.text).errors[0].extensions.code).toBe('FORBIDDEN');
    }
    expect(await upgrade(srv.url, { host: `evil.example:${port}` })).toBe(403);
  });

  it('checks Origin on the graphql-ws upgrade', async () => {
    expect(await upgrade(srv.url, {})).toBe('open'); // not a browser
    expect(await upgrade(srv.url, { origin: FRONTEND })).toBe('open');
    expect(await upgrade(srv.url, { origin: `http://127.0.0.1:${port}` })).toBe('open'); // same origin
    expect(await upgrade(srv.url, { origin: 'http://evil.example' })).toBe(403);
  });

  it('answers a CORS preflight from an allowed origin, and nothing to others', async () => {
    const preflight = (origin: string) => raw(srv.url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' } });
    const ok = await preflight(FRONTEND);
    expect(ok.status).toBeLessThan(300);
    expect(ok.headers['access-control-allow-origin']).toBe(FRONTEND);
    expect(String(ok.headers['access-control-allow-methods'])).toMatch(/POST/);
    expect(String(ok.headers['access-control-allow-headers'])).toMatch(/content-type/);
    expect((await preflight('http://evil.example')).headers['access-control-allow-origin']).toBeUndefined();
    const post = await raw(srv.url, { method: 'POST', headers: { ...json, origin: FRONTEND }, body: models });
    expect(post.status).toBe(200);
    expect(post.headers['access-control-allow-origin']).toBe(FRONTEND);
  });

  it('refuses a cross-site simple POST to /upload and stores nothing', async () => {
    const create = await raw(srv.url, { method: 'POST', headers: json, body: JSON.stringify({ query: 'mutation { createProject(input: { name: "x" }) { project { id } } }' }) });
    const projectId = JSON.parse(create.text).data.createProject.project.id;
    const png = await toPng(drawPicture(32, 32, [{ kind: 'rect', x: 4, y: 4, w: 10, h: 10, color: [200, 40, 40] }]));
    const path = `/upload?projectId=${projectId}&filename=x.png`;
    const forged = await raw(srv.url, { method: 'POST', path, headers: { 'content-type': 'text/plain', origin: 'http://evil.example' }, body: png });
    expect(forged.status).toBe(403);
    const count = await raw(srv.url, { method: 'POST', headers: json, body: JSON.stringify({ query: `{ project(id: "${projectId}") { mediaCount } }` }) });
    expect(JSON.parse(count.text).data.project.mediaCount).toBe(0);
    // The allowed frontend may upload.
    expect((await raw(srv.url, { method: 'POST', path, headers: { 'content-type': 'application/octet-stream', origin: FRONTEND }, body: png })).status).toBe(201);
  });

  it('words query-limit errors as limits, not as syntax errors', async () => {
    const deep = `{ projects { edges { node { ${'media { edges { node { project { '.repeat(4)}id${' } } } }'.repeat(4)} } } } }`;
    const tooDeep = JSON.parse((await raw(srv.url, { method: 'POST', headers: json, body: JSON.stringify({ query: deep }) })).text);
    expect(tooDeep.errors[0].message).not.toMatch(/^Syntax Error/);
    expect(tooDeep.errors[0].message).toMatch(/depth/i);
    const long = `{ ${Array.from({ length: 3000 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    const tooLong = JSON.parse((await raw(srv.url, { method: 'POST', headers: json, body: JSON.stringify({ query: long }) })).text);
    expect(tooLong.errors[0].message).not.toMatch(/^Syntax Error/);
    expect(tooLong.errors[0].message).toMatch(/tokens/);
  });
});
