// What every resolver receives: the services, per-request DataLoaders, the request's id and logger.
import type { Logger } from 'pino';
import type { Loaders } from '../db/loaders.js';
import type { Services } from '../services.js';

export interface Context {
  requestId: string;
  /** The process logger bound to requestId: use it for every line about this request. */
  log: Logger;
  services: Services;
  loaders: Loaders;
}
