import { badInput } from '../../common/errors';
import type { Period } from '../../payments/gateway';

const DAY_MS = 86_400_000;

/** The default window of a ledger check: the 30 days before `to`. */
export const DEFAULT_PERIOD_DAYS = 30;
/** Longer windows are refused: the check reads every Stripe object of the window. */
export const MAX_PERIOD_DAYS = 400;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Midnight UTC of a calendar date `YYYY-MM-DD`; a date that does not exist (2026-02-30) is refused. */
export function parseDay(value: string, field: string): Date {
  const m = DATE.exec(value.trim());
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
  if (!m || !d || d.getUTCFullYear() !== Number(m[1]) || d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3])) {
    throw badInput(field, 'must be a date such as 2026-10-31');
  }
  return d;
}

/**
 * The period a ledger check covers, from operator input: `from` is a first day (from its
 * midnight UTC), `to` a last day, included (up to the next midnight UTC). Without `to` the period
 * ends `now`; without `from` it starts 30 days before its end.
 */
export function checkPeriod(input: { from?: string | null; to?: string | null }, now = new Date()): Period {
  const to = input.to ? new Date(parseDay(input.to, 'to').getTime() + DAY_MS) : now;
  const from = input.from ? parseDay(input.from, 'from') : new Date(to.getTime() - DEFAULT_PERIOD_DAYS * DAY_MS);
  if (from.getTime() >= to.getTime()) throw badInput('from', 'must be before the end of the period');
  if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * DAY_MS) throw badInput('to', `a period is at most ${MAX_PERIOD_DAYS} days`);
  return { from, to };
}

/** The 30 days before `end`: what the daily job checks. */
export function lastDays(end: Date, days = DEFAULT_PERIOD_DAYS): Period {
  return { from: new Date(end.getTime() - days * DAY_MS), to: end };
}
