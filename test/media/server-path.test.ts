import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaError, type MediaErrorCode } from '../../src/media/media-error.js';
import { resolveAllowedPath } from '../../src/media/server-path.js';

let base: string;
let allowed: string;
let outside: string;

beforeAll(async () => {
  base = await realpath(await mkdtemp(path.join(os.tmpdir(), 'maskql-paths-')));
  allowed = path.join(base, 'allowed');
  outside = path.join(base, 'outside');
  await mkdir(path.join(allowed, 'clips'), { recursive: true });
  await mkdir(outside, { recursive: true });
  await writeFile(path.join(allowed, 'a.png'), 'png');
  await writeFile(path.join(allowed, 'clips', 'b.mp4'), 'mp4');
  await writeFile(path.join(outside, 'secret.txt'), 'secret');
  await symlink(path.join(outside, 'secret.txt'), path.join(allowed, 'escape.png'));
  await symlink(outside, path.join(allowed, 'escape-dir'));
  await symlink(path.join(allowed, 'clips', 'b.mp4'), path.join(allowed, 'inner-link.mp4'));
  await symlink(allowed, path.join(base, 'allowed-link'));
  await writeFile(path.join(base, 'allowed-sibling.png'), 'prefix trick');
  execFileSync('mkfifo', [path.join(allowed, 'fifo')]);
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

async function expectCode(requested: string, roots: string[], code: MediaErrorCode): Promise<void> {
  const err = await resolveAllowedPath(requested, roots).then(
    (p) => new Error(`expected ${code}, resolved to ${p}`),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MediaError);
  expect((err as MediaError).code, `${requested}: ${(err as Error).message}`).toBe(code);
}

describe('resolveAllowedPath', () => {
  it('refuses every path when no root is configured', async () => {
    await expectCode(path.join(allowed, 'a.png'), [], 'FORBIDDEN_PATH');
  });

  it('resolves files inside a root, absolute or relative to it', async () => {
    expect(await resolveAllowedPath(path.join(allowed, 'a.png'), [allowed])).toBe(path.join(allowed, 'a.png'));
    expect(await resolveAllowedPath('clips/b.mp4', [allowed])).toBe(path.join(allowed, 'clips', 'b.mp4'));
    expect(await resolveAllowedPath(path.join(allowed, 'clips', '..', 'a.png'), [allowed])).toBe(path.join(allowed, 'a.png'));
    // A symlink that stays inside resolves to its real target.
    expect(await resolveAllowedPath(path.join(allowed, 'inner-link.mp4'), [allowed])).toBe(path.join(allowed, 'clips', 'b.mp4'));
    // A root given through a symlink works both ways.
    expect(await resolveAllowedPath(path.join(base, 'allowed-link', 'a.png'), [allowed])).toBe(path.join(allowed, 'a.png'));
    expect(await resolveAllowedPath(path.join(allowed, 'a.png'), [path.join(base, 'allowed-link')])).toBe(path.join(allowed, 'a.png'));
    // Several roots: the second one matches.
    expect(await resolveAllowedPath(path.join(outside, 'secret.txt'), [allowed, outside])).toBe(path.join(outside, 'secret.txt'));
  });

  it('refuses ../ traversal, absolute paths outside, and sibling-prefix tricks', async () => {
    await expectCode('../outside/secret.txt', [allowed], 'FORBIDDEN_PATH');
    await expectCode(path.join(allowed, '..', 'outside', 'secret.txt'), [allowed], 'FORBIDDEN_PATH');
    await expectCode(`${allowed}/clips/../../outside/secret.txt`, [allowed], 'FORBIDDEN_PATH');
    await expectCode('/etc/passwd', [allowed], 'FORBIDDEN_PATH');
    await expectCode(`${allowed}-sibling.png`, [allowed], 'FORBIDDEN_PATH');
  });

  it('refuses symlinks that lead outside', async () => {
    await expectCode(path.join(allowed, 'escape.png'), [allowed], 'FORBIDDEN_PATH');
    await expectCode(path.join(allowed, 'escape-dir', 'secret.txt'), [allowed], 'FORBIDDEN_PATH');
    await expectCode('escape-dir/secret.txt', [allowed], 'FORBIDDEN_PATH');
  });

  it('reports missing files inside a root as NOT_FOUND, outside as FORBIDDEN_PATH', async () => {
    await expectCode(path.join(allowed, 'nope.png'), [allowed], 'NOT_FOUND');
    await expectCode(path.join(allowed, 'a.png', 'child'), [allowed], 'NOT_FOUND');
    await expectCode(path.join(outside, 'nope.png'), [allowed], 'FORBIDDEN_PATH');
  });

  it('refuses directories, FIFOs and malformed input', async () => {
    await expectCode(path.join(allowed, 'clips'), [allowed], 'FORBIDDEN_PATH');
    await expectCode(allowed, [allowed], 'FORBIDDEN_PATH');
    await expectCode(path.join(allowed, 'fifo'), [allowed], 'FORBIDDEN_PATH');
    await expectCode(`${allowed}/a.png\0.jpg`, [allowed], 'FORBIDDEN_PATH');
    await expectCode('', [allowed], 'FORBIDDEN_PATH');
    await expectCode(path.join(allowed, 'a.png'), [path.join(base, 'does-not-exist')], 'FORBIDDEN_PATH');
  });
});
