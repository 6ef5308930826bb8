// The content-addressed store of media bytes: sha256-named files, atomic writes, temp sweeps.
// (Over 300 lines: every write path must be atomic and crash-safe, and they share those helpers.)
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { MediaError, errnoCode, mapDiskError } from './media-error.js';

export interface PutResult {
  /** Hex sha256 of the content. */
  sha256: string;
  /** Path relative to the store root, always with '/': "ab/cd/<sha256>.<ext>". */
  relPath: string;
  size: number;
  /** false when identical content with the same extension was already stored. */
  created: boolean;
  /**
   * A private hard link to the same content (a temp file), or undefined where the filesystem
   * cannot hard-link. It keeps the bytes even if a concurrent delete unlinks the stored file:
   * restore() puts them back, drop() removes the link once the caller's row is committed.
   */
  hold?: string;
}

export interface PutStreamOptions {
  /** Abort with TOO_LARGE once more than this many bytes have arrived. */
  maxBytes?: number;
  /** Keep a hold on the content (PutResult.hold); the caller drop()s it. */
  hold?: boolean;
}

/** Temp files start with this; sweepTemp removes them. */
export const TEMP_PREFIX = '.tmp-';

const REL_PATH = /^([0-9a-f]{2})\/([0-9a-f]{2})\/([0-9a-f]{64})\.([a-z0-9]{1,16})$/;
const SHARD = /^[0-9a-f]{2}$/;

function normaliseExt(ext: string): string {
  const e = ext.replace(/^\./, '').toLowerCase();
  if (!/^[a-z0-9]{1,16}$/.test(e)) throw new TypeError(`invalid file extension: ${JSON.stringify(ext)}`);
  return e;
}

function tempName(): string {
  return `${TEMP_PREFIX}${process.pid}-${randomBytes(8).toString('hex')}`;
}

/** Codes with which link(2) says "this filesystem cannot hard-link": fall back to rename. */
const NO_LINK = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'EMLINK', 'ENOSYS', 'EINVAL']);

/**
 * Content-addressed file store: bytes are stored once under their sha256, sharded as
 * ab/cd/<sha256>.<ext>. Writes are atomic (temp file in the target directory, fsync, then
 * link/rename into place), so a reader never sees a partial file and a crash leaves at most a
 * temp file, which sweepTemp() removes.
 */
export class ContentStore {
  readonly root: string;

  constructor(rootDir: string) {
    this.root = path.resolve(rootDir);
  }

