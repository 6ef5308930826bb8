// Relay pagination both ways (first/after and last/before) on a real database: every page is in
// order, pages tile the list without gaps or repeats, and pageInfo tells where more lies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateProjectDocument, ProjectsDocument } from '../../client/generated/graphql.js';
import { httpClient } from '../support/gql.js';
import { databaseKinds, startTestServer, type TestServer } from '../support/test-server.js';

describe.each(databaseKinds())('connections: forward and backward pagination (%s)', (db) => {
  let srv: TestServer;
  let gql: ReturnType<typeof httpClient>;
  const ids: string[] = []; // oldest first, as created

  beforeAll(async () => {
    srv = await startTestServer({ db });
    gql = httpClient(srv.url);
    for (let i = 0; i < 7; i++) ids.push((await gql.request(CreateProjectDocument, { input: { name: `p${i}` } })).createProject.project.id);
  });
  afterAll(() => srv?.stop());

  const page = (v: { first?: number; after?: string | null; last?: number; before?: string | null }) => gql.request(ProjectsDocument, v).then((r) => r.projects);
  const nodeIds = (p: Awaited<ReturnType<typeof page>>) => p.edges.map((e) => e.node.id);

  it('last without a cursor is the newest items, oldest first', async () => {
    const p = await page({ last: 3 });
    expect(nodeIds(p)).toEqual(ids.slice(4));
    expect(p.totalCount).toBe(7);
    expect(p.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false, startCursor: p.edges[0]!.cursor, endCursor: p.edges[2]!.cursor });
  });

  it('walking back with last/before visits every item once, in the same order as walking forward', async () => {
    const back: string[][] = [];
    let before: string | null = null;
    for (let guard = 0; guard < 10; guard++) {
      const p: Awaited<ReturnType<typeof page>> = await page({ last: 3, before });
      back.unshift(nodeIds(p));
      if (!p.pageInfo.hasPreviousPage) break;
      before = p.pageInfo.startCursor ?? null;
    }
    expect(back).toEqual([ids.slice(0, 1), ids.slice(1, 4), ids.slice(4)]);

    const forward: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 10; guard++) {
      const p: Awaited<ReturnType<typeof page>> = await page({ first: 3, after });
      forward.push(...nodeIds(p));
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor ?? null;
    }
    expect(forward).toEqual(ids);
    expect(back.flat()).toEqual(forward);
  });

  it('after and before together give the window between two cursors; first or last trims it', async () => {
    const all = await page({ first: 7 });
    const c = all.edges.map((e) => e.cursor);
    expect(nodeIds(await page({ after: c[1], before: c[5] }))).toEqual(ids.slice(2, 5));
    expect(nodeIds(await page({ first: 2, after: c[1], before: c[5] }))).toEqual(ids.slice(2, 4));
    expect(nodeIds(await page({ last: 2, after: c[1], before: c[5] }))).toEqual(ids.slice(3, 5));
    const back = await page({ last: 2, before: c[2] });
    expect(nodeIds(back)).toEqual(ids.slice(0, 2));
    expect(back.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: true });
  });

  it('without first or last a page holds 20; last: 0 is an empty page', async () => {
    expect(nodeIds(await page({}))).toEqual(ids);
    const empty = await page({ last: 0 });
    expect(empty.edges).toEqual([]);
    expect(empty.pageInfo).toMatchObject({ hasPreviousPage: true, startCursor: null, endCursor: null });
  });

  it('refuses first with last, a bad before cursor and last over 100', async () => {
    const both = await gql.fail(ProjectsDocument, { first: 2, last: 2 });
    expect(both).toMatchObject({ code: 'BAD_USER_INPUT', message: 'Pass first or last, not both' });
    const bad = await gql.fail(ProjectsDocument, { last: 2, before: 'nonsense' });
    expect(bad.code).toBe('BAD_USER_INPUT');
    expect(bad.extensions.field).toBe('before');
    expect((await gql.fail(ProjectsDocument, { last: 101 })).code).toBe('BAD_USER_INPUT');
  });
});
