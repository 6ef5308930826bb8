// The media a GET route serves (thumbnail, frame): read scope, charged, inside the caller's projects.
import type { Request } from 'express';
import type { Services } from '../modules/services.js';
import type { Media } from '../modules/media/media.type.js';
import type { AuthGuard } from './auth/auth-guard.js';

export async function mediaForRead(services: Services, guard: AuthGuard, req: Request): Promise<Media> {
  const principal = await guard.authenticate(req.headers.authorization);
  const access = guard.access(principal);
  access.require('read');
  await guard.charge(principal, 'read');
  await access.media(String(req.params.id));
  return services.media.get(String(req.params.id));
}
