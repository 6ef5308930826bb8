// The process logger (pino, JSON lines) with secrets and bulk data never written: API keys and
// Authorization headers, graphql-ws connectionParams, database URLs, and image bytes. Paths are
// redacted by pino's `redact`; GraphQL variables and headers also go through a serializer, because
// variable names are the client's choice ($img, $file...): it drops secret-like keys and any long
// string (a base64 image), whatever it is called.
import pino, { type Logger, type LoggerOptions } from 'pino';

const CENSOR = '[redacted]';

export const REDACT_PATHS = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'headers["proxy-authorization"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'connectionParams',
  '*.connectionParams',
  'apiKey',
  '*.apiKey',
  'password',
  '*.password',
  'databaseUrl',
  'database.url',
  'config.database.url',
  'variables.input.imageBase64',
  'variables.input.base64',
];

const SECRET_KEY = /authorization|cookie|password|secret|token|api[-_]?key|base64/i;
/** Longer strings are elided: nothing legitimate in a log needs them; image bytes would fill it. */
const MAX_STRING = 200;

/** A copy of a value safe to log: secret-like keys redacted, long strings elided, depth bounded. */
export function sanitize(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.length > MAX_STRING ? `[${value.length} chars]` : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= 6) return '[…]';
  if (value instanceof Map) value = Object.fromEntries(value);
  if (Array.isArray(value)) return value.slice(0, 20).map((v) => sanitize(v, depth + 1));
  return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, SECRET_KEY.test(k) ? CENSOR : sanitize(v, depth + 1)]));
}

const OPTIONS: Pick<LoggerOptions, 'redact' | 'serializers'> = {
  redact: { paths: REDACT_PATHS, censor: CENSOR },
  serializers: { variables: (v: unknown) => sanitize(v), headers: (v: unknown) => sanitize(v) },
};

export function createLogger(level: string): Logger {
  return pino({ level, ...OPTIONS });
}

/** The same protection for a logger made elsewhere (tests, benchmarks, embedders). */
export function withRedaction(log: Logger): Logger {
  return log.child({}, OPTIONS);
}
