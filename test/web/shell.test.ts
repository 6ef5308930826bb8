// The page itself: nothing is fetched from outside the server, AUTH_MODE asks for a key (kept
// in sessionStorage only), GraphiQL runs queries over HTTP and subscriptions over graphql-ws from
// the server's own files, and production serves no GraphiQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { CreateProjectDocument, StartBatchSegmentationDocument } from '../../client/generated/graphql.js';
import { shoot, startWebBed, type WebBed, browserAvailable } from '../support/browser.js';
import { drawPicture, toPng } from '../support/draw.js';
import { httpClient } from '../support/gql.js';
import { startTestServer } from '../support/test-server.js';

/** Every request and WebSocket the page opens. */
function recordRequests(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', (r) => urls.push(r.url()));
  page.on('websocket', (ws) => urls.push(ws.url()));
  return urls;
}

describe.runIf(browserAvailable)('web app: the shell', () => {
  let bed: WebBed;
  let secret: string;

  beforeAll(async () => {
    bed = await startWebBed(null, { AUTH_MODE: 'apikey' });
    secret = (await bed.srv.app.services.apiKeys.create({ name: 'web', scopes: ['admin'] })).secret;
  });
  afterAll(() => bed?.stop());

  it('asks for a key, keeps it in sessionStorage only, and fetches nothing from outside the server', async () => {
    const { page, srv } = bed;
    const urls = recordRequests(page);
    await page.goto(`${srv.url}/`);
    await page.getByTestId('api-key').waitFor();
    await page.getByTestId('api-key').fill('mqk_not-a-key');
    await page.getByRole('button', { name: 'Use this key' }).click();
    await page.getByTestId('api-key').waitFor(); // refused: asked again
    await page.getByTestId('api-key').fill(secret);
    await page.getByRole('button', { name: 'Use this key' }).click();
    await page.getByTestId('project-name').fill('from the browser');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.waitForSelector('[data-testid=drop-zone]');
    await page.goto(`${srv.url}/#/jobs`);
    await page.waitForSelector('main[data-ready="1"]');
    await shoot(page, 'shell-jobs');

    expect(await page.evaluate(() => sessionStorage.getItem('maskql.key'))).toBe(secret);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect((await page.context().cookies()).length).toBe(0);
    const origin = new URL(srv.url);
    expect(urls.length).toBeGreaterThan(3);
    for (const u of urls) expect(new URL(u).host, u).toBe(origin.host);
    // The app's page forbids any other origin (Content-Security-Policy).
    const res = await fetch(`${srv.url}/`);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
  });

  it('GraphiQL runs a query over HTTP and a subscription over graphql-ws, offline', async () => {
    const { srv } = bed;
    const api = httpClient(srv.url, { authorization: `Bearer ${secret}` });
    const { createProject } = await api.request(CreateProjectDocument, { input: { name: 'graphiql' } });
    await fetch(`${srv.url}/upload?projectId=${createProject.project.id}&filename=a.png`, { method: 'POST', headers: { authorization: `Bearer ${secret}` }, body: await toPng(drawPicture(64, 48, [{ kind: 'rect', color: [200, 30, 30], x: 10, y: 10, w: 20, h: 20 }])) });
    const { startBatchSegmentation } = await api.request(StartBatchSegmentationDocument, { input: { projectId: createProject.project.id } });

    // From the app's tab, by its link: GraphiQL uses the key the app keeps for this tab.
    const page = bed.page;
    const urls = recordRequests(page);
    await page.getByRole('link', { name: 'GraphiQL' }).click();
    await page.waitForSelector('.graphiql-container');
    const run = async (query: string, until: string) => {
      await page.evaluate((q) => (document.querySelector('.graphiql-query-editor .CodeMirror') as unknown as { CodeMirror: { setValue(v: string): void } }).CodeMirror.setValue(q), query);
      await page.locator('.graphiql-execute-button').click();
      await page.waitForFunction((text) => document.querySelector('.graphiql-response')?.textContent?.includes(text), until, { timeout: 30_000 }).catch(async (err) => {
        await shoot(page, 'graphiql-failed');
        throw err;
      });
      return page.locator('.graphiql-response').textContent();
    };
    expect(await run('{ projects { totalCount } }', 'totalCount')).toMatch(/"totalCount":\s*2/);
    expect(await run(`subscription { jobProgress(jobId: "${startBatchSegmentation.job.id}") { status } }`, 'COMPLETED')).toContain('COMPLETED');
    await shoot(page, 'graphiql');
    expect(urls.some((u) => u.startsWith('ws://'))).toBe(true);
    for (const u of urls) expect(new URL(u).host, u).toBe(new URL(srv.url).host);
  });

  it('serves no GraphiQL in production, and still the app', async () => {
    const prod = await startTestServer({ env: { NODE_ENV: 'production' } });
    try {
      const page = await fetch(`${prod.url}/graphql`, { headers: { accept: 'text/html' } });
      expect(await page.text()).not.toMatch(/graphiql/i);
      expect((await fetch(`${prod.url}/graphiql/graphiql.min.js`)).status).toBe(404);
      const app = await fetch(`${prod.url}/`);
      expect(app.status).toBe(200);
      expect(await app.text()).toContain('<main id="main">');
    } finally {
      await prod.stop();
    }
  });
});
