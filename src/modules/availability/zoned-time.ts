/**
 * Wall-clock time in an IANA time zone, with nothing but Intl: the zone's offset at an instant,
 * and the instant of a local date and time. Across a daylight-saving change a local time that
 * does not exist (the spring gap) moves forward by the gap, and one that occurs twice (the autumn
 * overlap) is its earlier occurrence, as Temporal's 'compatible' disambiguation does.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

export interface LocalDateTime {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** ISO weekday: 1 = Monday ... 7 = Sunday. */
  weekday: number;
}

/** The local date and time at an instant. */
export function toLocal(instant: number, timeZone: string): LocalDateTime {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(instant))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const { year, month, day, hour, minute } = parts as Record<'year' | 'month' | 'day' | 'hour' | 'minute', number>;
  const weekday = ((new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7) + 1;
  return { year, month, day, hour, minute, weekday };
}

/** Milliseconds the zone is ahead of UTC at an instant (negative west of Greenwich). */
export function offsetAt(instant: number, timeZone: string): number {
  const l = toLocal(instant, timeZone);
  const second = new Date(instant).getUTCSeconds();
  const asUtc = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, second);
  return asUtc - (instant - (instant % 1000));
}

/** The instant of a local date and minute of the day (0-1440) in a zone. */
export function fromLocal(year: number, month: number, day: number, minuteOfDay: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day) + minuteOfDay * 60_000;
  const before = offsetAt(wall - 86_400_000, timeZone);
  const after = offsetAt(wall + 86_400_000, timeZone);
  const valid = [wall - before, wall - after].filter((u) => offsetAt(u, timeZone) === wall - u);
  // Two valid instants: the autumn overlap, take the earlier. None: the spring gap, keep the offset from before.
  return valid.length ? Math.min(...valid) : wall - before;
}

/** "+02:00" style offset of the zone at an instant. */
export function offsetString(instant: number, timeZone: string): string {
  const minutes = Math.round(offsetAt(instant, timeZone) / 60_000);
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
