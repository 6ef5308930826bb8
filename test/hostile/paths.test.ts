// Hostile addMedia.serverPath under MEDIA_ALLOWED_ROOTS: traversal ("../", encoded variants,
// backslashes), absolute paths, NUL bytes, very long paths, symlinks that lead out (file and
// directory links, loops, dangling links), FIFOs and directories. Only a regular file whose real
// path is inside a root may ever be imported; outside the roots the answer never reveals
// existence (FORBIDDEN, not NOT_FOUND).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realImages } from './bytes.js';
import { PROPERTY_TIMEOUT_MS, coded, gql, hostileString, property, report, startHostile, type Hostile } from './harness.js';

const ADD_MEDIA = `mutation($input: AddMediaInput!) { addMedia(input: $input) { deduplicated media { id kind width height sha256 } } }`;

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('hostile server paths', () => {
  let h: Hostile;
  let tmp: string;
  let root: string;
  let root2: string;
  let outside: string;
  let roots: string[];
  /** sha256 of every file that may be imported (real path inside a root). */
  const insideShas = new Set<string>();
  /** Real paths of the images inside the roots (the only files an import may succeed on). */
  const insideImages = new Set<string>();
  const outsideShas = new Set<string>();
  const started = performance.now();

  beforeAll(async () => {
    tmp = await realpath(await mkdtemp(path.join(tmpdir(), 'maskql-hostile-paths-')));
    root = path.join(tmp, 'root');
    const root2Real = path.join(tmp, 'root2-real');
    root2 = path.join(tmp, 'root2'); // the second root is itself a symlink
    outside = path.join(tmp, 'outside');
    const evil = `${root}-evil`; // a sibling whose name starts with the root's
    for (const d of [root, path.join(root, 'sub'), path.join(root, 'dir'), root2Real, outside, evil]) await mkdir(d, { recursive: true });
    await symlink(root2Real, root2);

    const img = await realImages();
    const secret = Buffer.concat([img.png.subarray(0, img.png.length - 12), Buffer.from('secret'), img.png.subarray(img.png.length - 12)]);
    const inside: [string, Buffer][] = [
      [path.join(root, 'ok.png'), img.png],
      [path.join(root, 'sub', 'ok2.jpg'), img.jpeg],
      [path.join(root, 'sp ace & ünï.gif'), img.gif],
      [path.join(root, '..png'), img.webp],
      [path.join(root, '%2e%2e'), img.tiff], // a file literally named like an encoded "..": only a literal match may import it
      [path.join(root2Real, 'ok3.webp'), Buffer.concat([img.webp])],
    ];
    for (const [p, b] of inside) {
      await writeFile(p, b);
      insideShas.add(sha(b));
      insideImages.add(await realpath(p));
    }
    // The secrets: valid images too, so that a traversal that reached them would succeed visibly.
    await writeFile(path.join(outside, 'secret.png'), secret);
    await writeFile(path.join(evil, 'secret2.png'), Buffer.concat([secret, Buffer.from([0])]));
    outsideShas.add(sha(secret));
    outsideShas.add(sha(Buffer.concat([secret, Buffer.from([0])])));
    await writeFile(path.join(root, 'text.txt'), 'not an image\n');
    await writeFile(path.join(root, 'empty.png'), Buffer.alloc(0));
    await symlink('ok.png', path.join(root, 'link-in'));
    await symlink(path.join(root, 'sub', 'ok2.jpg'), path.join(root, 'abs-link-in'));
    await symlink('../outside/secret.png', path.join(root, 'link-out'));
    await symlink(path.join(outside, 'secret.png'), path.join(root, 'abs-link-out'));
    await symlink('../outside', path.join(root, 'dir-link-out'));
    await symlink('../root-evil', path.join(root, 'dir-link-evil'));
    await symlink('/etc/passwd', path.join(root, 'etc-passwd'));
    await symlink('/dev/zero', path.join(root, 'dev-zero'));
    await symlink('loop2', path.join(root, 'loop1'));
    await symlink('loop1', path.join(root, 'loop2'));
    await symlink('nowhere', path.join(root, 'dangling'));
    await symlink(root, path.join(root2Real, 'back-to-root'));
    await symlink('fifo', path.join(root, 'link-fifo'));
    execFileSync('mkfifo', [path.join(root, 'fifo')]);
    roots = [root, root2];
    h = await startHostile('paths', { MEDIA_ALLOWED_ROOTS: roots.join(',') });
  });
  afterAll(async () => {
    if (h) report(h, started);
    await h?.srv.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  const within = (child: string, parent: string) => {
    const rel = path.relative(parent, child);
    return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
  };

  /** What the README promises, computed independently: does this request name an image really inside a root, and does it name a place inside a root? */
  async function oracle(requested: string): Promise<{ importable: boolean; namedInside: boolean }> {
    if (requested.includes('\0') || requested.trim() === '') return { importable: false, namedInside: false };
    const realRoots = await Promise.all(roots.map((r) => realpath(r)));
    const candidates = path.isAbsolute(requested) ? [path.resolve(requested)] : roots.map((r) => path.resolve(r, requested));
    let importable = false;
    let namedInside = false;
    for (const c of candidates) {
      if (roots.some((r) => within(c, r)) || realRoots.some((r) => within(c, r))) namedInside = true;
      try {
        const real = await realpath(c);
        if (realRoots.some((r) => within(real, r)) && (await stat(real)).isFile() && insideImages.has(real)) importable = true;
      } catch {
        // missing, loop, too long: not importable
      }
    }
    return { importable, namedInside };
  }

  const SEGMENTS = [
    '..', '.', '', 'ok.png', 'sub', 'ok2.jpg', 'link-in', 'abs-link-in', 'link-out', 'abs-link-out', 'dir-link-out', 'dir-link-evil', 'secret.png', 'secret2.png',
    'etc-passwd', 'dev-zero', 'loop1', 'fifo', 'link-fifo', 'dir', 'dangling', 'text.txt', 'empty.png', '..png', 'sp ace & ünï.gif', 'ok3.webp', 'back-to-root',
    'outside', 'root', 'root2', 'root-evil', 'root2-real', '%2e%2e', '%2e%2e%2f', '..%2f', '%252e%252e', '..\\', '..\\..\\', '．．', '\u2025', '..;', '...', '....',
    'ok.png\u0000.jpg', 'ok.png%00', 'OK.PNG', 'ok.png ', ' ok.png', '~', '$HOME', '*', '?', 'ok.png\n', 'a'.repeat(256),
  ];
  const segment = fc.constantFrom(...SEGMENTS);
  const pathArb = (): fc.Arbitrary<string> =>
    fc.oneof(
      {
        weight: 8,
        arbitrary: fc
          .record({
            prefix: fc.constantFrom('', '', '', '', '', '', '', '/', './', '../', '~/', 'file://', 'ROOT/', 'ROOT2/', 'TMP/', 'OUTSIDE/', 'ROOT-evil/', 'file://ROOT/', '/proc/self/root/ROOT/', '/proc/self/cwd/', '/dev/', '/etc/', '//', 'ROOT/../', 'ROOT'),
            segments: fc.oneof({ weight: 4, arbitrary: fc.array(segment, { minLength: 1, maxLength: 2 }) }, { weight: 1, arbitrary: fc.array(segment, { minLength: 1, maxLength: 6 }) }),
            joiner: fc.constantFrom('/', '/', '/', '//', '/./', '\\'),
            suffix: fc.constantFrom('', '', '', '/', '/.', '\u0000', '%00', ' ', '\n', '.', '/..'),
          })
          .map(({ prefix, segments, joiner, suffix }) =>
            prefix.replace('ROOT2', root2).replace('ROOT', root).replace('TMP', tmp).replace('OUTSIDE', outside) + segments.join(joiner) + suffix,
          ),
      },
      {
        weight: 1,
        // Very long: deep "../" chains, long names, thousands of slashes, beyond PATH_MAX and the 4096-character limit.
        arbitrary: fc
          .record({ n: fc.integer({ min: 100, max: 5000 }), kind: fc.constantFrom('up', 'slashes', 'deep', 'longname', 'dots') })
          .map(({ n, kind }) =>
            kind === 'up' ? `${'../'.repeat(n)}${outside.slice(1)}/secret.png` : kind === 'slashes' ? `${'/'.repeat(n)}${root.slice(1)}/ok.png` : kind === 'deep' ? `${root}/${'sub/../'.repeat(n)}ok.png` : kind === 'longname' ? `${root}/${'x'.repeat(n)}.png` : `${root}/${'./'.repeat(n)}ok.png`,
          ),
      },
      { weight: 1, arbitrary: hostileString },
    );

  it('addMedia(serverPath): only files really inside a root are imported; outside, existence is never revealed', async () => {
    await property(
      h,
      'addMedia(serverPath)',
      pathArb(),
      async (serverPath) => {
        const r = coded(h, await gql(h, { query: ADD_MEDIA, variables: { input: { projectId: h.projectId, serverPath } } }), 'addMedia');
        const o = await oracle(serverPath);
        if (r.ok) {
          h.expectedMedia++;
          expect(outsideShas.has(r.data.media.sha256), `imported a file from outside the roots through ${JSON.stringify(serverPath)}`).toBe(false);
          expect(insideShas.has(r.data.media.sha256), `imported an unexpected file through ${JSON.stringify(serverPath)}`).toBe(true);
          expect(o.importable, `imported ${JSON.stringify(serverPath)}, which does not name a regular file inside a root`).toBe(true);
        } else {
          if (serverPath.length <= 4096) expect(o.importable && serverPath.length <= 4096, `refused an importable path ${JSON.stringify(serverPath)}: ${r.errors[0].message}`).toBe(false);
          if (!o.namedInside) expect(r.codes[0], `a path outside the roots answered ${r.codes[0]} (${r.errors[0].message})`).not.toBe('NOT_FOUND');
        }
      },
      { numRuns: 160, storeEachCase: true },
    );
  }, PROPERTY_TIMEOUT_MS);
});
