// schema.graphql is the SDL emitted from the code; it must be committed up to date.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { printSdl } from '../src/server/schema.js';

it('schema.graphql is up to date (run `npm run schema:emit`)', async () => {
  expect(readFileSync('schema.graphql', 'utf8')).toBe(await printSdl());
});
