/**
 * List endpoints as Stripe has them: newest first, `limit` 1-100 (default 10), one cursor
 * (`starting_after` or `ending_before`), `created` ranges and each endpoint's own filters.
 */
import { invalidParam, resourceMissing } from './errors';
import { checkKnownParams, optionalInteger, optionalString } from './params';
import type { FormObject, FormValue, StripeList } from './types';
import { isRecord } from './util';

const LIST_PARAMS = ['limit', 'starting_after', 'ending_before'] as const;
const RANGE_KEYS = ['gt', 'gte', 'lt', 'lte'] as const;

type ListFilter<T> = (item: T, value: FormValue) => boolean;

/** `created=<ts>` or `created[gt|gte|lt|lte]=<ts>`, as Stripe's list endpoints take it. */
export function createdFilter<T extends { created: number }>(item: T, value: FormValue): boolean {
  if (typeof value === 'string') return item.created === parseTimestamp(value, 'created');
  if (!isRecord(value)) throw invalidParam('Invalid object', 'created', 'parameter_invalid_object');
  for (const key of Object.keys(value)) {
    if (!(RANGE_KEYS as readonly string[]).includes(key)) {
      throw invalidParam(`Received unknown parameter: created[${key}]`, `created[${key}]`, 'parameter_unknown');
    }
  }
  const bound = (key: (typeof RANGE_KEYS)[number]) => {
    const raw = value[key];
    return raw === undefined ? undefined : parseTimestamp(raw as string, `created[${key}]`);
  };
  const [gt, gte, lt, lte] = RANGE_KEYS.map(bound);
  return (
    (gt === undefined || item.created > gt) &&
    (gte === undefined || item.created >= gte) &&
    (lt === undefined || item.created < lt) &&
    (lte === undefined || item.created <= lte)
  );
}

function parseTimestamp(value: FormValue, param: string): number {
  if (typeof value !== 'string' || !/^\d+$/.test(value)) {
    throw invalidParam(`Invalid integer: ${typeof value === 'string' ? value : JSON.stringify(value)}`, param, 'parameter_invalid_integer');
  }
  return Number(value);
}

export const equals =
  <T>(field: keyof T): ListFilter<T> =>
  (item, value) =>
    item[field] === value;

/**
 * One page of `items` (given oldest first), newest first as Stripe lists: `limit` (1-100, default
 * 10), `starting_after` / `ending_before` cursors (one or the other), and the endpoint's filters.
 * Every query parameter must be one the endpoint takes.
 */
export function paginate<T extends { id: string; created: number }>(
  items: Iterable<T>,
  params: FormObject,
  options: { url: string; label: string; filters?: Record<string, ListFilter<T>> },
): StripeList<T> {
  const filters = options.filters ?? {};
  checkKnownParams(params, [...LIST_PARAMS, ...Object.keys(filters)]);
  const limit = optionalInteger(params, 'limit') ?? 10;
  if (limit < 1 || limit > 100) {
    throw invalidParam(`This value must be between 1 and 100 (it currently is '${limit}').`, 'limit', 'parameter_invalid_integer');
  }
  const startingAfter = optionalString(params, 'starting_after');
  const endingBefore = optionalString(params, 'ending_before');
  if (startingAfter && endingBefore) {
    throw invalidParam('You may only specify one of these parameters: ending_before, starting_after.', 'ending_before');
  }
  const newestFirst = [...items].reverse();
  const matches = (item: T) => Object.entries(filters).every(([name, test]) => params[name] === undefined || test(item, params[name]));

  const cursorIndex = (id: string, param: string) => {
    const index = newestFirst.findIndex((item) => item.id === id);
    if (index === -1) throw resourceMissing(options.label, id, param);
    return index;
  };
  if (endingBefore) {
    const newer = newestFirst.slice(0, cursorIndex(endingBefore, 'ending_before')).filter(matches);
    return { object: 'list', data: newer.slice(-limit), has_more: newer.length > limit, url: options.url };
  }
  const start = startingAfter ? cursorIndex(startingAfter, 'starting_after') + 1 : 0;
  const older = newestFirst.slice(start).filter(matches);
  return { object: 'list', data: older.slice(0, limit), has_more: older.length > limit, url: options.url };
}

/** The first page of a sublist embedded in an object (a transfer's reversals, a charge's refunds). */
export function sublist<T>(newestFirst: T[], url: string): StripeList<T> {
  return { object: 'list', data: newestFirst.slice(0, 10), has_more: newestFirst.length > 10, url };
}
