// Whether a module is the script node was asked to run (so a generator both exports and runs).
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export function isMain(url: string): boolean {
  const arg = process.argv[1];
  if (!arg) return false;
  try {
    return url === pathToFileURL(realpathSync(arg)).href;
  } catch {
    return false;
  }
}
