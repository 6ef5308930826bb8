// Database failures a client can do something about (retry later), told apart from bugs: a full
// disk under the database and a database that cannot be reached. Prisma and its driver adapters
// wrap the driver's error (pg, PGlite) in one or more layers, so the whole cause chain is read.
import { AppError } from '../errors/app-errors.js';

export type DatabaseFailure = 'DISK_FULL' | 'DATABASE_UNAVAILABLE';

/** SQLSTATE class 53 "insufficient resources"; 53100 is disk_full. */
const DISK_SQLSTATE = /^53/;
/** Class 08 connection exceptions, 57P01-57P03 shutdown / cannot connect now. */
const DOWN_SQLSTATE = /^(08|57P0[1-3])/;
const DOWN_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** Prisma's own codes for "cannot reach / lost / timed out waiting for a connection". */
const DOWN_PRISMA = new Set(['P1001', 'P1002', 'P1017', 'P2024']);
const DOWN_TEXT = /Connection terminated|connection (?:is )?closed|timeout exceeded when trying to connect|Can't reach database server|server closed the connection/i;
const DISK_TEXT = /No space left on device|ENOSPC|EDQUOT|disk quota exceeded|could not extend file/i;

/** What kind of database failure `err` is, or undefined when it is none of these. */
export function databaseFailure(err: unknown): DatabaseFailure | undefined {
  const seen = new Set<unknown>();
  let down = false;
  for (let e: unknown = err; e && typeof e === 'object' && !seen.has(e); ) {
    seen.add(e);
    const o = e as { code?: unknown; message?: unknown; cause?: unknown; originalError?: unknown; originalCode?: unknown; kind?: unknown };
    const codes = [o.code, o.originalCode].filter((c): c is string => typeof c === 'string');
    const message = typeof o.message === 'string' ? o.message : '';
    if (codes.some((c) => DISK_SQLSTATE.test(c) || c === 'ENOSPC' || c === 'EDQUOT') || DISK_TEXT.test(message)) return 'DISK_FULL';
    if (codes.some((c) => DOWN_SQLSTATE.test(c) || DOWN_ERRNO.has(c) || DOWN_PRISMA.has(c)) || DOWN_TEXT.test(message)) down = true;
    e = o.originalError ?? o.cause;
  }
  return down ? 'DATABASE_UNAVAILABLE' : undefined;
}

// When this process last saw a write refused for lack of space, for /healthz: a full disk under
// PostgreSQL cannot be seen from here otherwise (a ping still answers). A database that is down
// needs no memory: the health check's ping sees it.
let lastDiskFull: number | undefined;

/** Whether a write was refused for lack of space within the last windowMs. */
export function diskFullWithin(windowMs: number, now = Date.now()): boolean {
  return lastDiskFull !== undefined && now - lastDiskFull <= windowMs;
}

/** The client-facing error for a database failure (RESOURCE_EXHAUSTED, retryable), if it is one. */
export function databaseFailureError(err: unknown): AppError | undefined {
  const failure = databaseFailure(err);
  if (failure === 'DISK_FULL') lastDiskFull = Date.now();
  if (failure === 'DISK_FULL') {
    return new AppError('RESOURCE_EXHAUSTED', 'The database has no disk space left; try again once space is freed', { reason: failure, retryable: true });
  }
  if (failure === 'DATABASE_UNAVAILABLE') {
    return new AppError('RESOURCE_EXHAUSTED', 'The database cannot be reached right now; try again shortly', { reason: failure, retryable: true });
  }
  return undefined;
}
