// graphql-ws on the HTTP server's /graphql path, with the same rules as HTTP: the caller checked
// at connection_init and again for every operation (SocketPrincipals), the same validation
// (limits, introspection), the same gate before variables are coerced (scope, list caps, rate),
// and the same error formatting (codes; internal messages and field suggestions hidden in
// production). Frames are small until the caller is known: GRAPHQL_MAX_BODY_BYTES before
// connection_ack, and the base64 media limit only for callers who may write.
import type { Server } from 'node:http';
import {
  getOperationAST,
  GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  validate,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Config } from '../config.js';
import { exhausted } from '../errors/app-errors.js';
import type { AuthGuard } from './auth/auth-guard.js';
import { unauthenticated } from './auth/auth-errors.js';
import { wsAuthorization } from './auth/authenticator.js';
import type { Principal } from '../modules/auth/principal.js';
import { grants } from '../modules/auth/scopes.js';
import type { BrowserGuard } from './browser-guard.js';
import type { Context } from '../modules/common/context.js';
import { formatError, hideSuggestions } from './format-error.js';
import { containsNul, MAX_TOKENS, nulError } from './input-guard.js';
import type { Metrics } from './metrics.js';
import type { OperationGate } from './operation-gate.js';
import { queryLimitRules } from './query-limits.js';
import { wsOperationLog } from './request-log.js';
import { SocketPrincipals } from './ws-auth.js';

export interface WsServer {
  dispose(): Promise<void>;
}

/** ws checks a frame's length from its header, before reading it; this sets that limit per socket. */
function setMaxPayload(socket: WebSocket, bytes: number): void {
  const receiver = (socket as unknown as { _receiver?: { _maxPayload?: number } })._receiver;
  if (receiver && typeof receiver._maxPayload === 'number') receiver._maxPayload = bytes;
}

