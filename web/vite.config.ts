// Builds web/ into dist/web (served by src/server/web-app.ts): the app (index.html) and the
// GraphiQL page (graphiql.html), whose GraphiQL and React UMD files are copied, not bundled.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

const GRAPHIQL_FILES: Record<string, string> = {
  'graphiql/react.production.min.js': 'react/umd/react.production.min.js',
  'graphiql/react-dom.production.min.js': 'react-dom/umd/react-dom.production.min.js',
  'graphiql/graphiql.min.js': 'graphiql/graphiql.min.js',
  'graphiql/graphiql.min.css': 'graphiql/graphiql.min.css',
};

function copyGraphiql(): Plugin {
  return {
    name: 'maskql-copy-graphiql',
    generateBundle() {
      for (const [fileName, from] of Object.entries(GRAPHIQL_FILES)) this.emitFile({ type: 'asset', fileName, source: readFileSync(here(`../node_modules/${from}`)) });
    },
  };
}

export default defineConfig({
  root: here('.'),
  base: '/',
  logLevel: 'warn',
  plugins: [copyGraphiql()],
  build: {
    outDir: here('../dist/web'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1024,
    rollupOptions: { input: { app: here('index.html'), graphiql: here('graphiql.html') } },
  },
});
