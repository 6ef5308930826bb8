// Hostile project, media and batch-job mutations (createProject, renameProject, deleteProject,
// deleteMedia, startBatchSegmentation, cancelJob) and hostile list arguments (first, after
// cursors, filters) on every connection. Media shared by content hash across projects must
// survive the deletion of one of them; nothing half-written or lost in the store.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edgeNumber, hostileInt } from './arbitraries.js';
import { realImages, type RealImages } from './bytes.js';
import { PROPERTY_TIMEOUT_MS, checkStore, coded, gql, hostileId, hostileString, num, property, report, startHostile, type Hostile } from './harness.js';

describe('hostile projects, media deletion, batch jobs and lists', () => {
  let h: Hostile;
  let img: RealImages;
  /** Projects and media this file created and did not delete. */
  const projects: string[] = [];
  const media: { id: string; projectId: string }[] = [];
  let lastJob = '';
  const started = performance.now();

  const run = async (query: string, variables: unknown, field: string) => coded(h, await gql(h, { query, variables }), field);

  beforeAll(async () => {
    h = await startHostile('projects');
    img = await realImages();
    projects.push(h.projectId);
  });
  afterAll(async () => {
    if (h) report(h, started);
    await h?.srv.stop();
  });

  /** Also: every file a row refers to is still there (deleting one project must not take shared bytes). */
  async function checkFilesPresent(): Promise<void> {
    const rows = await h.srv.app.db.prisma.media.findMany({ select: { id: true, storagePath: true, thumbnailPath: true } });
    for (const r of rows) {
      for (const p of [r.storagePath, r.thumbnailPath]) if (p) expect(await h.srv.app.services.media.readBytes({ storagePath: p }).then(() => true, () => false), `media ${r.id} lost its file ${p}`).toBe(true);
    }
  }

  const pick = <T,>(list: () => T[], fallback: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: fc.nat().map((i) => ({ i })) }, { weight: 1, arbitrary: fallback.map((v) => ({ v })) }).map((c) => ('v' in c ? c.v : list().length ? list()[c.i % list().length] : undefined));

  it('project and media mutations, batch segmentation and cancellation', async () => {
    const name = fc.oneof({ weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 30 }) }, { weight: 2, arbitrary: hostileString });
    const opts = fc.record({ pointsPerSide: fc.option(fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 4 }) }, { weight: 1, arbitrary: hostileInt(-1, 4) }), { nil: undefined }), predIouThreshold: fc.option(edgeNumber, { nil: undefined, freq: 3 }), minArea: fc.option(hostileInt(0, 20), { nil: undefined, freq: 3 }), model: fc.constantFrom(undefined, 'demo', 'demo-sam', 'nope') });
    const op = fc.oneof(
      { weight: 3, arbitrary: fc.record({ op: fc.constant('createProject' as const), name }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('renameProject' as const), id: pick(() => projects, hostileId), name }) },
      { weight: 4, arbitrary: fc.record({ op: fc.constant('addMedia' as const), projectId: pick(() => projects, hostileId), image: fc.constantFrom('png', 'jpeg', 'gif', 'webp') }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('deleteMedia' as const), id: pick(() => media.map((m) => m.id), hostileId) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteProject' as const), id: pick(() => projects.slice(1), hostileId) }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('startBatchSegmentation' as const), projectId: pick(() => projects, hostileId), opts, cancel: fc.boolean() }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('cancelJob' as const), jobId: fc.oneof(fc.constant('LAST'), hostileId) }) },
    );
    await property(
      h,
      'project/media/batch mutations',
      op,
      async (o) => {
        switch (o.op) {
          case 'createProject':
          case 'renameProject': {
            const r =
              o.op === 'createProject'
                ? await run('mutation($i: CreateProjectInput!) { createProject(input: $i) { project { id name mediaCount } } }', { i: { name: o.name } }, 'createProject')
                : await run('mutation($i: RenameProjectInput!) { renameProject(input: $i) { project { id name mediaCount } } }', { i: { id: o.id ?? 'none', name: o.name } }, 'renameProject');
            if (r.ok) {
              if (o.op === 'createProject') projects.push(r.data.project.id);
              // The schema promises "1 to 200 characters".
              const stored: string = r.data.project.name;
              expect(stored.length, `${o.op} stored an empty name for ${JSON.stringify(o.name)}`).toBeGreaterThan(0);
              expect([...stored].length, `${o.op} stored a name of ${[...stored].length} characters`).toBeLessThanOrEqual(200);
            }
            break;
          }
          case 'addMedia': {
            const r = await run('mutation($i: AddMediaInput!) { addMedia(input: $i) { deduplicated media { id projectId } } }', { i: { projectId: o.projectId ?? 'none', base64: img[o.image].toString('base64') } }, 'addMedia');
            if (r.ok) {
              h.expectedMedia++;
              media.push({ id: r.data.media.id, projectId: r.data.media.projectId });
            }
            break;
          }
          case 'deleteMedia': {
            const r = await run('mutation($i: DeleteMediaInput!) { deleteMedia(input: $i) { id } }', { i: { id: o.id ?? 'none' } }, 'deleteMedia');
            if (r.ok) {
              h.expectedMedia--;
              media.splice(media.findIndex((m) => m.id === r.data.id), 1);
            }
            break;
          }
          case 'deleteProject': {
            const r = await run('mutation($i: DeleteProjectInput!) { deleteProject(input: $i) { id deletedMediaCount } }', { i: { id: o.id ?? 'none' } }, 'deleteProject');
            if (r.ok) {
              const gone = media.filter((m) => m.projectId === r.data.id);
              expect(r.data.deletedMediaCount).toBe(gone.length);
              h.expectedMedia -= gone.length;
              for (const g of gone) media.splice(media.indexOf(g), 1);
              projects.splice(projects.indexOf(r.data.id), 1);
            }
            break;
          }
          case 'startBatchSegmentation': {
            const r = await run('mutation($i: StartBatchSegmentationInput!) { startBatchSegmentation(input: $i) { job { id status kind } } }', { i: { projectId: o.projectId ?? 'none', ...o.opts } }, 'startBatchSegmentation');
            if (r.ok) {
              lastJob = r.data.job.id;
              const pps = num(o.opts.pointsPerSide ?? 16);
              expect(pps !== null && Number.isInteger(pps) && pps >= 1 && pps <= 64, `accepted pointsPerSide ${o.opts.pointsPerSide}`).toBe(true);
              if (o.cancel) await run('mutation($i: CancelJobInput!) { cancelJob(input: $i) { job { id status } } }', { i: { jobId: lastJob } }, 'cancelJob');
              const until = Date.now() + 60_000;
              for (;;) {
                const j = await run('query($id: ID!) { job(id: $id) { status error { code message } } }', { id: lastJob }, 'job');
                if (!j.ok) break; // its project may have been deleted since
                if (['COMPLETED', 'FAILED', 'CANCELLED'].includes(j.data.status)) {
                  expect(j.data.error?.code, `batch job failed: ${JSON.stringify(j.data.error)}`).not.toBe('INTERNAL');
                  break;
                }
                if (Date.now() > until) throw new Error(`HANG: batch job ${lastJob} still ${j.data.status} after 60 s`);
                await new Promise((res) => setTimeout(res, 50));
              }
            }
            break;
          }
          case 'cancelJob':
            await run('mutation($i: CancelJobInput!) { cancelJob(input: $i) { job { id status } } }', { i: { jobId: o.jobId === 'LAST' ? lastJob || 'none' : o.jobId } }, 'cancelJob');
            break;
        }
        await checkStore(h);
        await checkFilesPresent();
      },
      { numRuns: 80 },
    );
  }, PROPERTY_TIMEOUT_MS);

  it('lists with hostile first, after (forged cursors), filters', async () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64url');
    const cursor = fc.oneof(
      hostileString,
      // Forged cursors: a date (valid, out of PostgreSQL's range, odd) and an id that is no uuid.
      fc
        .tuple(fc.constantFrom('2020-01-01T00:00:00.000Z', '0', '1', '+275760-09-13T00:00:00.000Z', '-271821-04-20T00:00:00.000Z', '9999-12-31', '1970-01-01', 'Infinity', 'x'), fc.oneof(fc.uuid(), hostileString, fc.constantFrom('', 'x', "' OR 1=1 --")))
        .map(([d, id]) => b64(`${d}|${id}`)),
    );
    const first = fc.option(hostileInt(0, 5), { nil: undefined });
    const list = fc.oneof(
      fc.record({ q: fc.constant('projects' as const), first, after: fc.option(cursor, { nil: undefined }) }),
      fc.record({ q: fc.constant('mediaList' as const), projectId: fc.oneof(fc.constant('OWN'), hostileId), first, after: fc.option(cursor, { nil: undefined }), label: fc.option(hostileString, { nil: undefined }) }),
      fc.record({ q: fc.constant('jobs' as const), first, after: fc.option(cursor, { nil: undefined }), projectId: fc.option(hostileId, { nil: undefined }), sessionId: fc.option(hostileId, { nil: undefined }), status: fc.constantFrom(undefined, 'QUEUED', 'DONE'), kind: fc.constantFrom(undefined, 'PROPAGATION', 'EXPORT', 'X') }),
      fc.record({ q: fc.constant('sessions' as const), first, after: fc.option(cursor, { nil: undefined }), mediaId: fc.option(hostileId, { nil: undefined }), status: fc.constantFrom(undefined, 'OPEN', 'CLOSED', 'open') }),
    );
    await property(
      h,
      'lists',
      list,
      async (l) => {
        const conn = 'totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id } }';
        let r;
        switch (l.q) {
          case 'projects':
            r = await run(`query($f: Int, $a: String) { projects(first: $f, after: $a) { ${conn} } }`, { f: l.first, a: l.after }, 'projects');
            break;
          case 'mediaList':
            r = await run(`query($p: ID!, $f: Int, $a: String, $l: String) { mediaList(projectId: $p, first: $f, after: $a, label: $l) { ${conn} } }`, { p: l.projectId === 'OWN' ? h.projectId : l.projectId, f: l.first, a: l.after, l: l.label }, 'mediaList');
            break;
          case 'jobs':
            r = await run(`query($f: Int, $a: String, $p: ID, $s: ID, $st: JobStatus, $k: JobKind) { jobs(first: $f, after: $a, projectId: $p, sessionId: $s, status: $st, kind: $k) { ${conn} } }`, { f: l.first, a: l.after, p: l.projectId, s: l.sessionId, st: l.status, k: l.kind }, 'jobs');
            break;
          case 'sessions':
            r = await run(`query($f: Int, $a: String, $m: ID, $st: SessionStatus) { sessions(first: $f, after: $a, mediaId: $m, status: $st) { ${conn} } }`, { f: l.first, a: l.after, m: l.mediaId, st: l.status }, 'sessions');
            break;
        }
        if (r.ok) {
          const f = num(l.first ?? 20)!;
          expect(f >= 0 && f <= 100, `accepted first ${l.first}`).toBe(true);
          expect(r.data.edges.length).toBeLessThanOrEqual(f);
        }
      },
      { numRuns: 80 },
    );
  }, PROPERTY_TIMEOUT_MS);
});
