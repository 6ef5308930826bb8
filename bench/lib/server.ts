// The real server, in process, as the integration tests start it: PORT 0, a fresh data directory
// (an embedded PGlite database created and migrated there), CPU inference, no logging. Clients
// talk to it over real HTTP (fetch) and real graphql-ws (the ws package).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import pino from 'pino';
import WebSocket from 'ws';
import { startApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { PACKAGE_ROOT } from '../../src/paths.js';

export const REPO_MODELS_DIR = path.join(PACKAGE_ROOT, 'models');

export interface BenchServer {
  app: App;
  url: string;
  dataDir: string;
  startMs: number;
  stop(): Promise<void>;
}

export async function startBenchServer(opts: { modelsDir?: string; env?: Record<string, string> } = {}): Promise<BenchServer> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'maskql-bench-'));
  const env: Record<string, string | undefined> = {
    NODE_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    MODELS_DIR: opts.modelsDir ?? REPO_MODELS_DIR,
    ENGINE_DEVICE: 'cpu',
    PATH: process.env.PATH,
    ...opts.env,
  };
  const t0 = performance.now();
  const app = await startApp(loadConfig(env), pino({ level: 'silent' }));
  const startMs = performance.now() - t0;
  return {
    app,
    url: app.url,
    dataDir,
    startMs,
    stop: async () => {
      await app.dispose();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export class GqlError extends Error {}

/** One GraphQL operation over HTTP (POST /graphql, JSON); throws on GraphQL errors. */
export async function gql<T = any>(url: string, query: string, variables?: Record<string, unknown>): Promise<T> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  if (body.errors?.length) throw new GqlError(body.errors.map((e) => `${e.extensions?.code}: ${e.message}`).join('; '));
  return body.data as T;
}

export async function createProject(url: string, name: string): Promise<string> {
  const d = await gql(url, 'mutation($input: CreateProjectInput!) { createProject(input: $input) { project { id } } }', { input: { name } });
  return d.createProject.project.id;
}

/** POST /upload with the raw bytes; returns the media row. */
export async function upload(url: string, projectId: string, filename: string, bytes: Buffer): Promise<{ id: string; kind: string; width: number; height: number; frameCount: number | null }> {
  const res = await fetch(`${url}/upload?projectId=${projectId}&filename=${encodeURIComponent(filename)}`, { method: 'POST', body: bytes });
  const body = (await res.json()) as any;
  if (res.status !== 201) throw new Error(`upload of ${filename} failed (${res.status}): ${JSON.stringify(body)}`);
  return body.data.media;
}

/** A graphql-ws client that connects now and stays connected until disposed. */
export function wsClient(url: string): Client {
  return createClient({ url: `${url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0 });
}

export const SESSION_EVENTS = `subscription($sessionId: ID!, $jobId: ID, $replay: Boolean!) {
  sessionEvents(sessionId: $sessionId, jobId: $jobId, replay: $replay) {
    kind
    frame { frameIndex objects { objectId mask { rle { size counts } bbox area score } } }
    job { status framesDone framesTotal rate error { code message } }
  }
}`;

export interface FollowResult {
  frames: number;
  status: string;
  /** performance.now() when the terminal event arrived. */
  endedAt: number;
  error?: string;
}

/**
 * Follows sessionEvents(sessionId, jobId, replay: true) until the job's terminal event; onFrame
 * sees every FRAME event as it arrives.
 */
export function followJob(client: Client, sessionId: string, jobId: string, onFrame?: (frameIndex: number, count: number) => void): Promise<FollowResult> {
  return new Promise((resolve, reject) => {
    let frames = 0;
    let result: FollowResult | undefined;
    client.subscribe<any>(
      { query: SESSION_EVENTS, variables: { sessionId, jobId, replay: true } },
      {
        next: (r) => {
          if (r.errors?.length) return reject(new Error(r.errors.map((e: { message: string }) => e.message).join('; ')));
          const e = r.data.sessionEvents;
          if (e.kind === 'FRAME') {
            frames++;
            onFrame?.(e.frame.frameIndex, frames);
          } else {
            result = { frames, status: e.kind, endedAt: performance.now(), error: e.job?.error?.message };
          }
        },
        error: (err) => reject(err instanceof Error ? err : new Error(JSON.stringify(err))),
        complete: () => (result ? resolve(result) : reject(new Error('sessionEvents ended without a terminal event'))),
      },
    );
  });
}

export const START_SESSION = 'mutation($input: StartSessionInput!) { startSession(input: $input) { session { id tracker totalFrames } } }';
export const ADD_PROMPT = 'mutation($input: AddPromptInput!) { addPrompt(input: $input) { objectId frame { frameIndex objects { objectId mask { area } } } } }';
export const PROPAGATE = 'mutation($input: PropagateInput!) { propagate(input: $input) { job { id status framesTotal } } }';
export const CLOSE_SESSION = 'mutation($input: SessionIdInput!) { closeSession(input: $input) { freedBytes } }';
export const CANCEL_JOB = 'mutation($input: CancelJobInput!) { cancelJob(input: $input) { job { id status framesDone } } }';
