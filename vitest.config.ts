import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  // One copy of graphql, or type-graphql's types come from "another realm".
  resolve: { alias: { graphql: require.resolve('graphql') } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two files at a time on two cores: much of an integration test waits on I/O (database,
    // ffmpeg, sockets) rather than the CPU.
    maxWorkers: 2,
    globalSetup: ['test/support/global-setup.ts'],
  },
});
