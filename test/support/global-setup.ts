// Built once per test run and shared: a migrated PGlite database to copy for each server, and a
// model repository with the committed demo model plus a generated `sam`-family model.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/database.js';
import { generateDemoModel } from '../../scripts/models/generate-demo.js';
import { mkdir } from 'node:fs/promises';
import { testBins } from '../fixtures/video.js';
import { DISCS_VIDEO, encodeDiscsVideo } from './discs-video.js';
import { createPostgresDatabase } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
    modelsDir: string;
    fixturesDir: string;
    /** A migrated PostgreSQL database to copy (CREATE DATABASE ... TEMPLATE), when TEST_DATABASE_URL is set. */
    postgresTemplate: string;
  }
}

export default async function setup(project: TestProject) {
  if (!process.env.TEST_DATABASE_URL) console.log('PostgreSQL path skipped: TEST_DATABASE_URL is not set (the suite runs on PGlite only)');
  else console.log('PostgreSQL path enabled: database tests also run on TEST_DATABASE_URL');
  if (!process.env.TEST_REDIS_URL) console.log('Redis tests skipped: TEST_REDIS_URL is not set (needs TEST_DATABASE_URL too for the shared-job and shared-limit tests)');
  const root = await mkdtemp(path.join(tmpdir(), 'maskql-test-'));
  const template = path.join(root, 'pglite-template', 'db');
  const db = await openDatabase({ kind: 'pglite', dir: template });
  await db.dispose();

  const modelsDir = path.join(root, 'models');
  await cp(path.resolve('models'), modelsDir, { recursive: true });
  await generateDemoModel(path.join(modelsDir, 'demo-sam'), 'sam', 'demo-sam');

  const fixturesDir = path.join(root, 'fixtures');
  await mkdir(fixturesDir, { recursive: true });
  await encodeDiscsVideo(path.join(fixturesDir, 'discs.mp4'), testBins());
  await encodeDiscsVideo(path.join(fixturesDir, 'discs-long.mp4'), testBins(), 400);
  await encodeDiscsVideo(path.join(fixturesDir, 'discs-audio.mp4'), testBins(), DISCS_VIDEO.frames, 440);

  // Processes that start together on a fresh PostgreSQL would race to migrate it: they copy this.
  let pgTemplate: Awaited<ReturnType<typeof createPostgresDatabase>> | undefined;
  if (process.env.TEST_DATABASE_URL) {
    pgTemplate = await createPostgresDatabase(process.env.TEST_DATABASE_URL);
    await (await openDatabase({ kind: 'postgres', url: pgTemplate.url })).dispose();
  }
  project.provide('postgresTemplate', pgTemplate ? new URL(pgTemplate.url).pathname.slice(1) : '');
  project.provide('pgliteTemplate', template);
  project.provide('modelsDir', modelsDir);
  project.provide('fixturesDir', fixturesDir);
  return async () => {
    await pgTemplate?.drop();
    await rm(root, { recursive: true, force: true });
  };
}
