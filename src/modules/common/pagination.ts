// Keyset pagination over (createdAt, id): stable under inserts, no offsets.
import { badInput } from '../../errors/app-errors.js';
import { isUuid } from './ids.js';
import type { Connection } from './connection.type.js';

interface Keyed {
  id: string;
  createdAt: Date;
}

export function encodeCursor(row: Keyed): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(iso ?? '');
  const year = createdAt.getUTCFullYear();
  // Only cursors this server could have issued: a real timestamp and a UUID.
  if (!id || !isUuid(id) || Number.isNaN(createdAt.getTime()) || year < 1970 || year > 9999) {
    throw badInput(`Invalid cursor ${JSON.stringify(cursor.slice(0, 100))}`, { field: 'after' });
  }
  return { createdAt, id };
}

/** The Prisma `where` fragment for rows after a cursor in (createdAt, id) order. */
export function afterCursor(after?: string | null) {
  if (!after) return {};
  const c = decodeCursor(after);
  return { OR: [{ createdAt: { gt: c.createdAt } }, { createdAt: c.createdAt, id: { gt: c.id } }] };
}

export const keysetOrder = [{ createdAt: 'asc' as const }, { id: 'asc' as const }];

/** Builds a connection from rows fetched with take: first + 1. */
export function toConnection<T extends Keyed>(rows: T[], first: number, totalCount: number, hadCursor: boolean): Connection<T> {
  const page = rows.slice(0, first);
  const edges = page.map((node) => ({ cursor: encodeCursor(node), node }));
  return {
    edges,
    totalCount,
    pageInfo: {
      hasNextPage: rows.length > first,
      hasPreviousPage: hadCursor,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

export function emptyConnection<T>(): Connection<T> {
  return { edges: [], totalCount: 0, pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null } };
}
