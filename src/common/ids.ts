import { badInput } from './errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Ids are UUIDs; anything else is the caller's mistake, reported before it reaches SQL. */
export function assertUuid(value: string, field = 'id'): string {
  if (!UUID.test(value)) throw badInput(field, 'must be a UUID');
  return value.toLowerCase();
}
