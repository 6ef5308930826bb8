// GET /metrics: Prometheus text, for admins when authentication is on (Prometheus sends
// authorization.credentials). The api's server and a worker's health port both serve it.
import type { RequestHandler } from 'express';
import type { AuthGuard } from './auth/auth-guard.js';
import { sendError } from './http-routes.js';
import type { Metrics } from './metrics.js';

export function metricsRoute(guard: AuthGuard, metrics: Metrics, log: (err: unknown) => void): RequestHandler {
  return async (req, res) => {
    try {
      guard.access(await guard.authenticate(req.headers.authorization)).require('admin');
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    } catch (err) {
      sendError(res, err, log);
    }
  };
}
