// Checks on raw request input before GraphQL sees it. PostgreSQL text cannot hold NUL, and no
// legitimate name, label, path or phrase contains one: refuse it everywhere, with a code.
import { GraphQLError } from 'graphql';

/** Most tokens one GraphQL document may have (a deep fragment chain would exhaust the stack). */
export const MAX_TOKENS = 5000;

export function containsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (depth > 64 || value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((v) => containsNul(v, depth + 1));
  return Object.entries(value).some(([k, v]) => k.includes('\u0000') || containsNul(v, depth + 1));
}

export function nulError(): GraphQLError {
  return new GraphQLError('Input may not contain NUL (\\u0000) characters', { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });
}
