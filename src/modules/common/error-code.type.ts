// The error codes as a GraphQL enum: the values of extensions.code and of JobError.code.
import { registerEnumType } from 'type-graphql';
import { ERROR_CODES, type ErrorCode as Code } from '../../errors/app-errors.js';

export const ErrorCode = Object.fromEntries(ERROR_CODES.map((c) => [c, c])) as { [K in Code]: K };
/** What each code means to a client: whether to fix the request, ask again later, or report a bug. */
const MEANINGS: { [K in Code]: string } = {
  BAD_USER_INPUT: 'The input is invalid (extensions.field names the part at fault); fix it before retrying.',
  NOT_FOUND: 'The thing named does not exist, or the caller may not see it.',
  UNAUTHENTICATED: 'No valid key or token was sent.',
  FORBIDDEN: 'The caller is known but lacks the scope (or the server path is outside the allowed roots).',
  RATE_LIMITED: 'Too many requests for this key; retry after extensions.retryAfter seconds.',
  MODEL_UNAVAILABLE: 'The model is missing, failed to load, or cannot do what was asked.',
  RESOURCE_EXHAUSTED: 'A limit or resource ran out (session cap, disk, database); retryable.',
  INFERENCE_FAILED: 'The model failed or ran past its deadline; retryable.',
  CONFLICT: 'The request clashes with the current state (a busy or closed session, a reused clientRequestId).',
  INTERNAL_SERVER_ERROR: 'A fault of the server (extensions.reason may say more); report it if it persists.',
};

registerEnumType(ErrorCode, {
  name: 'ErrorCode',
  description: 'What went wrong, as errors carry it in extensions.code (see extensions.reason for finer detail)',
  valuesConfig: Object.fromEntries(ERROR_CODES.map((c) => [c, { description: MEANINGS[c] }])),
});
