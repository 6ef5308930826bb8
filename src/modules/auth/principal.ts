// Who is calling: an API key, a JWT subject, or (AUTH_MODE=none) the local anonymous user.
import type { Scope } from './scopes.js';

export interface Principal {
  /** Stable id used for rate limits and caps: api-key:<uuid>, jwt:<sub>, anonymous. */
  id: string;
  kind: 'anonymous' | 'api-key' | 'jwt';
  scopes: readonly Scope[];
  /** The projects this principal may touch; null = every project. */
  projects: readonly string[] | null;
  /** When the credential stops being accepted (ms since the epoch); null or absent = never. */
  expiresAt?: number | null;
}

/** AUTH_MODE=none: everyone is this admin (a local, single-user setup). */
export const ANONYMOUS_ADMIN: Principal = Object.freeze({ id: 'anonymous', kind: 'anonymous' as const, scopes: ['admin' as const], projects: null });
