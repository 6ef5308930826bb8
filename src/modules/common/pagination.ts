// Keyset pagination over (createdAt, id): stable under inserts, no offsets; forward (first/after)
// and backward (last/before).
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

export function decodeCursor(cursor: string, field: 'after' | 'before' = 'after'): { createdAt: Date; id: string } {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(iso ?? '');
  const year = createdAt.getUTCFullYear();
  // Only cursors this server could have issued: a real timestamp and a UUID.
  if (!id || !isUuid(id) || Number.isNaN(createdAt.getTime()) || year < 1970 || year > 9999) {
    throw badInput(`Invalid cursor ${JSON.stringify(cursor.slice(0, 100))}`, { field });
  }
  return { createdAt, id };
}

/** Which slice of a list a client asked for (Relay's first/after and last/before). */
export interface Page {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/** Page size when a client gives neither first nor last. */
export const DEFAULT_PAGE_SIZE = 20;

function size(page: Page): number {
  if (page.first != null && page.last != null) throw badInput('Pass first or last, not both', { field: 'last' });
  return page.last ?? page.first ?? DEFAULT_PAGE_SIZE;
}

const backward = (page: Page) => page.last != null;

function cursorBound(cursor: string, op: 'gt' | 'lt', field: 'after' | 'before') {
  const c = decodeCursor(cursor, field);
  return { OR: [{ createdAt: { [op]: c.createdAt } }, { createdAt: c.createdAt, id: { [op]: c.id } }] };
}

/** The Prisma `where` fragment for rows strictly between the page's cursors in (createdAt, id) order. */
export function cursorWhere(page: Page) {
  const bounds = [];
  if (page.after) bounds.push(cursorBound(page.after, 'gt', 'after'));
  if (page.before) bounds.push(cursorBound(page.before, 'lt', 'before'));
  return bounds.length ? { AND: bounds } : {};
}

/** Oldest first; `last` reads from the newest end (toConnection puts the rows back in order). */
export function pageOrder(page: Page) {
  const dir = backward(page) ? ('desc' as const) : ('asc' as const);
  return [{ createdAt: dir }, { id: dir }];
}

/** How many rows to fetch: one more than the page, to know whether there is more. */
export function pageTake(page: Page): number {
  return size(page) + 1;
}

/** Builds a connection from rows fetched with cursorWhere, pageOrder and pageTake. */
export function toConnection<T extends Keyed>(rows: T[], page: Page, totalCount: number): Connection<T> {
  const n = size(page);
  const more = rows.length > n;
  const slice = rows.slice(0, n);
  if (backward(page)) slice.reverse();
  const edges = slice.map((node) => ({ cursor: encodeCursor(node), node }));
  return {
    edges,
    totalCount,
    pageInfo: {
      // Relay's rule: the far side of a cursor may hold rows, so it is reported as maybe-more (true).
      hasNextPage: backward(page) ? !!page.before : more,
      hasPreviousPage: backward(page) ? more : !!page.after,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

export function emptyConnection<T>(): Connection<T> {
  return { edges: [], totalCount: 0, pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null } };
}
