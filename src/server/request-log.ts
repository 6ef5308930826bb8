// Request ids: every HTTP request and every graphql-ws operation gets one; it is returned in the
// x-request-id header and bound (a pino child) to the log lines of that request, so one grep
// finds all of them. A caller's own x-request-id is kept when it is a sane token (ids from a
// gateway then match), replaced otherwise (no log injection).
import { randomUUID } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';

const CALLER_ID = /^[\w.:-]{1,128}$/;

export function requestIdOf(header: unknown): string {
  return typeof header === 'string' && CALLER_ID.test(header) ? header : randomUUID();
}

/** Express middleware, first on every route: res.locals.requestId and the x-request-id header. */
export function requestIds() {
  return (req: Request, res: Response, next: NextFunction) => {
    const id = requestIdOf(req.headers['x-request-id']);
    res.locals.requestId = id;
    res.setHeader('x-request-id', id);
    next();
  };
}

/** At debug level, each GraphQL request as received (headers and variables pass through redaction). */
export function requestLogPlugin<C extends { log: Logger }>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart(rc) {
      const { operationName, variables, http } = rc.request;
      rc.contextValue.log.debug({ op: operationName, variables, headers: http?.headers }, 'graphql request');
    },
  };
}

/** graphql-ws operations: an id per operation (start), and a line when it ends with its duration. */
export function wsOperationLog(log: Logger) {
  const ops = new WeakMap<object, Map<string, { requestId: string; started: number }>>();
  return {
    start(socket: object, id: string, payload: { operationName?: string | null; query: string; variables?: unknown }): string {
      const requestId = randomUUID();
      const bySocket = ops.get(socket) ?? new Map();
      ops.set(socket, bySocket.set(id, { requestId, started: performance.now() }));
      const op = payload.operationName ?? /\b(?:query|mutation|subscription)\s+(\w+)/.exec(payload.query)?.[1];
      log.debug({ requestId, op, variables: payload.variables }, 'graphql-ws operation');
      return requestId;
    },
    requestId(socket: object, id: string): string | undefined {
      return ops.get(socket)?.get(id)?.requestId;
    },
    end(socket: object, id: string): void {
      const op = ops.get(socket)?.get(id);
      if (!op) return;
      ops.get(socket)!.delete(id);
      log.info({ requestId: op.requestId, ms: Math.round(performance.now() - op.started) }, 'graphql-ws operation ended');
    },
  };
}
