// Every error a client sees has extensions.code; internal messages are hidden in production.
import type { GraphQLFormattedError } from 'graphql';
import { databaseFailureError } from '../db/db-errors.js';

interface ValidationIssue {
  property: string;
  constraints?: Record<string, string>;
  children?: ValidationIssue[];
}

function flatten(issues: ValidationIssue[], prefix: string): string[] {
  return issues.flatMap((i) => {
    const path = prefix ? `${prefix}.${i.property}` : i.property;
    return [...Object.values(i.constraints ?? {}).map((c) => `${path}: ${c}`), ...flatten(i.children ?? [], path)];
  });
}

export function formatError(production: boolean) {
  return (formatted: GraphQLFormattedError, error?: unknown): GraphQLFormattedError => {
    const ext = { ...(formatted.extensions ?? {}) } as Record<string, unknown>;
    const code = typeof ext.code === 'string' ? ext.code : 'INTERNAL_SERVER_ERROR';
    // A full disk under the database or a database that is down: coded and retryable, not a bug.
    const db = code === 'INTERNAL_SERVER_ERROR' ? databaseFailureError(error) : undefined;
    if (db) return { message: db.message, locations: formatted.locations, path: formatted.path, extensions: db.extensions };
    delete ext.stacktrace;
    if (Array.isArray(ext.validationErrors)) {
      const problems = flatten(ext.validationErrors as ValidationIssue[], 'input');
      delete ext.validationErrors;
      return { ...formatted, message: `Invalid input: ${problems.join('; ')}`, extensions: { ...ext, code, problems } };
    }
    // graphql-js words the token limit as a syntax error; it is a size limit.
    const tokens = /^Syntax Error: Document contains more th(?:an|at) (\d+) tokens/.exec(formatted.message);
    if (tokens) return { message: `The document is too large: more than ${tokens[1]} tokens`, extensions: { ...ext, code: 'GRAPHQL_PARSE_FAILED', reason: 'TOO_MANY_TOKENS' } };
    // graphql-js stops coercing variables after 50 errors with an uncoded error.
    if (code === 'INTERNAL_SERVER_ERROR' && /^Too many errors processing variables/.test(formatted.message)) {
      return { ...formatted, extensions: { code: 'BAD_USER_INPUT' } };
    }
    if (code === 'INTERNAL_SERVER_ERROR' && production) {
      return { message: 'Internal server error', locations: formatted.locations, path: formatted.path, extensions: { code, retryable: true } };
    }
    return { ...formatted, extensions: { ...ext, code } };
  };
}

/** Production: no "Did you mean …?" in validation errors (they list the schema's field names), as Apollo's hideSchemaDetailsFromClientErrors does over HTTP. */
export function hideSuggestions(formatted: GraphQLFormattedError): GraphQLFormattedError {
  return { ...formatted, message: formatted.message.replace(/ ?Did you mean(.+?)\?$/, '') };
}
