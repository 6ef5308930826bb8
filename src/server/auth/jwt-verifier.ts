// JWTs (AUTH_MODE=jwt): verified against an HMAC secret or a PEM public key, with the algorithms
// pinned to the key's type (no "alg: none", no HMAC-with-the-public-key confusion).
import { createPublicKey, type KeyObject } from 'node:crypto';
import { errors as joseErrors, jwtVerify } from 'jose';
import type { AuthConfig } from '../../config.js';
import { isUuid } from '../../modules/common/ids.js';
import type { Principal } from '../../modules/auth/principal.js';
import { isScope } from '../../modules/auth/scopes.js';

const CLOCK_TOLERANCE_SEC = 5;

type JwtConfig = Extract<AuthConfig, { mode: 'jwt' }>;

export class JwtVerifier {
  private readonly key: Uint8Array | KeyObject;
  private readonly algorithms: string[];

  constructor(private readonly config: JwtConfig) {
    if (config.publicKey) {
      this.key = createPublicKey(config.publicKey);
      this.algorithms = algorithmsFor(this.key);
    } else {
      this.key = new TextEncoder().encode(config.secret);
      this.algorithms = ['HS256', 'HS384', 'HS512'];
    }
  }

  /** The principal of a token, or an explanation of why it is refused. */
  async verify(token: string): Promise<Principal | { refused: string }> {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.key, {
        algorithms: this.algorithms,
        issuer: this.config.issuer,
        audience: this.config.audience,
        clockTolerance: CLOCK_TOLERANCE_SEC,
        requiredClaims: this.config.requireExp ? ['exp'] : [],
      }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) return { refused: 'Token expired' };
      if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'exp' && err.reason === 'missing') return { refused: 'Token has no expiry (exp); JWT_REQUIRE_EXP is on' };
      if (err instanceof joseErrors.JWTClaimValidationFailed) return { refused: `Token claim "${err.claim}" is not acceptable` };
      return { refused: 'Invalid token' };
    }
    if (typeof payload.sub !== 'string' || !payload.sub) return { refused: 'Token has no subject (sub)' };
    // Scopes as OAuth writes them ("scope": "read write") or as a list ("scopes": [...]).
    const raw = typeof payload.scope === 'string' ? payload.scope.split(' ') : Array.isArray(payload.scopes) ? payload.scopes : [];
    const scopes = raw.filter(isScope);
    const projects = payload.projects;
    if (projects !== undefined && (!Array.isArray(projects) || !projects.every((p) => typeof p === 'string' && isUuid(p)))) {
      return { refused: 'Token claim "projects" must be a list of project ids' };
    }
    // An empty list grants no project (it is not "every project": omit the claim for that).
    return {
      id: `jwt:${payload.sub}`,
      kind: 'jwt',
      scopes,
      projects: projects === undefined ? null : (projects as string[]).map((p) => p.toLowerCase()),
      expiresAt: payload.exp === undefined ? null : (payload.exp + CLOCK_TOLERANCE_SEC) * 1000,
    };
  }
}

function algorithmsFor(key: KeyObject): string[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
    case 'rsa-pss':
      return ['PS256', 'PS384', 'PS512'];
    case 'ec':
      return ['ES256', 'ES384', 'ES512'];
    case 'ed25519':
    case 'ed448':
      return ['EdDSA', 'Ed25519'];
    default:
      throw new Error(`JWT_PUBLIC_KEY: unsupported key type ${key.asymmetricKeyType}`);
  }
}
