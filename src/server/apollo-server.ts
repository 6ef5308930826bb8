// Apollo Server for GraphQL over HTTP: limits, error formatting, the operation gate (scope, list
// caps, rate limit) before variables are coerced, metrics and the request log. Subscriptions are
// refused here: graphql-ws serves them (ws-server.ts), and drains with this server.
import type { Server } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Context } from '../modules/common/context.js';
import { formatError } from './format-error.js';
import { MAX_TOKENS } from './input-guard.js';
import { operationLabel, type Metrics } from './metrics.js';
import type { OperationGate } from './operation-gate.js';
import { queryLimitRules } from './query-limits.js';
import { requestLogPlugin } from './request-log.js';

export function createApollo(opts: {
  schema: GraphQLSchema;
  config: Config;
  httpServer: Server;
  ws: { dispose(): Promise<void> };
  gate: OperationGate;
  metrics: Metrics;
  log: Logger;
}): ApolloServer<Context> {
  const { schema, config, httpServer, ws, gate, metrics, log } = opts;
  const production = config.env === 'production';
  return new ApolloServer<Context>({
    schema,
    introspection: config.introspection,
    hideSchemaDetailsFromClientErrors: production,
    // main.ts owns SIGTERM/SIGINT: two handlers would race (and Apollo's exits before ours ends).
    stopOnTerminationSignals: false,
    csrfPrevention: true,
    validationRules: queryLimitRules(config.query),
    parseOptions: { maxTokens: MAX_TOKENS },
    includeStacktraceInErrorResponses: !production,
    formatError: formatError(production),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      requestLogPlugin<Context>(),
      ApolloServerPluginLandingPageDisabled(), // GraphiQL, from our own files, is the landing page (web-app.ts)
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
              // Before variables are coerced: scope of the operation's kind, list caps, rate limit.
              if (rc.operation) await gate.check(rc.contextValue.principal, rc.document, rc.operation, rc.request.variables);
            },
            async willSendResponse(rc) {
              const errors = rc.errors?.map((e) => e.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
              const labels = { operation: operationLabel(rc.document, rc.operation), type: rc.operation?.operation ?? 'invalid' };
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
}
