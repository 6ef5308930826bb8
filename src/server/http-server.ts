// One port: Apollo (apollo-server.ts) and graphql-ws (ws-server.ts) on /graphql, the plain HTTP
// routes, metrics and the web app beside them; authentication decides what each caller may send.
import { createServer, type Server } from 'node:http';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Prisma } from '../db/database.js';
import { createLoaders } from '../db/loaders.js';
import type { Services } from '../modules/services.js';
import type { Context } from '../modules/common/context.js';
import { Metrics } from './metrics.js';
import { containsNul, nulError } from './input-guard.js';
import { BrowserGuard } from './browser-guard.js';
import { callerFirst, callerOf } from './body-limit.js';
import { listCaps } from './list-caps.js';
import { OperationGate } from './operation-gate.js';
import { startWsServer } from './ws-server.js';
import type { Engine } from '../engine/index.js';
import { httpRoutes, sendError } from './http-routes.js';
import { downloadRoutes } from './download-routes.js';
import { tusRoutes } from './tus-routes.js';
import { AuthGuard } from './auth/auth-guard.js';
import type { Principal } from '../modules/auth/principal.js';
import { webAppRoutes } from './web-app.js';
import { createApollo } from './apollo-server.js';
import { requestIds } from './request-log.js';
import { mediaFrameRoute } from './media-frame-route.js';
import type { AddressInfo } from 'node:net';
import { listen } from './listen.js';
import { metricsRoute } from './metrics-route.js';

export interface HttpServer {
  url: string;
  port: number;
  server: Server;
  dispose(): Promise<void>;
}

export async function startHttpServer(opts: {
  config: Config;
  schema: GraphQLSchema;
  services: Services;
  prisma: Prisma;
  engine: Engine;
  log: Logger;
}): Promise<HttpServer> {
  const { config, schema, services, prisma, log } = opts;
  const app = express();
  app.disable('x-powered-by');
  const server = createServer(app);
  const guard = new AuthGuard(config, services.apiKeys, prisma, services.sharedLimits, (id) => services.media.projectOf(id));
  if (guard.mode === 'none') log.warn('AUTH_MODE=none: every client is an admin, with no key and no rate limit. Set AUTH_MODE=apikey or jwt for anything but local use.');
  else log.info({ mode: guard.mode }, 'authentication on');
  const context = (requestId: string, principal: Principal): Context => ({ requestId, log: log.child({ requestId }), services, loaders: createLoaders(prisma), principal, access: guard.access(principal) });
  const production = config.env === 'production';

  const metrics = new Metrics(opts.engine, services);
  const gate = new OperationGate(guard, schema, listCaps(config.limits));
  const browser = new BrowserGuard(config, () => (server.address() as AddressInfo | null)?.port ?? config.port);
  // Base64 media (MEDIA_MAX_BYTES) only from callers who may write; everyone else, small bodies.
  const writerMaxBytes = Math.ceil(config.media.maxBytes * 1.37) + 65536;
  const ws = startWsServer({ server, schema, config, guard, gate, browser, metrics, log, writerMaxBytes, revocations: services.apiKeys.revocations(), context });

  const apollo = createApollo({ schema, config, httpServer: server, ws, gate, metrics, log });
  await apollo.start();

  app.use(requestIds());
  app.use(browser.middleware());
  const routeLog = (err: unknown) => log.error({ err }, 'http route failed');
  app.get('/metrics', metricsRoute(guard, metrics, routeLog));
  app.use(httpRoutes(services, guard, Math.max(config.media.maxBytes, config.media.videoMaxBytes), routeLog));
  app.use(webAppRoutes({ graphiql: !production }), mediaFrameRoute(services, guard, routeLog));
  app.use(downloadRoutes(services, routeLog));
  const tus = tusRoutes({ config, services, guard, log });
  app.use(tus.router);
  app.use(
    '/graphql',
    // Who is calling is known before the body is read, and decides how much of it may be read.
    callerFirst(guard, config.http.maxBodyBytes, writerMaxBytes, log),
    (req: express.Request, res: express.Response, next: express.NextFunction) => {
      if (containsNul(req.body)) {
        res.status(400).json({ errors: [{ message: nulError().message, extensions: { code: 'BAD_USER_INPUT' } }] });
        return;
      }
      next();
    },
    expressMiddleware(apollo, { context: async ({ res }) => context(res.locals.requestId, callerOf(res)) }),
  );
  // Body-parser failures (too large, malformed JSON) answer in GraphQL's error shape too.
  app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => sendError(res, err, (e) => log.error({ err: e }, 'request failed')));

  const { url, port } = await listen(server, config.port, config.host);
  return {
    url,
    port,
    server,
    // Stops accepting, lets in-flight requests finish, closes sockets (graphql-ws first).
    dispose: async () => {
      await apollo.stop();
      await ws.dispose();
      tus.dispose();
      guard.dispose();
    },
  };
}
