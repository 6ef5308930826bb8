// A real, small filesystem for fault tests: tmpfs mounted over a directory (root only). Tests
// that need it skip with the printed reason when mounting is not allowed (no root, no CAP_SYS_ADMIN).
import { execFileSync } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';

export interface Mount {
  dir: string;
  unmount(): void;
}

/** Mounts a tmpfs of `size` (e.g. '2m') over dir; returns the mount, or the reason it failed. */
export async function mountTmpfs(dir: string, size: string, readOnly = false): Promise<Mount | { skip: string }> {
  await mkdir(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}${readOnly ? ',ro' : ''}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    const reason = `cannot mount a tmpfs on ${dir}: ${String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim()}`;
    console.warn(`SKIPPED: ${reason}`);
    return { skip: reason };
  }
  return {
    dir,
    unmount: () => execFileSync('umount', ['-l', dir], { stdio: 'pipe' }),
  };
}

/** Every file under dir (recursive), relative paths; [] when dir does not exist. */
export async function filesUnder(dir: string): Promise<string[]> {
  const all = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return all.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}
