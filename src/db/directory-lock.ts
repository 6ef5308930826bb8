// One process at a time on an embedded database directory (PGlite loses writes silently when two
// open it). The lock must be one the OS releases when its holder dies, however it dies: a PID in a
// file is not (after a SIGKILL a restarted server often gets the same PID in a container, sees
// "its" PID alive and refuses to start, naming itself).
//
// Node has no flock(2) without a native addon, so on Linux the lock is a listening unix socket in
// the abstract namespace, named after the directory's real path: bind(2) is atomic (a second
// holder gets EADDRINUSE), and the kernel frees the name the moment the process exits — no file,
// so nothing stale. Its scope is one network namespace: containers sharing a data volume across
// namespaces are not fenced (use DATABASE_URL for several instances). Elsewhere (macOS, Windows),
// where abstract sockets do not exist, the PID file below is the lock, as before.
// The file `<dir>.lock` is written in both cases and names the holder for humans.
import { createHash } from 'node:crypto';
import { realpath, open, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

export class DirectoryLockedError extends Error {
  override name = 'DirectoryLockedError';
}

/** Takes the lock on `dir` (which must exist); resolves to its release. */
export async function lockDirectory(dir: string): Promise<() => Promise<void>> {
  const lockPath = path.join(dir, '..', `${path.basename(dir)}.lock`);
  if (process.platform !== 'linux') return lockByPidFile(dir, lockPath);
  const real = await realpath(dir);
  const name = `\0maskql-db-${createHash('sha256').update(real).digest('hex').slice(0, 40)}`;
  const server = net.createServer((sock) => sock.destroy());
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(name, () => resolve());
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new DirectoryLockedError(inUse(dir, await readHolder(lockPath)));
    throw err;
  }
  server.unref(); // the lock must not keep the process alive
  // Whatever a dead holder left in the file is overwritten: the socket, not the file, is the lock.
  await writeFile(lockPath, String(process.pid)).catch(() => undefined);
  return async () => {
    await rm(lockPath, { force: true });
    await new Promise<void>((r) => server.close(() => r()));
  };
}

function inUse(dir: string, holder: number | undefined): string {
  const who = holder ? `process ${holder}` : 'another process';
  return `The embedded database in ${dir} is in use by ${who}; one process at a time (use DATABASE_URL for several).`;
}

async function readHolder(lockPath: string): Promise<number | undefined> {
  const n = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Where no abstract socket exists: an O_EXCL file naming a PID, taken over when that PID is gone. */
async function lockByPidFile(dir: string, lockPath: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(lockPath, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      return () => rm(lockPath, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = await readHolder(lockPath);
      if (holder && isAlive(holder)) throw new DirectoryLockedError(inUse(dir, holder));
      await rm(lockPath, { force: true }); // stale: its process is gone (e.g. after SIGKILL)
    }
  }
  throw new DirectoryLockedError(`Cannot lock the embedded database in ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
