import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContentStore, TEMP_PREFIX } from '../../src/media/content-store.js';
import { MediaError } from '../../src/media/media-error.js';

let root: string;
let store: ContentStore;

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'maskql-store-'));
  store = new ContentStore(path.join(root, 'media')); // not created yet: put must create it
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Every file under dir, relative, with '/'. */
async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, prefix: string) => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) await walk(path.join(d, e.name), `${prefix}${e.name}/`);
      else out.push(`${prefix}${e.name}`);
    }
  };
  await walk(dir, '');
  return out.sort();
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('ContentStore', () => {
  it('stores by sha256 in sharded directories and reads back', async () => {
    const bytes = randomBytes(5000);
    const h = sha(bytes);
    const r = await store.put(bytes, 'png');
    expect(r).toEqual({ sha256: h, relPath: `${h.slice(0, 2)}/${h.slice(2, 4)}/${h}.png`, size: 5000, created: true });
    expect(store.path(r.relPath)).toBe(path.join(root, 'media', h.slice(0, 2), h.slice(2, 4), `${h}.png`));
    expect((await store.read(r.relPath)).equals(bytes)).toBe(true);
    expect(await store.exists(r.relPath)).toBe(true);
    expect(await listFiles(store.root)).toEqual([r.relPath]);
  });

  it('is idempotent for identical bytes', async () => {
    const bytes = randomBytes(1234);
    const a = await store.put(bytes, 'jpg');
    const mtime = (await stat(store.path(a.relPath))).mtimeMs;
    const b = await store.put(Buffer.from(bytes), '.JPG');
    expect(b).toEqual({ ...a, created: false });
    expect((await stat(store.path(a.relPath))).mtimeMs).toBe(mtime);
    expect(await listFiles(store.root)).toEqual([a.relPath]);
  });

  it('reports created:true exactly once for concurrent puts of the same bytes', async () => {
    const bytes = randomBytes(64 * 1024);
    const results = await Promise.all(Array.from({ length: 8 }, () => store.put(bytes, 'bin')));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.relPath)).size).toBe(1);
    expect(await listFiles(store.root)).toEqual([results[0]!.relPath]);
  });

  it('leaves neither the file nor a temp file when the final move fails', async () => {
    const bytes = randomBytes(3000);
    const h = sha(bytes);
    const rel = `${h.slice(0, 2)}/${h.slice(2, 4)}/${h}.png`;
    // Something that is not a file sits where the object would go: the commit cannot succeed.
    await mkdir(store.path(rel), { recursive: true });
    await writeFile(path.join(store.path(rel), 'occupied'), 'x');
    await expect(store.put(bytes, 'png')).rejects.toThrow();
    expect(await listFiles(store.root)).toEqual([`${rel}/occupied`]);
    expect(await store.exists(rel)).toBe(false);
  });

  it('leaves nothing behind when a stream fails mid-write', async () => {
    async function* failing() {
      yield randomBytes(100_000);
      yield randomBytes(100_000);
      throw new Error('client went away');
    }
    await expect(store.putStream(failing(), 'mp4')).rejects.toThrow('client went away');
    expect(await listFiles(store.root)).toEqual([]);
  });

  it('aborts an oversized stream with TOO_LARGE and leaves nothing', async () => {
    const src = Readable.from([randomBytes(40_000), randomBytes(40_000), randomBytes(40_000)]);
    const err = await store.putStream(src, 'mp4', { maxBytes: 100_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MediaError);
    expect((err as MediaError).code).toBe('TOO_LARGE');
    expect(await listFiles(store.root)).toEqual([]);
  });

  it('putStream and putFile hash while copying and dedupe with put', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const streamed = await store.putStream(Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]), 'webm');
    expect(streamed).toMatchObject({ sha256: sha(bytes), size: bytes.length, created: true });
    const src = path.join(root, 'upload.webm');
    await writeFile(src, bytes);
    expect(await store.putFile(src, 'webm')).toEqual({ ...streamed, created: false });
    expect(await store.put(bytes, 'webm')).toEqual({ ...streamed, created: false });
    expect(await listFiles(store.root)).toEqual([streamed.relPath]);
    const missing = await store.putFile(path.join(root, 'nope.webm'), 'webm').catch((e: unknown) => e);
    expect((missing as MediaError).code).toBe('NOT_FOUND');
  });

  it('sweepTemp removes crash leftovers only', async () => {
    const kept = await store.put(randomBytes(100), 'png');
    const shardDir = path.dirname(store.path(kept.relPath));
    await writeFile(path.join(store.root, `${TEMP_PREFIX}999-dead`), 'partial');
    await writeFile(path.join(shardDir, `${TEMP_PREFIX}999-beef`), 'partial');
    await writeFile(path.join(store.root, 'README'), 'not ours to delete');
    expect(await store.sweepTemp({ olderThanMs: 60_000 })).toBe(0); // fresh temps survive with an age limit
    expect(await store.sweepTemp()).toBe(2);
    expect(await listFiles(store.root)).toEqual(['README', kept.relPath].sort());
    expect(await new ContentStore(path.join(root, 'missing')).sweepTemp()).toBe(0);
  });

  it('refuses paths that are not store paths', async () => {
    for (const bad of ['../../etc/passwd', '/etc/passwd', 'ab/cd/../../x.png', `ab/cd/${'0'.repeat(64)}.png`, '']) {
      expect(() => store.path(bad)).toThrow(MediaError);
      await expect(store.read(bad)).rejects.toMatchObject({ code: 'FORBIDDEN_PATH' });
    }
    await expect(store.put(Buffer.from('x'), '../png')).rejects.toThrow(TypeError);
  });

  it('read of a missing object is NOT_FOUND; remove is idempotent', async () => {
    const r = await store.put(randomBytes(10), 'gif');
    await store.remove(r.relPath);
    await store.remove(r.relPath);
    expect(await store.exists(r.relPath)).toBe(false);
    await expect(store.read(r.relPath)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a hold keeps the bytes through a concurrent remove; restore puts them back, drop lets go', async () => {
    const bytes = randomBytes(3000);
    await store.put(bytes, 'png'); // already stored: the next put holds the existing file
    for (const r of [await store.put(bytes, 'png', { hold: true }), await store.putStream(Readable.from([bytes]), 'png', { hold: true })]) {
      expect(r.hold && path.basename(r.hold).startsWith(TEMP_PREFIX)).toBe(true);
      await store.remove(r.relPath); // a delete of another media with the same bytes
      expect(await store.exists(r.relPath)).toBe(false);
      await store.restore(r.relPath, r.hold);
      expect((await store.read(r.relPath)).equals(bytes)).toBe(true);
      await store.drop(r.hold);
    }
    expect((await listFiles(store.root)).filter((f) => f.includes(TEMP_PREFIX))).toEqual([]);
    // Without { hold: true } nothing is left behind.
    expect((await store.put(randomBytes(10), 'gif')).hold).toBeUndefined();
    expect((await listFiles(store.root)).filter((f) => f.includes(TEMP_PREFIX))).toEqual([]);
  });
});
