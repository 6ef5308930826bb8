// Apollo Server and graphql-ws on one port and one path (/graphql), with the plain HTTP routes.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import type { GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { Config } from '../config.js';
import type { Prisma } from '../db/database.js';
import { createLoaders } from '../db/loaders.js';
import type { Services } from '../services.js';
import type { Context } from './context.js';
import { formatError } from './format-error.js';
import { httpRoutes, sendError } from './http-routes.js';

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
  log: Logger;
}): Promise<HttpServer> {
  const { config, schema, services, prisma, log } = opts;
  const app = express();
  app.disable('x-powered-by');
  const server = createServer(app);
  const context = (requestId: string): Context => ({ requestId, services, loaders: createLoaders(prisma) });
  const production = config.env === 'production';

  const wss = new WebSocketServer({ server, path: '/graphql' });
  const ws = useServer(
    {
      schema,
      context: () => context(randomUUID()),
      onError: (_ctx, id, _payload, errors) => log.warn({ id, errors: errors.map((e) => e.message) }, 'graphql-ws operation failed'),
    },
    wss,
  );

  const apollo = new ApolloServer<Context>({
    schema,
    introspection: config.introspection,
    csrfPrevention: true,
    includeStacktraceInErrorResponses: !production,
    formatError: formatError(production),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: server }),
      ...(production ? [ApolloServerPluginLandingPageDisabled()] : []),
      {
        async serverWillStart() {
          return { async drainServer() { await ws.dispose(); } };
        },
        async requestDidStart() {
          const started = performance.now();
          return {
            async willSendResponse(rc) {
              const errors = rc.errors?.map((e) => e.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
              log.info({ requestId: rc.contextValue.requestId, op: rc.operationName ?? rc.operation?.operation, ms: Math.round(performance.now() - started), errors }, 'graphql');
            },
            async didEncounterErrors(rc) {
              for (const e of rc.errors) if (!e.extensions?.code || e.extensions.code === 'INTERNAL_SERVER_ERROR') log.error({ requestId: rc.contextValue?.requestId, err: e.originalError ?? e }, 'unexpected error');
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  app.use(httpRoutes(services, Math.max(config.media.maxBytes, config.media.videoMaxBytes), (err) => log.error({ err }, 'http route failed')));
  app.use(
    '/graphql',
    // Base64 bodies up to MEDIA_MAX_BYTES; larger videos go through POST /upload or serverPath.
    express.json({ limit: Math.ceil(config.media.maxBytes * 1.37) + 65536 }),
    expressMiddleware(apollo, { context: async ({ req }) => context(String(req.headers['x-request-id'] ?? randomUUID())) }),
  );
  // Body-parser failures (too large, malformed JSON) answer in GraphQL's error shape too.
  app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => sendError(res, err, (e) => log.error({ err: e }, 'request failed')));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return {
    url: `http://${host}:${port}`,
    port,
    server,
    // Stops accepting, lets in-flight requests finish, closes sockets (graphql-ws first).
    dispose: async () => {
      await apollo.stop();
      wss.close();
    },
  };
}
