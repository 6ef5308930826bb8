// A click on a stored image whose embedding is cached: no database round trip (the media row is
// kept in memory where this process owns the database) and no copy of the embedding sent to the
// device worker (only the prompts cross); and still every rule of a click that reads the row: a
// project-limited key is refused another project's media with the same NOT_FOUND, and a media
// deleted (or whose project was deleted) is NOT_FOUND on the next click.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeRle } from '../../src/engine/masks/coco-rle.js';
import { drawPicture, iou, toPng } from '../support/draw.js';
import { httpClient } from '../support/gql.js';
import { databaseKinds, startTestServer, type TestServer } from '../support/test-server.js';

const PIC = drawPicture(160, 120, [{ kind: 'disc', color: [40, 60, 200], x: 60, y: 60, r: 30 }]);
const CLICK = 'mutation($m: ID!) { segmentImage(input: { mediaId: $m, objects: [{ points: [{ x: 0.375, y: 0.5 }] }] }) { cacheHit objects { mask { rle { size counts } } } } }';

type Client = ReturnType<typeof httpClient>;

describe.each(databaseKinds())('a cached click on a stored image (%s)', (db) => {
  let srv: TestServer;
  let admin: Client;
  let limited: Client;
  let inside: string;
  let outside: string;
  let projectA: string;

  const must = async (c: Client, query: string, variables?: Record<string, unknown>): Promise<any> => {
    const r = await c.raw(query, variables);
    if (r.errors?.length) throw new Error(JSON.stringify(r.errors));
    return r.data;
  };
  const newProject = async (name: string): Promise<string> => (await must(admin, 'mutation($n: String!) { createProject(input: { name: $n }) { project { id } } }', { n: name })).createProject.project.id;
  const newImage = async (projectId: string): Promise<string> =>
    (await must(admin, 'mutation($p: ID!, $b: String!) { addMedia(input: { projectId: $p, base64: $b }) { media { id } } }', { p: projectId, b: (await toPng(PIC)).toString('base64') })).addMedia.media.id;
  const click = (c: Client, mediaId: string) => c.raw(CLICK, { m: mediaId });
  /** The error of a click, with the media id put back as `ID`, to compare answers about different ids. */
  const refusal = async (c: Client, mediaId: string) => {
    const r = await click(c, mediaId);
    expect(r.errors?.length).toBe(1);
    const e = r.errors![0]!;
    return JSON.stringify({ message: e.message, extensions: e.extensions, data: r.data }).replaceAll(mediaId, 'ID');
  };

  beforeAll(async () => {
    srv = await startTestServer({ db, env: { AUTH_MODE: 'apikey', RATE_LIMIT_PER_SEC: '0' } });
    const bootstrap = await srv.app.services.apiKeys.create({ name: 'bootstrap', scopes: ['admin'] });
    admin = httpClient(srv.url, { authorization: `Bearer ${bootstrap.secret}` });
    projectA = await newProject('A');
    const projectB = await newProject('B');
    inside = await newImage(projectA);
    outside = await newImage(projectB);
    const key = await srv.app.services.apiKeys.create({ name: 'A only', scopes: ['write'], projectIds: [projectA] });
    limited = httpClient(srv.url, { authorization: `Bearer ${key.secret}` });
  }, 120_000);
  afterAll(() => srv?.stop());

  it("a key limited to a project is refused another project's media even when its row and embedding are cached", async () => {
    const unknown = await refusal(limited, randomUUID());
    expect(JSON.parse(unknown).extensions.code).toBe('NOT_FOUND');
    // The unrestricted key reads the row (kept in memory) and caches the embedding.
    await must(admin, CLICK, { m: outside });
    expect((await must(admin, CLICK, { m: outside })).segmentImage.cacheHit).toBe(true);
    expect(await refusal(limited, outside)).toBe(unknown);
    const own = await must(limited, CLICK, { m: inside });
    expect(iou(decodeRle(own.segmentImage.objects[0].mask.rle).data, PIC.masks[0]!)).toBeGreaterThanOrEqual(0.9);
    expect(await refusal(limited, outside)).toBe(unknown);
  });

  // The embedded database is this process's own: rows are kept. A shared PostgreSQL may lose a
  // media through another process: its row is read on every click.
  it(db === 'pglite' ? 'a cached click reads no media row from the database, with either key' : 'with PostgreSQL a cached click reads the media row every time', async () => {
    await must(admin, CLICK, { m: inside });
    const reads = vi.spyOn(srv.app.db.prisma.media, 'findUnique');
    try {
      for (const c of [admin, limited]) expect((await must(c, CLICK, { m: inside })).segmentImage.cacheHit).toBe(true);
      if (db !== 'pglite') {
        expect(reads.mock.calls.length).toBeGreaterThanOrEqual(2);
        return;
      }
      expect(reads).not.toHaveBeenCalled();
      // A row not read before is read once (the spy sees the database calls).
      const fresh = await newImage(projectA);
      await must(limited, CLICK, { m: fresh });
      expect(reads).toHaveBeenCalledTimes(1);
    } finally {
      reads.mockRestore();
    }
  });

  it('a cached click sends the device worker only the prompts: the embedding stays there, named by id', async () => {
    await must(admin, CLICK, { m: inside });
    const worker = srv.app.engine.sessions.worker('cpu')!;
    const request = vi.spyOn(worker, 'request');
    try {
      expect((await must(admin, CLICK, { m: inside })).segmentImage.cacheHit).toBe(true);
      const runs = request.mock.calls.map(([msg]) => msg).filter((m) => m.op === 'run') as { feeds: Record<string, object> }[];
      expect(runs.length).toBe(1); // the decoder
      const feeds = Object.entries(runs[0]!.feeds);
      expect(feeds.filter(([, f]) => 'data' in f).map(([k]) => k).sort()).toEqual(['has_mask_input', 'mask_input', 'point_coords', 'point_labels']);
      expect(feeds.filter(([, f]) => !('data' in f)).map(([k]) => k).sort()).toEqual(['high_res_feats_0', 'high_res_feats_1', 'image_embed']);
    } finally {
      request.mockRestore();
    }
  });

  it('a deleted media is NOT_FOUND on the next click, its row and embedding cached or not', async () => {
    const id = await newImage(projectA);
    for (const c of [admin, limited]) await must(c, CLICK, { m: id });
    const notFound = await refusal(admin, randomUUID());
    await must(admin, 'mutation($id: ID!) { deleteMedia(input: { id: $id }) { id } }', { id });
    expect(await refusal(admin, id)).toBe(notFound);
    expect(await refusal(limited, id)).toBe(notFound);
  });

  it("the media of a deleted project are NOT_FOUND on the next click (the same bytes' embedding cached)", async () => {
    const project = await newProject('C');
    const id = await newImage(project);
    await must(admin, CLICK, { m: id });
    const notFound = await refusal(admin, randomUUID());
    await must(admin, 'mutation($id: ID!) { deleteProject(input: { id: $id }) { id } }', { id: project });
    expect(await refusal(admin, id)).toBe(notFound);
  });
});
