// API key secrets: 32 random bytes behind a recognisable prefix. Only their SHA-256 is stored; a
// slow hash buys nothing against 256 bits of entropy and would cost every request.
import { createHash, randomBytes } from 'node:crypto';

const PREFIX = 'mqk_';

export function newSecret(): string {
  return PREFIX + randomBytes(32).toString('base64url');
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** What lists show of a key: enough to recognise it, far too little to use it. */
export function displayPrefix(secret: string): string {
  return secret.slice(0, PREFIX.length + 6);
}

export function looksLikeApiKey(s: string): boolean {
  return s.startsWith(PREFIX) && s.length === PREFIX.length + 43;
}
