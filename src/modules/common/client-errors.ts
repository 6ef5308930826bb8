// The one translation of lower-layer errors (engine, media, database) into coded client errors.
// It is applied once per path: to every resolver (a global middleware), to subscription streams
// as they open, to the plain HTTP routes, and to jobs (the runner's error mapper) — services
// throw the engine's and media's errors as they are.
import type { MiddlewareFn } from 'type-graphql';
import { GraphQLError } from 'graphql';
import { databaseFailureError } from '../../db/db-errors.js';
import { EngineError } from '../../engine/index.js';
import { AppError, isErrorCode, type ErrorCode } from '../../errors/app-errors.js';
import type { JobError } from '../../jobs/job-handler.js';
import { MediaError, type MediaErrorCode } from '../../media/media-error.js';

const MEDIA_CODES: Record<MediaErrorCode, ErrorCode> = {
  UNSUPPORTED_MEDIA: 'BAD_USER_INPUT',
  CORRUPT_MEDIA: 'BAD_USER_INPUT',
  TOO_LARGE: 'BAD_USER_INPUT',
  TOO_MANY_PIXELS: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  FORBIDDEN_PATH: 'FORBIDDEN',
  DISK_FULL: 'RESOURCE_EXHAUSTED',
  FFMPEG_UNAVAILABLE: 'INTERNAL_SERVER_ERROR',
};

function fromEngine(err: EngineError): AppError {
  switch (err.code) {
    case 'MODEL_NOT_FOUND':
      return new AppError('NOT_FOUND', err.message, { field: 'input.model' });
    case 'MODEL_UNAVAILABLE':
    case 'DEVICE_UNAVAILABLE':
      return new AppError('MODEL_UNAVAILABLE', err.message, { hint: err.hint });
    case 'INFERENCE_TIMEOUT':
      return new AppError('INFERENCE_FAILED', err.message, { retryable: true, reason: 'DEADLINE_EXCEEDED', hint: err.hint ?? 'The device is busy; retry later.' });
    case 'INFERENCE_FAILED':
      return new AppError('INFERENCE_FAILED', err.message, { retryable: true });
    case 'BAD_PROMPT':
    case 'UNSUPPORTED':
      return new AppError('BAD_USER_INPUT', err.message);
  }
}

/** The coded client error for err (reason kept in extensions.reason), or err itself when it has no translation. */
export function toClientError(err: unknown): unknown {
  if (err instanceof EngineError) return fromEngine(err);
  if (err instanceof MediaError) return new AppError(MEDIA_CODES[err.code], err.message, { reason: err.code, retryable: err.code === 'DISK_FULL' });
  if (err instanceof GraphQLError) return err;
  return databaseFailureError(err) ?? err;
}

/** Global type-graphql middleware: every query, mutation, subscription and field resolver. */
export const clientErrors: MiddlewareFn = async (_, next) => {
  try {
    return await next();
  } catch (err) {
    throw toClientError(err);
  }
};

/** For code that runs outside resolvers (a subscription's subscribe function). */
export function translated<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return (...args) => fn(...args).catch((err) => Promise.reject(toClientError(err)));
}

/**
 * How a failed job reports err: the same code a request would get (codes outside the list become
 * INTERNAL_SERVER_ERROR), the reason kept apart; a job failing unexpectedly can be started again.
 */
export function toJobError(err: unknown, hint?: string): JobError {
  const e = toClientError(err) as Error & { extensions?: { code?: unknown; hint?: unknown; reason?: unknown; retryable?: unknown } };
  const ext = e instanceof GraphQLError ? e.extensions : undefined;
  const code = isErrorCode(ext?.code) ? ext.code : 'INTERNAL_SERVER_ERROR';
  return {
    code,
    message: e instanceof Error ? e.message : String(e),
    retryable: code === 'INTERNAL_SERVER_ERROR' || code === 'INFERENCE_FAILED' || code === 'MODEL_UNAVAILABLE' || ext?.retryable === true,
    hint: hint ?? (typeof ext?.hint === 'string' ? ext.hint : undefined),
    reason: typeof ext?.reason === 'string' ? ext.reason : undefined,
  };
}
