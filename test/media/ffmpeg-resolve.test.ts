import { chmod, cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MediaError } from '../../src/media/media-error.js';
import { describeFfmpeg, FfmpegLocator, ffmpegCapabilities, passthroughArgs, resolveFfmpeg, runTool } from '../../src/media/ffmpeg.js';
import { spawnServer } from '../support/server-process.js';

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

describe('FfmpegLocator and the boot line', () => {
  it('resolves once, on first use; a failed resolution is tried again, not kept', async () => {
    const locator = new FfmpegLocator({ envPath: binDir });
    expect(locator.resolved).toBe(false);
    const bins = locator.get();
    expect(bins.ffmpeg).toBe(path.join(binDir, 'ffmpeg'));
    expect(locator.get()).toBe(bins);
    expect(locator.resolved).toBe(true);

    const late = path.join(base, 'late-ffmpeg');
    const missing = new FfmpegLocator({ ffmpegPath: late, envPath: binDir });
    expect(() => missing.get()).toThrow(MediaError);
    expect(missing.resolved).toBe(false);
    await symlink(npmFfmpeg, late);
    expect(missing.get().ffmpeg).toBe(late);
  });

  it('names where each binary came from: FFMPEG_PATH, PATH or the npm package', () => {
    expect(describeFfmpeg(resolveFfmpeg({ ffmpegPath: path.join(base, 'my-ffmpeg'), envPath: binDir })).message).toBe(
      `ffmpeg: ${path.join(base, 'my-ffmpeg')} (from FFMPEG_PATH); ffprobe: ${path.join(binDir, 'ffprobe')} (from PATH)`,
    );
    const npm = describeFfmpeg(resolveFfmpeg({ envPath: '' }));
    expect(npm.message).toBe(`ffmpeg: ${npmFfmpeg} (from the npm package @ffmpeg-installer/ffmpeg); ffprobe: ${npmFfprobe} (from the npm package @ffprobe-installer/ffprobe)`);
    expect(npm.fields).toEqual({ ffmpeg: npmFfmpeg, ffmpegFrom: 'the npm package @ffmpeg-installer/ffmpeg', ffprobe: npmFfprobe, ffprobeFrom: 'the npm package @ffprobe-installer/ffprobe' });
  });

  it('the server resolves ffmpeg at boot and logs its choice once, before it is ready', async () => {
    const dataDir = path.join(base, 'boot-data');
    await cp(inject('pgliteTemplate'), path.join(dataDir, 'db'), { recursive: true });
    const srv = await spawnServer({ DATA_DIR: dataDir, MODELS_DIR: inject('modelsDir'), FFMPEG_PATH: path.join(base, 'my-ffmpeg'), PATH: binDir });
    try {
      const lines = srv.output().split('\n');
      const chosen = lines.filter((l) => l.includes('"ffmpegFrom"'));
      expect(chosen).toHaveLength(1);
      expect(JSON.parse(chosen[0])).toMatchObject({ ffmpeg: path.join(base, 'my-ffmpeg'), ffmpegFrom: 'FFMPEG_PATH', ffprobe: path.join(binDir, 'ffprobe'), ffprobeFrom: 'PATH' });
      expect(lines.findIndex((l) => l.includes('"ffmpegFrom"'))).toBeLessThan(lines.findIndex((l) => l.includes('maskql ready')));
    } finally {
      await srv.kill('SIGTERM');
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
