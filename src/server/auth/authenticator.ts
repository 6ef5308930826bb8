// Turns the credentials of a request (HTTP Authorization header, graphql-ws connectionParams)
// into a Principal, the same way for both transports.
import type { AuthConfig } from '../../config.js';
import type { ApiKeyService } from '../../modules/api-key/api-key.service.js';
import { unauthenticated } from './auth-errors.js';
import { JwtVerifier } from './jwt-verifier.js';
import { ANONYMOUS_ADMIN, type Principal } from '../../modules/auth/principal.js';

export interface Authenticator {
  readonly mode: AuthConfig['mode'];
  /** The caller, or throws UNAUTHENTICATED. `authorization` is the header's value ("Bearer …"). */
  authenticate(authorization: unknown): Promise<Principal>;
}

export function createAuthenticator(config: AuthConfig, apiKeys: ApiKeyService): Authenticator {
  if (config.mode === 'none') return { mode: 'none', authenticate: async () => ANONYMOUS_ADMIN };
  const jwt = config.mode === 'jwt' ? new JwtVerifier(config) : null;
  return {
    mode: config.mode,
    async authenticate(authorization) {
      const credential = bearer(authorization);
      if (!credential) throw unauthenticated(config.mode === 'jwt' ? 'A bearer token is required' : 'An API key is required');
      if (jwt) {
        const r = await jwt.verify(credential);
        if ('refused' in r) throw unauthenticated(r.refused);
        return r;
      }
      const principal = await apiKeys.verify(credential);
      if (!principal) throw unauthenticated('Invalid, revoked or expired API key');
      return principal;
    },
  };
}

function bearer(header: unknown): string | null {
  if (typeof header !== 'string') return null;
  const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1]! : null;
}

/** The credential a graphql-ws client sent: connectionParams first, then the upgrade request's header. */
export function wsAuthorization(connectionParams: Readonly<Record<string, unknown>> | undefined, headers: Record<string, unknown>): unknown {
  return connectionParams?.authorization ?? connectionParams?.Authorization ?? headers.authorization;
}
