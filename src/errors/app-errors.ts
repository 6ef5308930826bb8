// Client-facing errors: GraphQLError subclasses with a stable extensions.code (DESIGN.md §3).
import { GraphQLError } from 'graphql';

/** The one list of codes a client can see (extensions.code, JobError.code); the schema's ErrorCode enum. */
export const ERROR_CODES = [
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'RATE_LIMITED',
  'MODEL_UNAVAILABLE',
  'RESOURCE_EXHAUSTED',
  'INFERENCE_FAILED',
  'CONFLICT',
  'INTERNAL_SERVER_ERROR',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && (ERROR_CODES as readonly string[]).includes(code);
}

export interface ErrorDetails {
  retryable?: boolean;
  hint?: string;
  /** The input field at fault, as a dotted path (e.g. "input.objects.0.points.1.x"). */
  field?: string;
  [key: string]: unknown;
}

export class AppError extends GraphQLError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    details: ErrorDetails = {},
  ) {
    super(message, { extensions: { code, retryable: false, ...details } });
    this.name = 'AppError';
  }
}

export const badInput = (message: string, details?: ErrorDetails) => new AppError('BAD_USER_INPUT', message, details);
export const notFound = (what: string, id: string | number) => new AppError('NOT_FOUND', `${what} ${JSON.stringify(id)} not found`);
export const conflict = (message: string, details?: ErrorDetails) => new AppError('CONFLICT', message, details);
export const exhausted = (message: string, details?: ErrorDetails) =>
  new AppError('RESOURCE_EXHAUSTED', message, { retryable: true, ...details });
export const modelUnavailable = (message: string, details?: ErrorDetails) =>
  new AppError('MODEL_UNAVAILABLE', message, details);
export const inferenceFailed = (message: string, details?: ErrorDetails) =>
  new AppError('INFERENCE_FAILED', message, { retryable: true, ...details });

export const forbidden = (message: string) => new AppError('FORBIDDEN', message, { http: { status: 403 } });
