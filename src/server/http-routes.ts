// Plain HTTP routes beside /graphql: /healthz, the raw upload route, and thumbnails.
import express, { type Request, type Response, type Router } from 'express';
import { GraphQLError } from 'graphql';
import type { Services } from '../modules/services.js';
import { badInput } from '../errors/app-errors.js';
import { mediaView } from '../modules/media/media.view.js';
import { toClientError } from '../modules/common/client-errors.js';
import { containsNul, nulError } from './input-guard.js';
import type { AuthGuard } from './auth/auth-guard.js';
import { mediaForRead } from './media-access.js';

const STATUS: Record<string, number> = {
  BAD_USER_INPUT: 400,
  NOT_FOUND: 404,
  FORBIDDEN: 403,
  UNAUTHENTICATED: 401,
  RESOURCE_EXHAUSTED: 507,
  RATE_LIMITED: 429,
  CONFLICT: 409,
};
export { STATUS as HTTP_STATUS };

export function sendError(res: Response, err: unknown, log: (err: unknown) => void): void {
  err = toClientError(err);
  if (err instanceof GraphQLError) {
    const code = String(err.extensions.code ?? 'INTERNAL_SERVER_ERROR');
    const status = err.extensions.reason === 'TOO_LARGE' ? 413 : err.extensions.reason === 'DATABASE_UNAVAILABLE' ? 503 : (STATUS[code] ?? 500);
    const { http, ...extensions } = err.extensions as { http?: { headers?: Iterable<[string, string]> } };
    for (const [k, v] of http?.headers ?? []) res.setHeader(k, v);
    res.status(status).json({ errors: [{ message: err.message, extensions }] });
    return;
  }
  const parserError = err as { type?: string; status?: number; message?: string };
  if (parserError.type && parserError.type !== 'entity.too.large' && parserError.status && parserError.status < 500) {
    // body-parser: malformed JSON, an unsupported charset or encoding.
    res.status(parserError.status).json({ errors: [{ message: `Bad request body: ${parserError.message}`, extensions: { code: 'BAD_USER_INPUT', reason: parserError.type } }] });
    return;
  }
  if (parserError.type === 'entity.too.large') {
    const limit = (err as { limit?: number }).limit;
    res.set('Connection', 'close');
    res.status(413).json({ errors: [{ message: `Request body is larger than the limit of ${limit} bytes (GRAPHQL_MAX_BODY_BYTES; base64 media up to MEDIA_MAX_BYTES needs the write scope)`, extensions: { code: 'BAD_USER_INPUT', reason: 'TOO_LARGE', maxBytes: limit } }] });
    return;
  }
  log(err);
  res.status(500).json({ errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
}

export function httpRoutes(services: Services, guard: AuthGuard, maxUploadBytes: number, log: (err: unknown) => void): Router {
  const router = express.Router();

  router.get('/healthz', async (_req, res) => {
    const health = await services.system.health();
    res.status(health.database.ok ? 200 : 503).json(health);
  });

  // POST /upload?projectId=...&filename=...&label=... with the file as the raw body, streamed
  // (a video goes to disk as it arrives; the store refuses it past VIDEO_MAX_BYTES).
  router.post('/upload', async (req: Request, res: Response) => {
    try {
      const q = req.query as Record<string, string | undefined>;
      if (containsNul(q)) throw nulError();
      for (const [k, v] of Object.entries(q)) if (v !== undefined && typeof v !== 'string') throw new GraphQLError(`Query parameter ${k} must be given once`, { extensions: { code: 'BAD_USER_INPUT' } });
      const principal = await guard.authenticate(req.headers.authorization);
      const access = guard.access(principal);
      access.require('write');
      await guard.charge(principal, 'write');
      if (!q.projectId) throw badInput('projectId is required (POST /upload?projectId=...)', { field: 'projectId' });
      await access.project(q.projectId);
      if (Number(req.headers['content-length']) > maxUploadBytes) throw badInput(`Upload is larger than ${maxUploadBytes} bytes`, { reason: 'TOO_LARGE' });
      // clientRequestId: the query parameters are the input compared on a repeat (the body is not).
      const { clientRequestId, ...params } = q;
      const result = await services.idempotency.storeMedia(principal.id, 'upload', clientRequestId, params, () => services.media.add({ projectId: q.projectId!, stream: req, filename: q.filename ?? null, label: q.label ?? null }));
      // A repeat answered from the first result did not read this body: close after it.
      if (!req.readableEnded) res.set('Connection', 'close');
      res.status(201).json({ data: { media: mediaView(result.media), deduplicated: result.deduplicated } });
    } catch (err) {
      // Refused before the body was read: this connection cannot carry another request.
      if (!req.readableEnded) res.set('Connection', 'close');
      sendError(res, err, log);
    }
  });

  router.get('/media/:id/thumbnail', async (req, res) => {
    try {
      const media = await mediaForRead(services, guard, req);
      const bytes = await services.media.thumbnail(media);
      if (!bytes) {
        res.status(404).end();
        return;
      }
      res.type('image/webp').set('Cache-Control', 'private, max-age=86400').send(bytes);
    } catch (err) {
      sendError(res, err, log);
    }
  });

  router.use((err: unknown, _req: Request, res: Response, _next: unknown) => sendError(res, err, log));
  return router;
}
