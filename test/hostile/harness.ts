// Shared harness of the hostile-input suite: one real server per file, raw HTTP with a deadline
// per request, the "coded error or valid result" oracle, and the store invariants (no half
// row, no orphan file, no temp file) checked after every case that can write media.
import { appendFileSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { expect } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** Every property runs from this seed: CI is reproducible. */
export const SEED = 42;

/** The codes a client may see; anything else (INTERNAL_SERVER_ERROR, none) is a bug. */
export const ALLOWED_CODES = new Set([
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'FORBIDDEN',
  'CONFLICT',
  'RESOURCE_EXHAUSTED',
  'MODEL_UNAVAILABLE',
  'INFERENCE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
]);

/** Per property (vitest's test timeout): generous, the per-request deadline is what catches hangs. */
export const PROPERTY_TIMEOUT_MS = 300_000;

/** Per request: a server that does not answer within this is hanging. */
export const REQUEST_TIMEOUT_MS = 30_000;

export interface Hostile {
  name: string;
  srv: TestServer;
  projectId: string;
  /** Successful addMedia / upload calls minus media deleted: the Media rows there must be. */
  expectedMedia: number;
  /** Files already reported (so one bug does not fail every later case, and shrinking stays honest). */
  knownBad: Set<string>;
  /** Cases run (shrinking runs included), per property and in all. */
  cases: Map<string, number>;
  /** Outcomes (HTTP status / error code) per property. */
  outcomes: Map<string, Map<string, number>>;
  /** Slowest answer per property (ms). */
  slowest: Map<string, number>;
  current: string;
}

export async function startHostile(name: string, env: Record<string, string> = {}): Promise<Hostile> {
  const srv = await startTestServer({ env });
  const h: Hostile = { name, srv, projectId: '', expectedMedia: 0, knownBad: new Set(), cases: new Map(), outcomes: new Map(), slowest: new Map(), current: '' };
  const r = await gql(h, { query: 'mutation($n: String!) { createProject(input: { name: $n }) { project { id } } }', variables: { n: `hostile-${name}` } });
  h.projectId = r.json.data.createProject.project.id;
  return h;
}

export function totalCases(h: Hostile): number {
  return [...h.cases.values()].reduce((a, b) => a + b, 0);
}

/** The afterAll report: cases per property, outcomes, and the total. */
export function report(h: Hostile, started: number): void {
  const lines = [`[hostile:${h.name}] ${totalCases(h)} cases in ${((performance.now() - started) / 1000).toFixed(1)} s`];
  for (const [prop, n] of h.cases) {
    const o = [...(h.outcomes.get(prop) ?? new Map()).entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}=${v}`).join(' ');
    lines.push(`  ${prop}: ${n} cases, slowest answer ${Math.round(h.slowest.get(prop) ?? 0)} ms; ${o}`);
  }
  // Files run in separate workers of one vitest process: add this file's count to a tally
  // shared through that process's id, and print the total over the files reported so far.
  try {
    const tally = path.join(tmpdir(), `maskql-hostile-tally-${process.ppid}.txt`);
    appendFileSync(tally, `${h.name} ${totalCases(h)}\n`);
    const rows = readFileSync(tally, 'utf8').trim().split('\n').map((l) => l.split(' '));
    const files = readdirSync(path.dirname(new URL(import.meta.url).pathname)).filter((f) => f.endsWith('.test.ts')).length;
    const total = rows.reduce((n, [, c]) => n + Number(c), 0);
    lines.push(`[hostile] total: ${total} cases over ${rows.length} of ${files} files (${rows.map(([n, c]) => `${n} ${c}`).join(', ')})`);
    if (rows.length >= files) rmSync(tally, { force: true });
  } catch {
    // the tally is a convenience; the per-file count above is the record
  }
  console.log(lines.join('\n'));
}

function outcome(h: Hostile, key: string, ms = 0): void {
  h.slowest.set(h.current, Math.max(h.slowest.get(h.current) ?? 0, ms));
  let m = h.outcomes.get(h.current);
  if (!m) h.outcomes.set(h.current, (m = new Map()));
  m.set(key, (m.get(key) ?? 0) + 1);
}

// --- raw JSON with literal numbers (1e999, -0, 1e-400 cannot be written by JSON.stringify) ---

/** A JSON number written exactly as given. */
export class Lit {
  constructor(readonly text: string) {}
  get value(): number {
    return JSON.parse(this.text) as number;
  }
  toString(): string {
    return this.text;
  }
}

export function toJson(v: unknown): string {
  if (v instanceof Lit) return v.text;
  if (v === undefined) return 'null';
  if (Array.isArray(v)) return `[${v.map(toJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => `${JSON.stringify(k)}:${toJson(x)}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** A number as the server sees it (JSON.parse of what was sent). */
export function num(v: unknown): number | null {
  if (v instanceof Lit) return v.value;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null; // JSON.stringify sends null
  return null;
}

// --- HTTP ---

export interface Answer {
  status: number;
  json: any;
  text: string;
  ms: number;
}

async function timed(url: string, init: RequestInit, timeoutMs: number): Promise<Answer> {
  const started = performance.now();
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    text = await res.text();
  } catch (err) {
    const e = err as Error;
    if (e.name === 'TimeoutError' || e.name === 'AbortError') throw new Error(`HANG: no answer from ${init.method ?? 'GET'} ${new URL(url).pathname} within ${timeoutMs} ms`);
    throw new Error(`the server did not answer ${new URL(url).pathname}: ${e.message}${e.cause ? ` (${(e.cause as Error).message})` : ''}`);
  }
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, ms: performance.now() - started };
}

/** POST /graphql with a body object (serialised with toJson) or a raw string body. */
export function gql(h: Hostile, body: string | { query: string; variables?: unknown; operationName?: string }, timeoutMs = REQUEST_TIMEOUT_MS): Promise<Answer> {
  return timed(`${h.srv.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : toJson(body) }, timeoutMs);
}

/** Any request to the server (raw bodies, other content types, other methods). */
export function http(h: Hostile, req: { method: string; path: string; body?: string | Uint8Array; headers?: Record<string, string> }, timeoutMs = REQUEST_TIMEOUT_MS): Promise<Answer> {
  return timed(`${h.srv.url}${req.path}`, { method: req.method, headers: req.headers, body: req.body }, timeoutMs);
}

export function upload(h: Hostile, query: string, bytes: Uint8Array, timeoutMs = REQUEST_TIMEOUT_MS): Promise<Answer> {
  return timed(`${h.srv.url}/upload?${query}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes }, timeoutMs);
}

function short(s: string, n = 600): string {
  return s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s;
}

export type Outcome = { ok: true; data: any } | { ok: false; codes: string[]; errors: any[] };

/**
 * The oracle of every GraphQL case: either errors, each with an allowed extensions.code (never
 * INTERNAL_SERVER_ERROR, never none), or data with `field` set. Records the outcome.
 */
export function coded(h: Hostile, a: Answer, field?: string, extraCodes: string[] = []): Outcome {
  if (a.json === undefined || typeof a.json !== 'object' || a.json === null) {
    outcome(h, `non-json-${a.status}`);
    throw new Error(`HTTP ${a.status} with a body that is not JSON: ${short(a.text)}`);
  }
  const errors: any[] | undefined = a.json.errors;
  if (errors?.length) {
    const codes = errors.map((e) => String(e?.extensions?.code ?? '(no code)'));
    for (let i = 0; i < errors.length; i++) {
      if (!ALLOWED_CODES.has(codes[i]) && !extraCodes.includes(codes[i])) {
        outcome(h, `${a.status}:${codes[i]}`);
        throw new Error(`HTTP ${a.status}, error code ${codes[i]}: ${short(String(errors[i]?.message))}${errors[i]?.path ? ` at ${JSON.stringify(errors[i].path)}` : ''}`);
      }
    }
    if (a.status >= 500) {
      outcome(h, `http-${a.status}`);
      throw new Error(`HTTP ${a.status} for a coded error: ${short(a.text)}`);
    }
    outcome(h, `${a.status}:${codes[0]}`, a.ms);
    if (process.env.HOSTILE_DEBUG) outcome(h, `  ${codes[0]}: ${String(errors[0]?.message).replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/g, 'N').slice(0, 90)}`);
    return { ok: false, codes, errors };
  }
  if (a.status !== 200) {
    outcome(h, `http-${a.status}`);
    throw new Error(`HTTP ${a.status} without errors: ${short(a.text)}`);
  }
  if (!a.json.data || (field && a.json.data[field] == null)) {
    outcome(h, 'no-data');
    throw new Error(`neither errors nor data${field ? `.${field}` : ''}: ${short(a.text)}`);
  }
  outcome(h, '200:result', a.ms);
  return { ok: true, data: field ? a.json.data[field] : a.json.data };
}

/** The oracle of a plain HTTP route (POST /upload): 4xx with a coded error, or 201 with data. */
export function codedHttp(h: Hostile, a: Answer): Outcome {
  if (a.status === 201) {
    if (!a.json?.data?.media?.id) {
      outcome(h, 'http-201-no-media');
      throw new Error(`201 without data.media: ${short(a.text)}`);
    }
    outcome(h, '201:result', a.ms);
    return { ok: true, data: a.json.data };
  }
  // Node's HTTP parser refuses an over-long request line or headers itself (431, empty body):
  // the request never reached the application.
  if (a.status === 431 && a.text === '') {
    outcome(h, '431:(node: headers too large)', a.ms);
    return { ok: false, codes: ['HTTP_431'], errors: [] };
  }
  const code = String(a.json?.errors?.[0]?.extensions?.code ?? '(no code)');
  outcome(h, `${a.status}:${code}`, a.ms);
  if (a.status < 400 || a.status >= 500 || !ALLOWED_CODES.has(code)) {
    throw new Error(`HTTP ${a.status}, code ${code}: ${short(a.text)}`);
  }
  return { ok: false, codes: [code], errors: a.json.errors };
}

// --- invariants ---

export async function checkHealth(h: Hostile): Promise<void> {
  const a = await timed(`${h.srv.url}/healthz`, { method: 'GET' }, 15_000);
  expect(a.status, `GET /healthz after ${h.current}: ${short(a.text)}`).toBe(200);
}

async function walk(dir: string, rel = ''): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(path.join(dir, rel), { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await walk(dir, r)));
    else out.push(r);
  }
  return out;
}

/**
 * Nothing half-written: as many Media rows as successful adds, every file of the store
 * referenced by a row, no temp file left. A problem is reported once (then remembered), so
 * that the case that caused it is the one that fails.
 */
export async function checkStore(h: Hostile): Promise<void> {
  const prisma = h.srv.app.db.prisma;
  const problems: string[] = [];
  const rows = await prisma.media.count();
  if (rows !== h.expectedMedia) {
    problems.push(`${rows} Media rows, but ${h.expectedMedia} successful adds`);
    h.expectedMedia = rows;
  }
  const refs = await prisma.media.findMany({ select: { storagePath: true, thumbnailPath: true } });
  const referenced = new Set(refs.flatMap((r) => [r.storagePath, r.thumbnailPath]).filter(Boolean) as string[]);
  for (const f of await walk(path.join(h.srv.dataDir, 'media'))) {
    if (h.knownBad.has(f)) continue;
    if (path.basename(f).startsWith('.tmp-')) {
      problems.push(`temp file left: media/${f}`);
      h.knownBad.add(f);
    } else if (!referenced.has(f)) {
      problems.push(`orphan file (no Media row refers to it): media/${f}`);
      h.knownBad.add(f);
    }
  }
  if (problems.length) throw new Error(`store invariant broken after ${h.current}: ${problems.join('; ')}`);
}

export interface PropOptions {
  numRuns: number;
  /** Check the store after every case (for properties that can write media). */
  storeEachCase?: boolean;
}

/**
 * Runs one property (fixed seed), then checks that the server is up and the store is clean.
 * A failure keeps fast-check's shrunk counterexample in the message.
 */
export async function property<T>(h: Hostile, name: string, arb: fc.Arbitrary<T>, run: (v: T) => Promise<void>, opts: PropOptions): Promise<void> {
  h.current = name;
  h.cases.set(name, h.cases.get(name) ?? 0);
  await fc.assert(
    fc.asyncProperty(arb, async (v) => {
      h.cases.set(name, (h.cases.get(name) ?? 0) + 1);
      await run(v);
      if (opts.storeEachCase) await checkStore(h);
    }),
    { seed: SEED, numRuns: opts.numRuns, verbose: 0 },
  );
  await checkHealth(h);
  await checkStore(h);
}

// --- hostile strings ---

const CONTROL = fc.constantFrom('\u0000', '\u0001', '\u0007', '\b', '\t', '\n', '\r', '\u001b', '\u007f', '\u0085', '\u2028', '\u2029', '\ufeff', '\u200b', '\u202e', '\ufffe', '\uffff');
const EMOJI = fc.constantFrom('😀', '👩‍👩‍👧‍👦', '🏳️‍🌈', '🇫🇷', 'e\u0301', 'Z̤̺̦̤̰̠̞̃̓̓̎ͤ͒a̮̩̞͎̦̘̮l̖̯̞̝̗̥͙͋̀ͥͥ͂ͣ͛g̞̬͚̖̮ͦ͊ͮ́o', '𝕏', 'ﷺ', '\ud800', '\udc00', '\udbff\udfff');

/** Unicode, emoji, control characters, lone surrogates, SQL/JSON/HTML-ish text, 10 KB strings. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 2, arbitrary: fc.array(fc.oneof(CONTROL, EMOJI, fc.string({ maxLength: 3 })), { maxLength: 12 }).map((a) => a.join('')) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '\u0000',
      'red\u0000square',
      "'; DROP TABLE \"Media\"; --",
      '{"__proto__": {"polluted": true}}',
      '__proto__',
      'constructor',
      '<script>alert(1)</script>',
      '${process.exit(1)}',
      '%s%s%s%n',
      '\\u0000',
      'a'.repeat(200),
      'a'.repeat(201),
      ' '.repeat(5000),
    ),
  },
  { weight: 1, arbitrary: fc.tuple(fc.oneof(CONTROL, EMOJI, fc.constant('a')), fc.integer({ min: 1000, max: 10_240 })).map(([s, n]) => s.repeat(Math.ceil(n / s.length)).slice(0, n)) },
);

/** Ids a client may send: garbage, uuids that do not exist, near-uuids. */
export const hostileId: fc.Arbitrary<string> = fc.oneof(
  fc.uuid(),
  hostileString,
  fc.constantFrom('', '0', '-1', '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF', '{00000000-0000-4000-8000-000000000000}', '00000000000040008000000000000000', "' OR 1=1 --"),
);

/** What a string becomes over UTF-8 JSON: lone surrogates cannot be encoded and arrive as U+FFFD. */
export function wellFormed(s: string | null | undefined): string | null | undefined {
  return typeof s === 'string' ? s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd') : s;
}
