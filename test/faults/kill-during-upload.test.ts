// SIGKILL of the real server process while a large upload (a 34 MB video) is on its way: while
// the body is still streaming, while its bytes are written to a temp file in the media store, and
// once they are stored but before their row exists. After each restart
// no orphan or temp file is left and no media row lacks its files; the same upload then works.
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { CreateProjectDocument, MediaListDocument } from '../../client/generated/graphql.js';
import { testBins } from '../fixtures/video.js';
import { httpClient } from '../support/gql.js';
import { spawnServer, type ServerProcess } from '../support/server-process.js';
import { filesUnder } from '../support/tmpfs.js';

let dir: string;
let video: Buffer;
const env = () => ({ DATA_DIR: path.join(dir, 'data'), MODELS_DIR: inject('modelsDir') });
const mediaDir = () => path.join(dir, 'data', 'media');

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'maskql-killupload-'));
  await cp(inject('pgliteTemplate'), path.join(dir, 'data', 'db'), { recursive: true });
  // Uncompressed frames: large, valid, and made in a blink.
  const file = path.join(dir, 'big.mkv');
  const ff = spawn(testBins().ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=30', '-frames:v', '300', '-c:v', 'rawvideo', '-pix_fmt', 'yuv420p', file]);
  expect(await new Promise((r) => ff.once('close', r))).toBe(0);
  video = await readFile(file);
});
const started: ServerProcess[] = [];
const start = async () => {
  const srv = await spawnServer(env());
  started.push(srv);
  return srv;
};
afterAll(async () => {
  // A failed assertion must not leave a server running.
  for (const srv of started) if (srv.child.exitCode === null && srv.child.signalCode === null) await srv.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

/** Starts POST /upload with a body of video.length bytes and writes only `part` of them. */
function startUpload(url: string, projectId: string, part: number): Promise<void> {
  return new Promise((resolve) => {
    const req = request(`${url}/upload?projectId=${projectId}&filename=big.mkv`, { method: 'POST', headers: { 'content-length': video.length } });
    req.on('error', () => resolve()); // the server is killed under it
    req.on('response', (res) => res.resume().on('end', resolve).on('error', resolve));
    req.write(video.subarray(0, part), () => (part === video.length ? req.end() : undefined));
  });
}

/** Rows and files agree: no row without its two files (video, thumbnail), no file without a row. */
async function expectConsistent(srv: ServerProcess, projectId: string): Promise<number> {
  const rows = (await httpClient(srv.url).request(MediaListDocument, { projectId })).mediaList.totalCount;
  const files = await filesUnder(mediaDir());
  expect(files.filter((f) => path.basename(f).startsWith('.tmp-'))).toEqual([]);
  expect(files).toHaveLength(rows * 2);
  return rows;
}

it('a kill mid-stream or mid-write leaves no orphan file, temp file or half row', async () => {
  const first = await start();
  const projectId = (await httpClient(first.url).request(CreateProjectDocument, { input: { name: 'kill' } })).createProject.project.id;

  // 1. Killed while the body streams in: a third of it has been sent.
  const streaming = startUpload(first.url, projectId, Math.floor(video.length / 3));
  await new Promise((r) => setTimeout(r, 300));
  expect(await first.kill('SIGKILL')).toBe(null);
  await streaming;

  const second = await start();
  expect(await expectConsistent(second, projectId)).toBe(0);

  // 2. Killed while writing: the whole body is sent; kill the moment the store holds a temp file
  // (bytes being written), then, on the next start, a stored file (committed, its row not yet
  // inserted: that comes after ffprobe has read the file).
  let srv = second;
  for (const stage of [(f: string) => path.basename(f).startsWith('.tmp-'), (f: string) => !path.basename(f).startsWith('.tmp-')]) {
    const writing = startUpload(srv.url, projectId, video.length);
    let seen: string[] = [];
    const until = Date.now() + 30_000;
    while (!seen.some(stage) && Date.now() < until) {
      seen = await filesUnder(mediaDir());
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(await srv.kill('SIGKILL')).toBe(null);
    await writing;
    expect(seen.filter(stage).length, `the store held such a file at the kill: ${seen}`).toBeGreaterThan(0);
    srv = await start();
    expect(await expectConsistent(srv, projectId)).toBe(0);
  }
  // The same upload, uninterrupted, stores one row and its two files.
  await startUpload(srv.url, projectId, video.length);
  expect(await expectConsistent(srv, projectId)).toBe(1);
  await srv.kill('SIGTERM');
});
