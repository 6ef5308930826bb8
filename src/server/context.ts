// What every resolver receives: the services, per-request DataLoaders, and the request's id.
import type { Loaders } from '../db/loaders.js';
import type { Services } from '../services.js';

export interface Context {
  requestId: string;
  services: Services;
  loaders: Loaders;
}
