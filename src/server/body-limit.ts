// GraphQL bodies over HTTP: the caller is authenticated from the headers BEFORE the body is read,
// and that decides how much is read. Callers who may write (and so send base64 media) may send
// up to the media limit; everyone else, GRAPHQL_MAX_BODY_BYTES. A caller whose credentials are
// refused and whose body is larger than that is answered at once, without reading it.
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { AuthGuard } from './auth/auth-guard.js';
import type { Principal } from '../modules/auth/principal.js';
import { grants } from '../modules/auth/scopes.js';
import { sendError } from './http-routes.js';

interface Caller {
  principal?: Principal;
  refused?: unknown;
}

export function callerFirst(guard: AuthGuard, smallBytes: number, writerBytes: number, log: Logger) {
  const small = express.json({ limit: smallBytes });
  const large = express.json({ limit: Math.max(smallBytes, writerBytes) });
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const caller: Caller = {};
    try {
      caller.principal = await guard.authenticate(req.headers.authorization);
    } catch (err) {
      caller.refused = err;
    }
    res.locals.caller = caller;
    if (caller.refused && Number(req.headers['content-length'] ?? 0) > smallBytes) {
      res.set('Connection', 'close'); // the unread body makes this connection unusable
      return sendError(res, caller.refused, (e) => log.error({ err: e }, 'authentication failed'));
    }
    (caller.principal && grants(caller.principal.scopes, 'write') ? large : small)(req, res, next);
  };
}

/** The caller found by callerFirst; throws its refusal (UNAUTHENTICATED) in Apollo's context. */
export function callerOf(res: Response): Principal {
  const caller = res.locals.caller as Caller;
  if (!caller.principal) throw caller.refused;
  return caller.principal;
}
