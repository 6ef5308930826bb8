// An ffmpeg without an encoder the export needs: startExport fails at once with a coded error and
// a hint, and no job starts. The ffmpeg is the real one behind a wrapper that hides libx264 from
// its encoder list (as a minimal build would).
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddPromptDocument, CreateProjectDocument, JobsDocument, StartExportDocument, StartSessionDocument } from '../../client/generated/graphql.js';
import { testBins } from '../fixtures/video.js';
import { DISCS } from '../support/discs-video.js';
import { httpClient } from '../support/gql.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { fixture, uploadFile } from '../support/tracking.js';

describe('exports with a limited ffmpeg', () => {
  let srv: TestServer;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'maskql-ffmpeg-'));
    const wrapper = path.join(dir, 'ffmpeg');
    const real = testBins().ffmpeg;
    await writeFile(wrapper, `#!/bin/sh\nfor a in "$@"; do [ "$a" = "-encoders" ] && { "${real}" "$@" | grep -v libx264; exit 0; }; done\nexec "${real}" "$@"\n`);
    await chmod(wrapper, 0o755);
    srv = await startTestServer({ env: { FFMPEG_PATH: wrapper, FFPROBE_PATH: testBins().ffprobe } });
  });
  afterAll(async () => {
    await srv?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('MP4 without libx264 is refused with ENCODER_UNAVAILABLE and a hint; WebM still works', async () => {
    const gql = httpClient(srv.url);
    const projectId = (await gql.request(CreateProjectDocument, { input: { name: 'enc' } })).createProject.project.id;
    const up = await uploadFile(srv.url, projectId, fixture('discs-audio.mp4'));
    const sessionId = (await gql.request(StartSessionDocument, { input: { mediaId: up.body.data.media.id } })).startSession.session.id;
    const [cx, cy] = DISCS[0]!.path(0);
    await gql.request(AddPromptDocument, { input: { sessionId, frameIndex: 0, coordinates: 'PIXELS', points: [{ x: cx, y: cy }] } });
    const e = await gql.fail(StartExportDocument, { input: { format: 'MASKED_VIDEO', sessionId, video: { container: 'MP4' } } });
    expect(e.code).toBe('BAD_USER_INPUT');
    expect(e.extensions.reason).toBe('ENCODER_UNAVAILABLE');
    expect(String(e.extensions.hint)).toMatch(/WEBM/);
    expect((await gql.request(JobsDocument, { kind: 'EXPORT', first: 10 })).jobs.totalCount).toBe(0);
    const ok = (await gql.request(StartExportDocument, { input: { format: 'MASKED_VIDEO', sessionId, video: { container: 'WEBM' } } })).startExport.job;
    expect(ok.kind).toBe('EXPORT');
  });
});
