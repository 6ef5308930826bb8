// Locations inside the installed package, the same whether run from src/ (tests) or dist/ (start).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('maskql: cannot find the package root');
    dir = parent;
  }
  return dir;
}

export const PACKAGE_ROOT = findRoot();
export const MIGRATIONS_DIR = path.join(PACKAGE_ROOT, 'prisma', 'migrations');
