// The errors of authentication and authorization, with the HTTP status Apollo should answer with.
import { GraphQLError } from 'graphql';
import { HeaderMap } from '@apollo/server';
import { AppError } from '../../errors/app-errors.js';

export function unauthenticated(message: string): GraphQLError {
  return new AppError('UNAUTHENTICATED', message, {
    hint: 'Send "Authorization: Bearer <key or token>" (over graphql-ws: connectionParams.authorization)',
    http: { status: 401, headers: new HeaderMap([['www-authenticate', 'Bearer']]) },
  });
}

export function rateLimited(retryAfterSec: number): GraphQLError {
  return new AppError('RATE_LIMITED', `Rate limit exceeded; retry in ${retryAfterSec} s`, {
    retryable: true,
    retryAfter: retryAfterSec,
    http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfterSec)]]) },
  });
}
