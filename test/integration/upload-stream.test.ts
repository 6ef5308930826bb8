// POST /upload streams: a video goes to disk as it arrives, and a chunked body (no
// Content-Length) past VIDEO_MAX_BYTES is cut off with 413 and leaves no file behind.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpClient } from '../support/gql.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { filesUnder } from '../support/tmpfs.js';
import { fixture } from '../support/tracking.js';

/** A body sent chunked: the server cannot know its size before reading it. */
function chunked(head: Buffer, junkBytes: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    start(c) {
      c.enqueue(head);
    },
    pull(c) {
      if (sent >= junkBytes) return c.close();
      const n = Math.min(256 * 1024, junkBytes - sent);
      sent += n;
      c.enqueue(new Uint8Array(n).fill(7));
    },
  });
}

describe('streamed uploads', () => {
  let srv: TestServer;
  let projectId: string;
  beforeAll(async () => {
    srv = await startTestServer({ env: { VIDEO_MAX_BYTES: String(2 * 1024 * 1024) } });
    projectId = ((await httpClient(srv.url).raw('mutation { createProject(input: { name: "s" }) { project { id } } }')).data as any).createProject.project.id;
  });
  afterAll(() => srv?.stop());

  const upload = (body: ReadableStream<Uint8Array> | Buffer) =>
    fetch(`${srv.url}/upload?projectId=${projectId}`, { method: 'POST', body, duplex: 'half' } as RequestInit);

  it('refuses a chunked video past VIDEO_MAX_BYTES with 413 and keeps nothing', async () => {
    const mp4 = await readFile(fixture('discs.mp4'));
    const res = await upload(chunked(mp4.subarray(0, 4096), 3 * 1024 * 1024));
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TOO_LARGE' });
    expect(await filesUnder(path.join(srv.dataDir, 'media'))).toEqual([]);
  });

  it('stores a chunked video that fits', async () => {
    const mp4 = await readFile(fixture('discs.mp4'));
    expect(mp4.length).toBeLessThan(2 * 1024 * 1024);
    const res = await upload(new Blob([mp4]).stream());
    expect(res.status).toBe(201);
    const media = ((await res.json()) as any).data.media;
    expect(media).toMatchObject({ kind: 'VIDEO', frameCount: 60, width: 320, height: 240 });
  });
});
