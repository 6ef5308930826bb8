// A worker's own port (ROLE=worker): /healthz and /metrics only — no GraphQL, no media routes;
// clients talk to api processes. /metrics is for admins, as on the api port.
import { createServer } from 'node:http';
import express from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Prisma } from '../db/database.js';
import type { Engine } from '../engine/index.js';
import type { Services } from '../modules/services.js';
import { AuthGuard } from './auth/auth-guard.js';
import type { HttpServer } from './http-server.js';
import { sendError } from './http-routes.js';
import { Metrics } from './metrics.js';
import { listen } from './listen.js';
import { metricsRoute } from './metrics-route.js';

export async function startWorkerHttp(opts: { config: Config; services: Services; prisma: Prisma; engine: Engine; log: Logger }): Promise<HttpServer> {
  const { config, services, log } = opts;
  const app = express();
  app.disable('x-powered-by');
  const server = createServer(app);
  const guard = new AuthGuard(config, services.apiKeys, opts.prisma, services.sharedLimits, (id) => services.media.projectOf(id));
  const metrics = new Metrics(opts.engine, services);
  const routeLog = (err: unknown) => log.error({ err }, 'http route failed');
  app.get('/healthz', async (_req, res) => {
    const health = await services.system.health();
    res.status(health.database.ok ? 200 : 503).json({ ...health, role: 'worker', workerId: services.fleet?.workerId });
  });
  app.get('/metrics', metricsRoute(guard, metrics, routeLog));
  app.use((_req, res) => void res.status(404).json({ errors: [{ message: 'A worker serves /healthz and /metrics only; send GraphQL to an api process', extensions: { code: 'NOT_FOUND' } }] }));
  const { url, port } = await listen(server, config.port, config.host);
  return {
    url,
    port,
    server,
    dispose: async () => {
      guard.dispose();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
