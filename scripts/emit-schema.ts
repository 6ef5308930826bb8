// Writes schema.graphql from the resolvers' decorators (type-graphql); a test fails if it is stale.
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../src/paths.js';
import { printSdl } from '../src/server/schema.js';

const file = path.join(PACKAGE_ROOT, 'schema.graphql');
writeFileSync(file, await printSdl());
console.log(`wrote ${path.relative(process.cwd(), file)}`);
