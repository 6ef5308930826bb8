// The benchmarks' view of the server: the shared starter and client of the tests
// (test/support/app-server.ts, test/support/gql.ts) with the repository's models, and the few
// operations the benchmarks repeat.
import path from 'node:path';
import type { Client } from 'graphql-ws';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { startAppServer, type AppServer } from '../../test/support/app-server.js';
import { httpClient, wsClient as sharedWsClient } from '../../test/support/gql.js';

export const REPO_MODELS_DIR = path.join(PACKAGE_ROOT, 'models');

export type BenchServer = AppServer;

/** The real server in this process: a fresh data folder and embedded database, CPU, no logging. */
export function startBenchServer(opts: { modelsDir?: string; env?: Record<string, string> } = {}): Promise<BenchServer> {
  return startAppServer({ env: { MODELS_DIR: opts.modelsDir ?? REPO_MODELS_DIR, PATH: process.env.PATH ?? '', ...opts.env } });
}

/** One GraphQL operation over HTTP; throws on GraphQL errors. */
export function gql<T = any>(url: string, query: string, variables?: Record<string, unknown>): Promise<T> {
  return httpClient(url).request<T>(query, variables);
}

export async function createProject(url: string, name: string): Promise<string> {
  const d = await gql(url, 'mutation($input: CreateProjectInput!) { createProject(input: $input) { project { id } } }', { input: { name } });
  return d.createProject.project.id;
}

/** POST /upload with the raw bytes; returns the media row. */
export function upload(url: string, projectId: string, filename: string, bytes: Buffer) {
  return httpClient(url).upload(projectId, filename, bytes);
}

/** A graphql-ws client that connects now and stays connected until disposed. */
export function wsClient(url: string): Client {
  return sharedWsClient(url, undefined, { lazy: false });
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
