import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaError } from '../../src/media/media-error.js';
import { ffmpegCapabilities, passthroughArgs, resolveFfmpeg, runTool } from '../../src/media/ffmpeg.js';

const require = createRequire(import.meta.url);
const npmFfmpeg = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
const npmFfprobe = (require('@ffprobe-installer/ffprobe') as { path: string }).path;

let base: string;
let binDir: string;
let decoyDir: string;

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'maskql-ffbin-'));
  binDir = path.join(base, 'bin');
  decoyDir = path.join(base, 'decoy');
  await mkdir(binDir);
  await mkdir(decoyDir);
  await symlink(npmFfmpeg, path.join(binDir, 'ffmpeg'));
  await symlink(npmFfprobe, path.join(binDir, 'ffprobe'));
  await symlink(npmFfmpeg, path.join(base, 'my-ffmpeg'));
  // Not executable: must be skipped by the PATH search.
  await writeFile(path.join(decoyDir, 'ffmpeg'), '#!/bin/sh\nexit 1\n');
  await chmod(path.join(decoyDir, 'ffmpeg'), 0o644);
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('resolveFfmpeg', () => {
  it('uses the explicit path first', () => {
    const bins = resolveFfmpeg({ ffmpegPath: path.join(base, 'my-ffmpeg'), envPath: binDir });
    expect(bins.ffmpeg).toBe(path.join(base, 'my-ffmpeg'));
    expect(bins.source).toBe('env');
    // ffprobe was not configured: found on PATH.
    expect(bins.ffprobe).toBe(path.join(binDir, 'ffprobe'));
    expect(bins.sources).toEqual({ ffmpeg: 'env', ffprobe: 'path' });
  });

  it('fails loudly when the explicit path is wrong', () => {
    let err: unknown;
    try {
      resolveFfmpeg({ ffmpegPath: path.join(base, 'missing-ffmpeg'), envPath: binDir });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MediaError);
    expect((err as MediaError).code).toBe('FFMPEG_UNAVAILABLE');
  });

  it('searches PATH next, skipping non-executables and relative entries', () => {
    const envPath = ['', 'relative/dir', decoyDir, binDir].join(path.delimiter);
    const bins = resolveFfmpeg({ envPath });
    expect(bins).toMatchObject({ ffmpeg: path.join(binDir, 'ffmpeg'), ffprobe: path.join(binDir, 'ffprobe'), source: 'path' });
    // A bare configured name is looked up on PATH too.
    expect(resolveFfmpeg({ ffmpegPath: 'ffmpeg', envPath }).ffmpeg).toBe(path.join(binDir, 'ffmpeg'));
  });

  it('falls back to the npm binaries with PATH emptied', () => {
    for (const envPath of ['', undefined, decoyDir]) {
      const bins = resolveFfmpeg({ envPath });
      expect(bins).toMatchObject({ ffmpeg: npmFfmpeg, ffprobe: npmFfprobe, source: 'npm' });
    }
  });
});

describe('ffmpeg capabilities', () => {
  it('detects -fps_mode / -vsync and the encoders of the npm build', async () => {
    const caps = await ffmpegCapabilities(npmFfmpeg);
    expect(caps.version).toMatch(/^ffmpeg version/);
    // The 2018 build predates -fps_mode (ffmpeg 5.1).
    expect(caps.fpsMode).toBe(false);
    expect(passthroughArgs(caps)).toEqual(['-vsync', '0']);
    expect(caps.encoders.has('mpeg4')).toBe(true);
    expect(caps.encoders.has('rawvideo')).toBe(true);
  });

  it('runTool bounds time and reports a missing binary', async () => {
    const r = await runTool(npmFfmpeg, ['-hide_banner', '-f', 'lavfi', '-i', 'nullsrc', '-f', 'null', '-'], { timeoutMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(r.code).toBeNull();
    await expect(runTool(path.join(base, 'nope'), [])).rejects.toMatchObject({ code: 'FFMPEG_UNAVAILABLE' });
  });
});
