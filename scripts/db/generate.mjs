// Runs `prisma generate`. Generation needs no schema engine, but the Prisma 7 CLI insists on one
// and downloads it from a CDN when missing; point it at a stub so generation works offline.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const stub = fileURLToPath(new URL('./no-schema-engine.sh', import.meta.url));
const env = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? stub, PRISMA_HIDE_UPDATE_MESSAGE: '1' };
const res = spawnSync(process.execPath, [fileURLToPath(new URL('../../node_modules/prisma/build/index.js', import.meta.url)), 'generate'], { stdio: 'inherit', env });
process.exit(res.status ?? 1);