  /** The relative path content with this hash and extension is stored under. */
  relPathFor(sha256: string, ext: string): string {
    const h = sha256.toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(h)) throw new TypeError('sha256 must be 64 hex digits');
    return `${h.slice(0, 2)}/${h.slice(2, 4)}/${h}.${normaliseExt(ext)}`;
  }

  /** Absolute path of a stored file. Refuses anything that is not a store path (FORBIDDEN_PATH). */
  path(relPath: string): string {
    const m = REL_PATH.exec(relPath);
    if (!m || m[3]!.slice(0, 2) !== m[1] || m[3]!.slice(2, 4) !== m[2]) {
      throw new MediaError('FORBIDDEN_PATH', 'not a content store path');
    }
    return path.join(this.root, m[1]!, m[2]!, `${m[3]}.${m[4]}`);
  }

  async put(bytes: Buffer, ext: string, opts: { hold?: boolean } = {}): Promise<PutResult> {
    return this.keepHold(await this.putHeld(bytes, ext), opts.hold);
  }

  private async keepHold(r: PutResult, keep: boolean | undefined): Promise<PutResult> {
    if (keep) return r;
    await this.drop(r.hold);
    return { sha256: r.sha256, relPath: r.relPath, size: r.size, created: r.created };
  }

  private async putHeld(bytes: Buffer, ext: string): Promise<PutResult> {
    const e = normaliseExt(ext);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const relPath = this.relPathFor(sha256, e);
    const target = this.path(relPath);
    const dir = path.dirname(target);
    if (await isCompleteFile(target, bytes.length)) {
      const hold = path.join(dir, tempName());
      // The stored file may vanish between the check and the link (a delete): write it then.
      if (await link(target, hold).then(() => true, () => false)) return { sha256, relPath, size: bytes.length, created: false, hold };
    }

    const tmp = path.join(dir, tempName());
    try {
      await mkdir(dir, { recursive: true });
      const fh = await open(tmp, 'wx', 0o644);
      try {
        await fh.writeFile(bytes);
        await fh.sync();
      } finally {
        await fh.close();
      }
      const { created, hold } = await commit(tmp, target, bytes.length);
      return { sha256, relPath, size: bytes.length, created, hold };
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw mapDiskError(err);
    }
  }

  /**
   * Store a stream (an upload, a file) without holding it in memory: it is hashed while being
   * copied into a temp file, then moved into place. A failing or oversized stream leaves nothing.
   */
  async putStream(source: Readable | AsyncIterable<Uint8Array | string>, ext: string, opts: PutStreamOptions = {}): Promise<PutResult> {
    const e = normaliseExt(ext);
    const hash = createHash('sha256');
    let size = 0;
    let tmp: string | undefined;
    try {
      await mkdir(this.root, { recursive: true });
      tmp = path.join(this.root, tempName());
      const fh = await open(tmp, 'wx', 0o644);
      try {
        for await (const chunk of source as AsyncIterable<Uint8Array | string>) {
          const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
          size += buf.length;
          if (opts.maxBytes !== undefined && size > opts.maxBytes) {
            throw new MediaError('TOO_LARGE', `upload is larger than ${opts.maxBytes} bytes`);
          }
          hash.update(buf);
          let off = 0;
          while (off < buf.length) {
            const { bytesWritten } = await fh.write(buf, off, buf.length - off);
            off += bytesWritten;
          }
        }
        await fh.sync();
      } finally {
        await fh.close();
      }
      const sha256 = hash.digest('hex');
      const relPath = this.relPathFor(sha256, e);
      const target = this.path(relPath);
      await mkdir(path.dirname(target), { recursive: true });
      const { created, hold } = await commit(tmp, target, size);
      return await this.keepHold({ sha256, relPath, size, created, hold }, opts.hold);
    } catch (err) {
      if (tmp) await rm(tmp, { force: true }).catch(() => undefined);
      throw mapDiskError(err);
    }
  }

  /** Copy a file on this server into the store (hashing while copying). */
  async putFile(srcPath: string, ext: string, opts: PutStreamOptions = {}): Promise<PutResult> {
    try {
      const st = await stat(srcPath);
      if (!st.isFile()) throw new MediaError('NOT_FOUND', 'not a regular file');
      if (opts.maxBytes !== undefined && st.size > opts.maxBytes) {
        throw new MediaError('TOO_LARGE', `file is ${st.size} bytes; the limit is ${opts.maxBytes} bytes`);
      }
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new MediaError('NOT_FOUND', 'the file does not exist', { cause: err });
      throw err;
    }
    return this.putStream(createReadStream(srcPath, { highWaterMark: 1 << 20 }), ext, opts);
  }

  async read(relPath: string): Promise<Buffer> {
    try {
      return await readFile(this.path(relPath));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') throw new MediaError('NOT_FOUND', 'stored media file is missing', { cause: err });
      throw err;
    }
  }

  async exists(relPath: string): Promise<boolean> {
    try {
      return (await stat(this.path(relPath))).isFile();
    } catch (err) {
      if (err instanceof MediaError) throw err;
      return false;
    }
  }

  /**
   * Put a stored file back from a hold (see PutResult.hold) if a concurrent delete removed it.
   * Call under the same lock as the delete's reference count, so the two cannot interleave.
   */
  async restore(relPath: string, hold: string | undefined): Promise<void> {
    if (!hold || (await this.exists(relPath))) return;
    try {
      await link(hold, this.path(relPath));
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw mapDiskError(err);
    }
  }

  /** Remove a hold once it is no longer needed. */
  async drop(hold: string | undefined): Promise<void> {
    if (hold) await rm(hold, { force: true }).catch(() => undefined);
  }

  /** Delete a stored file; a missing file is not an error. Shard directories are kept. */
  async remove(relPath: string): Promise<void> {
    try {
      await unlink(this.path(relPath));
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
  }

  /**
   * Delete temp files left by a crash (in the root and in shard directories). Call at start.
   * With several processes sharing one store, pass olderThanMs so that in-flight writes of the
   * others survive. Returns how many files were removed.
   */
  /** Every stored file, as relPaths, with its modification time (temp files excluded). */
  async list(): Promise<{ relPath: string; mtimeMs: number }[]> {
    const out: { relPath: string; mtimeMs: number }[] = [];
    const walk = async (dir: string, rel: string, depth: number): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if (errnoCode(err) === 'ENOENT') return;
        throw err;
      }
      for (const ent of entries) {
        const full = path.join(dir, ent.name);
        const r = rel ? `${rel}/${ent.name}` : ent.name;
        if (depth < 2 && ent.isDirectory() && SHARD.test(ent.name)) await walk(full, r, depth + 1);
        else if (depth === 2 && ent.isFile() && !ent.name.startsWith(TEMP_PREFIX)) out.push({ relPath: r, mtimeMs: (await stat(full)).mtimeMs });
      }
    };
    await walk(this.root, '', 0);
    return out;
  }

  async sweepTemp(opts: { olderThanMs?: number } = {}): Promise<number> {
    const olderThan = opts.olderThanMs ?? 0;
    const now = Date.now();
    let removed = 0;
    const sweepDir = async (dir: string, depth: number): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return;
        throw err;
      }
      for (const ent of entries) {
        const full = path.join(dir, ent.name);
        if (ent.name.startsWith(TEMP_PREFIX) && ent.isFile()) {
          try {
            if (olderThan > 0 && now - (await stat(full)).mtimeMs < olderThan) continue;
            await unlink(full);
            removed++;
          } catch (err) {
            if (errnoCode(err) !== 'ENOENT') throw err;
          }
        } else if (depth < 2 && ent.isDirectory() && SHARD.test(ent.name)) {
          await sweepDir(full, depth + 1);
        }
      }
    };
    await sweepDir(this.root, 0);
    return removed;
  }
}

async function isCompleteFile(p: string, size: number): Promise<boolean> {
  try {
    const st = await stat(p);
    return st.isFile() && st.size === size;
  } catch {
    return false;
  }
}

/**
 * Move a fully written, fsynced temp file into place. A hard link refuses to replace an
 * existing file, which tells us whether this call created the content; identical content that
 * is already there wins and the temp file is dropped. The temp file is gone afterwards.
 */
async function commit(tmp: string, target: string, size: number): Promise<{ created: boolean; hold?: string }> {
  let created: boolean;
  let hold: string | undefined = tmp;
  try {
    await link(tmp, target);
    created = true;
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'EEXIST' && (await isCompleteFile(target, size))) {
      created = false;
    } else if (code === 'EEXIST' || NO_LINK.has(code ?? '')) {
      // A damaged leftover (wrong size) or a filesystem without hard links: replace atomically.
      await rename(tmp, target);
      created = true;
      hold = undefined;
    } else {
      throw err;
    }
  }
  // The temp file stays as the caller's hold (same bytes; identical content when not created).
  await syncDir(path.dirname(target));
  return { created, hold };
}

async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Not supported everywhere (e.g. Windows); the data itself is already fsynced.
  }
}
