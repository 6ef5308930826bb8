// Every environment variable the server reads is documented in .env.example.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/paths.js';

it('.env.example names every variable of src/config.ts', async () => {
  const config = await readFile(path.join(PACKAGE_ROOT, 'src/config.ts'), 'utf8');
  const example = await readFile(path.join(PACKAGE_ROOT, '.env.example'), 'utf8');
  const schema = config.slice(config.indexOf('const schema = z.object({'), config.indexOf('});', config.indexOf('const schema = z.object({')));
  const vars = [...schema.matchAll(/^\s+([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!);
  expect(vars.length).toBeGreaterThan(40);
  const documented = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!));
  expect(vars.filter((v) => !documented.has(v))).toEqual([]);
});
