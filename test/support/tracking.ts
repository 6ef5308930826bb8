// Helpers of the tracking tests: upload a video, follow a session's events over graphql-ws.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { print } from 'graphql';
import type { Client } from 'graphql-ws';
import { inject } from 'vitest';
import { SessionEventsDocument, type SessionEventsSubscription } from '../../client/generated/graphql.js';

export type SessionEventData = SessionEventsSubscription['sessionEvents'];

export function fixture(name: string): string {
  return path.join(inject('fixturesDir'), name);
}

export async function uploadFile(baseUrl: string, projectId: string, file: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${baseUrl}/upload?projectId=${projectId}&filename=${path.basename(file)}`, { method: 'POST', body: await readFile(file), headers });
  return { status: res.status, body: await res.json() };
}

/** Follows sessionEvents until the stream ends (a job's terminal event), or until stop() is called. */
export function followSession(
  client: Client,
  vars: { sessionId: string; jobId?: string; replay?: boolean },
  onEvent?: (e: SessionEventData, all: SessionEventData[]) => void,
): { done: Promise<SessionEventData[]>; events: SessionEventData[]; stop: () => void } {
  const events: SessionEventData[] = [];
  let stop = () => {};
  const done = new Promise<SessionEventData[]>((resolve, reject) => {
    stop = client.subscribe<SessionEventsSubscription>(
      { query: print(SessionEventsDocument), variables: vars },
      {
        next: (r) => {
          if (r.errors?.length) return reject(new Error(r.errors.map((e) => e.message).join('; ')));
          const e = r.data!.sessionEvents;
          events.push(e);
          onEvent?.(e, events);
        },
        error: (err) => reject(err instanceof Error ? err : new Error(JSON.stringify(err))),
        complete: () => resolve(events),
      },
    );
  });
  return { done, events, stop: () => stop() };
}

export async function waitFor<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 30_000, intervalMs = 25): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
