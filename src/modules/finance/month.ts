import { badInput } from '../../common/errors';

/**
 * A calendar month in UTC, the unit of earnings and payouts. "Up to the month's end" always means
 * before the first instant of the next month, so no entry can fall between two months.
 */
export interface Month {
  /** `2026-09` */
  key: string;
  /** The first day, as stored in `advisor_payouts.payout_month`: `2026-09-01` */
  firstDay: string;
  start: Date;
  /** The first instant of the next month (exclusive end). */
  end: Date;
  /** `September 2026` */
  label: string;
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

function fromParts(year: number, monthIndex: number): Month {
  const start = new Date(Date.UTC(year, monthIndex, 1));
  const end = new Date(Date.UTC(year, monthIndex + 1, 1));
  const key = `${start.getUTCFullYear()}-${String(start.getUTCMonth() + 1).padStart(2, '0')}`;
  return {
    key,
    firstDay: `${key}-01`,
    start,
    end,
    label: new Intl.DateTimeFormat('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(start),
  };
}

/** Parses `YYYY-MM`; anything else is the caller's mistake. */
export function parseMonth(value: string, field = 'month'): Month {
  const m = MONTH.exec(value.trim());
  if (!m) throw badInput(field, 'must be a month such as 2026-09');
  const year = Number(m[1]);
  if (year < 2000 || year > 2999) throw badInput(field, 'must be a month between 2000-01 and 2999-12');
  return fromParts(year, Number(m[2]) - 1);
}

/** The month an instant falls in (UTC). */
export function monthOf(at: Date): Month {
  return fromParts(at.getUTCFullYear(), at.getUTCMonth());
}

/** The month `n` months after (or, negative, before) this one. */
export function addMonths(month: Month, n: number): Month {
  return fromParts(month.start.getUTCFullYear(), month.start.getUTCMonth() + n);
}

/** A `date` column value (`2026-09-01`, or a Date at UTC midnight) as its month. */
export function monthFromFirstDay(value: string | Date): Month {
  const d = typeof value === 'string' ? new Date(`${value.slice(0, 10)}T00:00:00Z`) : value;
  return monthOf(d);
}
