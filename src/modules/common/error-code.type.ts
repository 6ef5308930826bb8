// The error codes as a GraphQL enum: the values of extensions.code and of JobError.code.
import { registerEnumType } from 'type-graphql';
import { ERROR_CODES, type ErrorCode as Code } from '../../errors/app-errors.js';

export const ErrorCode = Object.fromEntries(ERROR_CODES.map((c) => [c, c])) as { [K in Code]: K };
registerEnumType(ErrorCode, { name: 'ErrorCode', description: 'What went wrong, as errors carry it in extensions.code (see extensions.reason for finer detail)' });
