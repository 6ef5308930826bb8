// What every resolver receives: the services, per-request DataLoaders, the request's id and
// logger, and who is asking (with what they may touch).
import type { Logger } from 'pino';
import type { Loaders } from '../../db/loaders.js';
import type { Services } from '../services.js';
import type { Access } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';

export interface Context {
  requestId: string;
  /** The process logger bound to requestId: use it for every line about this request. */
  log: Logger;
  services: Services;
  loaders: Loaders;
  principal: Principal;
  access: Access;
}
