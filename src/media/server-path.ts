import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { MediaError, errnoCode } from './media-error.js';

/** true when child is root itself or lies below it (both absolute, normalised). */
function isWithin(child: string, root: string): boolean {
  const rel = path.relative(root, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

interface Root {
  lexical: string;
  real: string;
}

async function resolveRoots(allowedRoots: string[]): Promise<Root[]> {
  const roots: Root[] = [];
  for (const r of allowedRoots) {
    if (typeof r !== 'string' || r === '' || !path.isAbsolute(r)) continue;
    try {
      roots.push({ lexical: path.resolve(r), real: await realpath(r) });
    } catch {
      // A configured root that does not exist allows nothing.
    }
  }
  return roots;
}

/**
 * Resolve a path on this server that a client asked to import, and allow it only when its real
 * location (symlinks resolved) is a regular file inside one of allowedRoots.
 *
 * - No roots configured: every server path is refused (FORBIDDEN_PATH).
 * - An absolute path must lie in a root; a relative path is taken relative to each root in turn.
 * - What counts is the real path (symlinks resolved): a symlink inside a root that leads out
 *   is refused; a path that leads into a root is accepted.
 * - Missing: NOT_FOUND, but only for a path that names a place inside a root; outside the
 *   roots every answer is FORBIDDEN_PATH, so existence is never revealed.
 * - Directories, devices, FIFOs, sockets: FORBIDDEN_PATH.
 *
 * The caller opens the returned path afterwards; a symlink swapped in between is a race this
 * check cannot close (keep the roots writable only by trusted users).
 *
 * Returns the real (canonical) path.
 */
export async function resolveAllowedPath(requested: string, allowedRoots: string[]): Promise<string> {
  if (!allowedRoots || allowedRoots.length === 0) {
    throw new MediaError('FORBIDDEN_PATH', 'importing files from server paths is disabled on this server');
  }
  if (typeof requested !== 'string' || requested.trim() === '' || requested.includes('\0')) {
    throw new MediaError('FORBIDDEN_PATH', 'invalid server path');
  }
  const roots = await resolveRoots(allowedRoots);
  if (roots.length === 0) throw new MediaError('FORBIDDEN_PATH', 'none of the allowed server directories exists');

  const candidates = path.isAbsolute(requested)
    ? [path.resolve(requested)]
    : roots.map((r) => path.resolve(r.lexical, requested));

  let sawForbidden: MediaError | undefined;
  let sawMissing = false;
  for (const candidate of candidates) {
    // Only a path that names a place inside a root may be reported as missing; anything else
    // is refused the same way whether or not it exists.
    const lexicallyInside = roots.some((r) => isWithin(candidate, r.lexical) || isWithin(candidate, r.real));
    let real: string;
    try {
      real = await realpath(candidate);
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        if (lexicallyInside) sawMissing = true;
        continue;
      }
      // Anything else (EACCES, ELOOP, ENAMETOOLONG, EINVAL, ...) is a path that cannot be used.
      if (lexicallyInside) sawForbidden ??= new MediaError('FORBIDDEN_PATH', `the path cannot be accessed (${code ?? 'error'})`, { cause: err });
      continue;
    }
    if (!roots.some((r) => isWithin(real, r.real))) {
      if (lexicallyInside) sawForbidden ??= new MediaError('FORBIDDEN_PATH', 'the path leads outside the allowed directories');
      continue;
    }
    let st;
    try {
      st = await stat(real);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') {
        sawMissing = true;
        continue;
      }
      throw err;
    }
    if (!st.isFile()) {
      sawForbidden ??= new MediaError('FORBIDDEN_PATH', 'the path is not a regular file');
      continue;
    }
    return real;
  }
  if (sawForbidden) throw sawForbidden;
  if (sawMissing) throw new MediaError('NOT_FOUND', 'no such file in the allowed directories');
  throw new MediaError('FORBIDDEN_PATH', 'the path is outside the allowed directories');
}
