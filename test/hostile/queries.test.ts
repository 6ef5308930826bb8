// Hostile documents and bodies on POST /graphql: thousands of aliases, long fragment chains and
// cycles, deep selections on paths that exist (media -> project -> media -> ...), 1 MB
// queries (padding, string literals, unclosed braces, nested lists), directive and variable
// spam, random text, and malformed JSON bodies. The server must answer each one with a coded
// error (parse/validation codes included) or a result, and stay up.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realImages } from './bytes.js';
import { PROPERTY_TIMEOUT_MS, coded, gql, http, property, report, startHostile, type Hostile } from './harness.js';

const MB = 1024 * 1024;

/**
 * Apollo Server's own codes for a request it cannot run at all (empty query, batching off, several
 * operations and no operationName), always with HTTP 400: coded client errors too.
 */
const APOLLO_400 = ['BAD_REQUEST', 'OPERATION_RESOLUTION_FAILURE', 'PERSISTED_QUERY_NOT_SUPPORTED', 'PERSISTED_QUERY_NOT_FOUND'];

describe('hostile queries', () => {
  let h: Hostile;
  let mediaId: string;
  const started = performance.now();

  beforeAll(async () => {
    h = await startHostile('queries');
    const img = await realImages();
    const r = coded(h, await gql(h, { query: 'mutation($i: AddMediaInput!) { addMedia(input: $i) { media { id } } }', variables: { i: { projectId: h.projectId, base64: img.png.toString('base64') } } }), 'addMedia');
    if (!r.ok) throw new Error('setup: addMedia failed');
    h.expectedMedia++;
    mediaId = r.data.media.id;
  });
  afterAll(async () => {
    if (h) report(h, started);
    await h?.srv.stop();
  });

  type Doc = { kind: string; query: string; variables?: unknown; operationName?: string };

  const documents = (): fc.Arbitrary<Doc> => {
    const field = fc.constantFrom('__typename', 'health { status }', 'models { name available }', `project(id: "PID") { name mediaCount }`, `media(id: "MID") { id project { name } }`, `project(id: "nope") { id }`);
    const fill = (s: string) => s.replace('PID', h.projectId).replace('MID', mediaId);
    return fc.oneof(
      // Thousands of aliases of one field (heavy fields: up to 1000).
      fc.tuple(field, fc.integer({ min: 1, max: 2000 })).map(([f, n]) => {
        const m = f === '__typename' || f.startsWith('health') ? n : Math.min(n, 1000);
        return { kind: `aliases x${m} ${f.split(' ')[0]}`, query: `{ ${Array.from({ length: m }, (_, i) => `a${i}: ${fill(f)}`).join(' ')} }` };
      }),
      // A chain of fragments, each spreading the next.
      fc.integer({ min: 1, max: 3000 }).map((d) => ({
        kind: `fragment chain ${d}`,
        query: `{ ...F0 } ${Array.from({ length: d }, (_, i) => `fragment F${i} on Query { __typename ${i + 1 < d ? `...F${i + 1}` : ''} }`).join(' ')}`,
      })),
      // A cycle of fragments.
      fc.integer({ min: 1, max: 500 }).map((d) => ({
        kind: `fragment cycle ${d}`,
        query: `{ ...F0 } ${Array.from({ length: d }, (_, i) => `fragment F${i} on Query { __typename ...F${(i + 1) % d} }`).join(' ')}`,
      })),
      // The same fragment spread many times in many places (a "billion laughs" of spreads).
      fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 2, max: 6 })).map(([levels, width]) => ({
        kind: `fragment fan-out ${width}^${levels}`,
        query: `{ ...L0 } ${Array.from({ length: levels }, (_, i) => `fragment L${i} on Query { ${i + 1 < levels ? Array.from({ length: width }, (_, k) => `x${k}: health { status } ...L${i + 1}`).join(' ') : 'health { status }'} }`).join(' ')}`,
      })),
      // Deep selections on paths that exist: media -> project -> media list -> node -> project -> ...
      fc.integer({ min: 1, max: 60 }).map((d) => {
        let sel = 'id name';
        for (let i = 0; i < d; i++) sel = `id name media(first: 2) { totalCount edges { node { id kind project { ${sel} } } } }`;
        return { kind: `deep media/project ${d}`, query: `{ media(id: "${mediaId}") { id project { ${sel} } } }` };
      }),
      // Deep introspection (ofType chains) and __typename towers.
      fc.integer({ min: 1, max: 2000 }).map((d) => ({ kind: `deep ofType ${d}`, query: `{ __schema { types { name fields { type { ${'ofType { '.repeat(d)}name${' }'.repeat(d)} } } } } }` })),
      // ~1 MB of padding around a tiny query.
      fc.tuple(fc.constantFrom(' ', '\n', '#c\n', ',', '\t', '\ufeff', '\u00a0'), fc.integer({ min: 1000, max: MB })).map(([pad, n]) => ({ kind: `padding ${JSON.stringify(pad)} ${n}`, query: `${pad.repeat(Math.ceil(n / pad.length))}{ __typename }` })),
      // A 1 MB string literal, block string or name.
      fc.tuple(fc.constantFrom('string', 'block', 'name', 'escapes'), fc.integer({ min: 1000, max: MB })).map(([k, n]) => ({
        kind: `literal ${k} ${n}`,
        query:
          k === 'string'
            ? `{ project(id: "${'a'.repeat(n)}") { id } }`
            : k === 'block'
              ? `{ project(id: """${'a\n'.repeat(n / 2)}""") { id } }`
              : k === 'name'
                ? `{ ${'a'.repeat(n)} }`
                : `{ project(id: "${'\\u0000\\uD800'.repeat(n / 12)}") { id } }`,
      })),
      // Unclosed or nested brackets up to 1 MB deep.
      fc.tuple(fc.constantFrom('{', '{ a ', '[', '(', 'list', 'object', 'selection'), fc.integer({ min: 10, max: MB })).map(([k, n]) => {
        const m = Math.floor(n / 8);
        const query =
          k === 'list'
            ? `{ project(id: ${'['.repeat(m)}"x"${']'.repeat(m)}) { id } }`
            : k === 'object'
              ? `mutation { createProject(input: ${'{ name: '.repeat(m)}"x"${' }'.repeat(m)}) { project { id } } }`
              : k === 'selection'
                ? `{ ${'health { '.repeat(m)}status${' }'.repeat(m)} }`
                : k.repeat(Math.ceil(n / k.length));
        return { kind: `brackets ${k} ${n}`, query };
      }),
      // Directive spam, variable spam, operation spam.
      fc.integer({ min: 1, max: 20_000 }).map((n) => ({ kind: `directives ${n}`, query: `{ __typename ${'@skip(if: false) '.repeat(n)}}` })),
      fc.integer({ min: 1, max: 5000 }).map((n) => ({ kind: `variables ${n}`, query: `query(${Array.from({ length: n }, (_, i) => `$v${i}: Int`).join(', ')}) { __typename }` })),
      fc.tuple(fc.integer({ min: 2, max: 2000 }), fc.option(fc.constantFrom('Op0', 'Op1', 'Nope', '', '__proto__'), { nil: undefined })).map(([n, op]) => ({
        kind: `operations ${n} ${op}`,
        query: Array.from({ length: n }, (_, i) => `query Op${i} { __typename }`).join(' '),
        operationName: op,
      })),
      // Out-of-range arguments in the document itself.
      fc.constantFrom(
        '{ projects(first: 100000) { totalCount } }',
        '{ projects(first: 2147483648) { totalCount } }',
        '{ projects(first: -1) { totalCount } }',
        '{ projects(first: 0) { totalCount } }',
        '{ projects(after: "not-a-cursor") { totalCount } }',
        '{ projects(after: "eyJpZCI6ImEiLCJjcmVhdGVkQXQiOiJ4In0=") { totalCount } }',
        '{ jobs(first: 1e999) { totalCount } }',
        '{ frameMasks(sessionId: "x", limit: 1e999) { frameIndex } }',
        '{ frameMasks(sessionId: "x", limit: 0) { frameIndex } }',
        'mutation { segmentImage(input: { mediaId: "MID", objects: [{ points: [{ x: 1e999, y: 0.5 }] }] }) { width } }',
        'mutation { segmentImage(input: { mediaId: "MID", objects: [{ points: [{ x: -0.0, y: 0.5 }] }] }) { width } }',
        'subscription { jobProgress(jobId: "x") { id } }',
        '{ __type(name: "Query") { name } __schema { queryType { name } } }',
        'query { ... on Mutation { __typename } }',
        '{ media(id: "MID") { project { media(first: 100) { edges { node { project { media(first: 100) { edges { node { id } } } } } } } } } }',
      ).map((q) => ({ kind: 'edge', query: fill(q) })),
      // Random text.
      fc.string({ unit: 'binary', maxLength: 300 }).map((q) => ({ kind: 'random', query: q })),
      fc.array(fc.constantFrom('{', '}', '(', ')', '[', ']', '...', 'query', 'mutation', 'fragment', 'on', 'Query', '$v', ':', '@skip', '"', '"""', '#', 'health', 'status', '__typename', ',', '=', '!', 'Int'), { maxLength: 80 }).map((t) => ({ kind: 'tokens', query: t.join(' ') })),
    );
  };

  it('documents: a coded error or a result for every document, and the server answers them all', async () => {
    await property(
      h,
      'documents',
      documents(),
      async (d) => {
        const a = await gql(h, { query: d.query, variables: d.variables, operationName: d.operationName }, 60_000);
        const r = coded(h, a, undefined, APOLLO_400);
        if (!r.ok && r.codes.some((c) => APOLLO_400.includes(c))) expect(a.status).toBe(400);
      },
      { numRuns: 100 },
    );
  }, PROPERTY_TIMEOUT_MS);

  it('malformed bodies: invalid JSON, wrong shapes, wrong content types', async () => {
    const deep = (n: number) => `{"query":"{ __typename }","variables":{"v":${'['.repeat(n)}${']'.repeat(n)}}}`;
    const body = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }).map((b) => ({ kind: 'random', body: b })),
      fc.constantFrom('', 'null', '1', '"{ __typename }"', '[]', '{}', '[{"query":"{ __typename }"}]', '{"query":null}', '{"query":1}', '{"query":["{ __typename }"]}', '{"query":"{ __typename }","variables":"x"}', '{"query":"{ __typename }","variables":[1]}', '{"query":"{ __typename }","extensions":{"persistedQuery":{"version":1,"sha256Hash":"x"}}}', '{"query":"{ __typename }"', '{"query":"{ __typename }"}}', '{"query":"\\ud800{ __typename }"}', '{"__proto__":{"query":"{ __typename }"}}', '{"query":"{ __typename }","operationName":{}}').map((b) => ({ kind: 'edge', body: b })),
      fc.integer({ min: 1000, max: 200_000 }).map((n) => ({ kind: `deep json ${n}`, body: deep(n) })),
      fc.tuple(fc.constantFrom('{"query":"{ __typename }"}'), fc.integer({ min: 1, max: 25 })).map(([b, cut]) => ({ kind: 'truncated', body: b.slice(0, cut) })),
    );
    const contentType = fc.constantFrom('application/json', 'application/json', 'application/json; charset=utf-16', 'text/plain', 'application/graphql', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', '');
    await property(
      h,
      'bodies',
      fc.tuple(body, contentType),
      async ([b, ct]) => {
        const a = await http(h, { method: 'POST', path: '/graphql', body: b.body, headers: ct ? { 'content-type': ct } : {} });
        // Apollo answers a CSRF-blocked or unreadable request in plain text with a 4xx; a 5xx never.
        if (a.json === undefined) {
          expect(a.status, `HTTP ${a.status}, plain-text answer: ${a.text.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
          expect(a.status, `HTTP ${a.status}, plain-text answer: ${a.text.slice(0, 300)}`).toBeLessThan(500);
          return;
        }
        const r = coded(h, a, undefined, APOLLO_400);
        if (!r.ok && r.codes.some((c) => APOLLO_400.includes(c))) expect(a.status).toBe(400);
      },
      { numRuns: 50 },
    );
  }, PROPERTY_TIMEOUT_MS);
});
