// Ids are UUIDs; anything else cannot exist, so it is NOT_FOUND without a database round trip.
import { notFound } from '../../errors/app-errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(id: string): boolean {
  return UUID.test(id);
}

export function requireUuid(what: string, id: string): string {
  if (!isUuid(id)) throw notFound(what, id);
  return id.toLowerCase();
}
