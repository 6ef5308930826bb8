// Scopes are ranked: write includes read, admin includes both. A key holds its highest.
import { badInput } from '../../errors/app-errors.js';

export const SCOPES = ['read', 'write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

const rank = (s: Scope) => SCOPES.indexOf(s);

export function grants(held: readonly Scope[], needed: Scope): boolean {
  return held.some((s) => rank(s) >= rank(needed));
}

export function isScope(s: unknown): s is Scope {
  return typeof s === 'string' && (SCOPES as readonly string[]).includes(s);
}

/** Validates a list of scope names given by a client (createApiKey, the CLI). */
export function parseScopes(list: readonly string[], field = 'scopes'): Scope[] {
  const bad = list.filter((s) => !isScope(s));
  if (bad.length) throw badInput(`Unknown scope ${JSON.stringify(bad[0])}; scopes are ${SCOPES.join(', ')}`, { field });
  if (!list.length) throw badInput(`At least one scope is needed (${SCOPES.join(', ')})`, { field });
  return [...new Set(list as Scope[])];
}
