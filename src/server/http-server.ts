// Apollo Server and graphql-ws on one port and one path (/graphql), with the plain HTTP routes.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { getOperationAST, GraphQLError, parse, specifiedRules, validate, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { Config } from '../config.js';
import type { Prisma } from '../db/database.js';
import { createLoaders } from '../db/loaders.js';
import type { Services } from '../services.js';
import type { Context } from './context.js';
import { formatError } from './format-error.js';
import { Metrics } from './metrics.js';
import { queryLimitRules } from './query-limits.js';
import { containsNul, MAX_TOKENS, nulError } from './input-guard.js';
import type { Engine } from '../engine/engine.js';
import { httpRoutes, sendError } from './http-routes.js';
import { AuthGuard } from './auth/auth-guard.js';
import { wsAuthorization } from './auth/authenticator.js';
import type { Principal } from './auth/principal.js';
import { requestIds, requestLogPlugin, wsOperationLog } from './request-log.js';

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
  const guard = new AuthGuard(config, services.apiKeys, prisma, services.sharedLimits);
  if (guard.mode === 'none') log.warn('AUTH_MODE=none: every client is an admin, with no key and no rate limit. Set AUTH_MODE=apikey or jwt for anything but local use.');
  else log.info({ mode: guard.mode }, 'authentication on');
  const context = (requestId: string, principal: Principal): Context => ({ requestId, log: log.child({ requestId }), services, loaders: createLoaders(prisma), principal, access: guard.access(principal) });
  const wsLog = wsOperationLog(log);
  const production = config.env === 'production';

  const limitRules = queryLimitRules(config.query);
  const metrics = new Metrics(opts.engine, services);
  const wss = new WebSocketServer({ server, path: '/graphql', maxPayload: Math.ceil(config.media.maxBytes * 1.37) + 65536 });
  // Who is on each socket (authenticated once, at connection_init).
  const principals = new WeakMap<object, Principal>();
  // Operations in flight per socket, with what releases their per-key subscription slot.
  const active = new WeakMap<object, Map<string, () => void>>();
  const ws = useServer(
    {
      schema,
      connectionInitWaitTimeout: config.ws.connectionInitTimeoutMs,
      // Refused credentials close the socket with 4403 Forbidden before any operation runs.
      onConnect: async (ctx) => {
        try {
          principals.set(ctx.extra.socket, await guard.authenticate(wsAuthorization(ctx.connectionParams, ctx.extra.request.headers)));
          return true;
        } catch {
          return false;
        }
      },
      context: (ctx, id, payload) => context(wsLog.start(ctx.extra.socket, id, payload), principals.get(ctx.extra.socket)!),
      onSubscribe: async (ctx, id, payload) => {
        const ops = active.get(ctx.extra.socket) ?? new Map<string, () => void>();
        active.set(ctx.extra.socket, ops);
        if (ops.size >= config.ws.maxSubscriptions) {
          return [new GraphQLError(`At most ${config.ws.maxSubscriptions} operations at once on one connection`, { extensions: { code: 'RESOURCE_EXHAUSTED', retryable: true } })];
        }
        if (containsNul(payload)) return [nulError()];
        let document;
        try {
          document = parse(payload.query, { maxTokens: MAX_TOKENS });
        } catch (err) {
          return [new GraphQLError((err as Error).message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
        }
        const errors = validate(schema, document, [...specifiedRules, ...limitRules]);
        if (errors.length) return errors.map((e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
        const principal = principals.get(ctx.extra.socket)!;
        const op = getOperationAST(document, payload.operationName);
        let release = () => {};
        // Hold this socket's slot while the per-key checks wait (on Redis with REDIS_URL).
        ops.set(id, () => {});
        metrics.subscriptions++;
        try {
          if (op) await guard.chargeOperation(principal, op);
          if (op?.operation === 'subscription') release = await guard.openSubscription(principal);
        } catch (err) {
          if (ops.delete(id)) metrics.subscriptions--;
          return [err as GraphQLError];
        }
        if (active.get(ctx.extra.socket) !== ops || !ops.has(id)) {
          release(); // completed or closed meanwhile
          return [new GraphQLError('The operation ended before it started', { extensions: { code: 'BAD_USER_INPUT' } })];
        }
        ops.set(id, release);
        return undefined;
      },
      onComplete: (ctx, id) => {
        wsLog.end(ctx.extra.socket, id);
        const ops = active.get(ctx.extra.socket);
        const release = ops?.get(id);
        if (!release) return;
        release();
        ops!.delete(id);
        metrics.subscriptions--;
      },
      onClose: (ctx) => {
        const ops = active.get(ctx.extra.socket);
        for (const release of ops?.values() ?? []) release();
        metrics.subscriptions -= ops?.size ?? 0;
        active.delete(ctx.extra.socket);
      },
      onError: (ctx, id, _payload, errors) => log.warn({ id, requestId: wsLog.requestId(ctx.extra.socket, id), errors: errors.map((e) => e.message) }, 'graphql-ws operation failed'),
    },
    wss,
  );

  const apollo = new ApolloServer<Context>({
    schema,
    introspection: config.introspection,
    csrfPrevention: true,
    validationRules: limitRules,
    parseOptions: { maxTokens: MAX_TOKENS },
    includeStacktraceInErrorResponses: !production,
    formatError: formatError(production),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: server }),
      requestLogPlugin<Context>(),
      ...(production ? [ApolloServerPluginLandingPageDisabled()] : []),
      {
        async serverWillStart() {
          return { async drainServer() { await ws.dispose(); } };
        },
        async requestDidStart() {
          const started = performance.now();
          return {
            async didResolveOperation(rc) {
              if (rc.operation?.operation === 'subscription') {
                throw new GraphQLError('Subscriptions are served over graphql-ws (ws://…/graphql), not over HTTP', { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });
              }
              if (rc.operation) await guard.chargeOperation(rc.contextValue.principal, rc.operation);
            },
            async willSendResponse(rc) {
              const errors = rc.errors?.map((e) => e.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
              const labels = { operation: rc.operationName ?? 'anonymous', type: rc.operation?.operation ?? 'invalid' };
              metrics.requests.inc({ ...labels, outcome: errors?.length ? String(errors[0]) : 'ok' });
              metrics.latency.observe(labels, (performance.now() - started) / 1000);
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

  app.use(requestIds());
  const routeLog = (err: unknown) => log.error({ err }, 'http route failed');
  // With authentication on, /metrics is for admins (Prometheus: authorization.credentials).
  app.get('/metrics', async (req, res) => {
    try {
      guard.access(await guard.authenticate(req.headers.authorization)).require('admin');
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    } catch (err) {
      sendError(res, err, routeLog);
    }
  });
  app.use(httpRoutes(services, guard, Math.max(config.media.maxBytes, config.media.videoMaxBytes), routeLog));
  app.use(
    '/graphql',
    // Base64 bodies up to MEDIA_MAX_BYTES; larger videos go through POST /upload or serverPath.
    express.json({ limit: Math.ceil(config.media.maxBytes * 1.37) + 65536 }),
    (req: express.Request, res: express.Response, next: express.NextFunction) => {
      if (containsNul(req.body)) {
        res.status(400).json({ errors: [{ message: nulError().message, extensions: { code: 'BAD_USER_INPUT' } }] });
        return;
      }
      next();
    },
    expressMiddleware(apollo, { context: async ({ req, res }) => context(res.locals.requestId, await guard.authenticate(req.headers.authorization)) }),
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
      guard.dispose();
    },
  };
}
