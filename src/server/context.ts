// What every resolver receives: the services, per-request DataLoaders, the request's id, and who
// is asking (with what they may touch).
import type { Loaders } from '../db/loaders.js';
import type { Services } from '../services.js';
import type { Access } from './auth/access.js';
import type { Principal } from './auth/principal.js';

export interface Context {
  requestId: string;
  services: Services;
  loaders: Loaders;
  principal: Principal;
  access: Access;
}