export function startWsServer(opts: {
  server: Server;
  schema: GraphQLSchema;
  config: Config;
  guard: AuthGuard;
  gate: OperationGate;
  browser: BrowserGuard;
  metrics: Metrics;
  log: Logger;
  /** The largest frame a caller who may write can send (base64 media). */
  writerMaxBytes: number;
  revocations: AsyncIterable<{ principalId: string }>;
  context: (requestId: string, principal: Principal) => Context;
}): WsServer {
  const { config, schema, guard, gate, metrics, log } = opts;
  const production = config.env === 'production';
  const small = config.http.maxBodyBytes;
  const wss = new WebSocketServer({
    server: opts.server,
    path: '/graphql',
    maxPayload: Math.max(small, opts.writerMaxBytes),
    // Host (AUTH_MODE=none) and Origin, as for any HTTP request: a foreign page gets 403.
    verifyClient: (info, done) => (opts.browser.upgradeAllowed(info.req) ? done(true) : done(false, 403, 'Forbidden')),
  });
  wss.on('connection', (socket) => {
    setMaxPayload(socket, small);
    // graphql-ws prints every socket error to stderr; an oversized frame is the client's fault
    // (ws has already closed the socket with 1009): log it as such instead.
    queueMicrotask(() => {
      socket.removeAllListeners('error');
      socket.on('error', (err) => {
        log.info({ reason: err.message }, 'graphql-ws socket error');
        if (socket.readyState === socket.OPEN) socket.close(1011, 'Internal server error');
      });
    });
  });
  const principals = new SocketPrincipals(guard, config.ws.authRecheckMs, log);
  const revocations = opts.revocations[Symbol.asyncIterator]();
  void (async () => {
    for (let r = await revocations.next(); !r.done; r = await revocations.next()) principals.revoked(r.value.principalId);
  })().catch((err) => log.error({ err }, 'graphql-ws: following revocations failed'));

  const rules = [...specifiedRules, ...queryLimitRules(config.query), ...(config.introspection ? [] : [NoSchemaIntrospectionCustomRule])];
  const format = formatError(production);
  const formatAll = (errors: readonly GraphQLError[]): GraphQLFormattedError[] =>
    errors.map((e) => {
      const json = e.toJSON();
      // Variables that do not coerce are the client's mistake, as Apollo says over HTTP.
      const badVariable = !json.extensions?.code && e.nodes?.length === 1 && e.nodes[0]!.kind === Kind.VARIABLE_DEFINITION;
      const formatted = format(badVariable ? { ...json, extensions: { ...json.extensions, code: 'BAD_USER_INPUT' } } : json, e.originalError ?? e);
      return production ? hideSuggestions(formatted) : formatted;
    });
  const wsLog = wsOperationLog(log);
  // Operations in flight per socket, with what releases their per-key subscription slot
  // (RESERVED while the operation is still being checked).
  const RESERVED = () => undefined;
  const active = new WeakMap<object, Map<string, () => void>>();

  const ws = useServer<Record<string, unknown> | undefined, { socket: WebSocket }>(
    {
      schema,
      connectionInitWaitTimeout: config.ws.connectionInitTimeoutMs,
      // Refused credentials close the socket with 4403 Forbidden before any operation runs.
      onConnect: async (ctx) => {
        const principal = await principals.admit(ctx.extra.socket, wsAuthorization(ctx.connectionParams, ctx.extra.request.headers));
        if (!principal) return false;
        if (grants(principal.scopes, 'write')) setMaxPayload(ctx.extra.socket, Math.max(small, opts.writerMaxBytes));
        return true;
      },
      onSubscribe: async (ctx, id, payload) => {
        const socket = ctx.extra.socket;
        const ops = active.get(socket) ?? new Map<string, () => void>();
        active.set(socket, ops);
        if (ops.size >= config.ws.maxSubscriptions) {
          return [exhausted(`At most ${config.ws.maxSubscriptions} operations at once on one connection`)];
        }
        // The slot is taken before anything asynchronous, so operations sent together are counted.
        ops.set(id, RESERVED);
        const refuse = (errors: readonly GraphQLError[]) => {
          ops.delete(id);
          return errors;
        };
        if (containsNul(payload)) return refuse([nulError()]);
        let document;
        try {
          document = parse(payload.query, { maxTokens: MAX_TOKENS });
        } catch (err) {
          return refuse([new GraphQLError((err as Error).message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })]);
        }
        const errors = validate(schema, document, rules);
        if (errors.length) return refuse(errors.map((e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })));
        // The caller as valid now: a revoked key or an expired token closes the socket instead.
        const principal = await principals.current(socket);
        if (!principal) return refuse([unauthenticated('Credentials no longer valid')]);
        const op = getOperationAST(document, payload.operationName);
        let release = () => {};
        try {
          if (op) await gate.check(principal, document, op, payload.variables);
          if (op?.operation === 'subscription') release = await guard.openSubscription(principal);
        } catch (err) {
          return refuse([err as GraphQLError]);
        }
        if (ops.get(id) !== RESERVED) {
          release(); // the socket closed while this operation was being checked
          return [new GraphQLError('Connection closed', { extensions: { code: 'UNAUTHENTICATED' } })];
        }
        ops.set(id, release);
        metrics.subscriptions++;
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: opts.context(wsLog.start(socket, id, payload), principal),
        };
      },
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: formatAll(result.errors) } : undefined),
      onError: (ctx, id, _payload, errors) => {
        log.warn({ id, requestId: wsLog.requestId(ctx.extra.socket, id), errors: errors.map((e) => e.message) }, 'graphql-ws operation failed');
        return formatAll(errors);
      },
      onComplete: (ctx, id) => {
        wsLog.end(ctx.extra.socket, id);
        const ops = active.get(ctx.extra.socket);
        const release = ops?.get(id);
        if (!release || release === RESERVED) return;
        release();
        ops!.delete(id);
        metrics.subscriptions--;
      },
      onClose: (ctx) => {
        principals.forget(ctx.extra.socket);
        const ops = active.get(ctx.extra.socket);
        for (const release of ops?.values() ?? []) {
          if (release === RESERVED) continue;
          release();
          metrics.subscriptions--;
        }
        ops?.clear();
        active.delete(ctx.extra.socket);
      },
    },
    wss,
  );

  let disposed: Promise<void> | undefined;
  return {
    dispose: () =>
      (disposed ??= (async () => {
        principals.dispose();
        await revocations.return?.();
        await ws.dispose();
        wss.close();
      })()),
  };
}
