// The web app at / and, outside production, GraphiQL at GET /graphql (graphiql/ holds its and React's UMD files): static files that
// `npm run build` puts in dist/web (Vite). Nothing is fetched from another origin.
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Request, type Router } from 'express';
import { PACKAGE_ROOT } from '../paths.js';

export const WEB_DIR = path.join(PACKAGE_ROOT, 'dist', 'web');

// The app only talks to its own origin (HTTP and graphql-ws); images are blob: URLs of fetched frames.
const APP_CSP = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' blob: data:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

export function webAppRoutes(opts: { graphiql: boolean; dir?: string }): Router {
  const dir = opts.dir ?? WEB_DIR;
  const router = express.Router();
  const wantsHtml = (req: Request) => req.method === 'GET' && !req.query.query && (req.headers.accept ?? '').includes('text/html');
  if (opts.graphiql) {
    router.get('/graphql', (req, res, next) => (wantsHtml(req) && existsSync(path.join(dir, 'graphiql.html')) ? res.sendFile(path.join(dir, 'graphiql.html')) : next()));
    router.use('/graphiql', express.static(path.join(dir, 'graphiql'), { maxAge: '1d' }));
  }
  router.get('/', (_req, res) => {
    if (!existsSync(path.join(dir, 'index.html'))) {
      res.status(404).type('text/plain').send('The web app is not built: run `npm run build`.');
      return;
    }
    res.set('Content-Security-Policy', APP_CSP).sendFile(path.join(dir, 'index.html'));
  });
  // Hashed file names: cache for good.
  router.use('/assets', express.static(path.join(dir, 'assets'), { immutable: true, maxAge: '1y' }));
  router.get('/favicon.svg', (_req, res) => res.sendFile(path.join(dir, 'favicon.svg')));
  return router;
}
