import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { PersonActor } from '../../common/actor';
import { badInput, DomainError, forbidden, notFound } from '../../common/errors';
import { assertUuid } from '../../common/ids';
import type { ReadScope } from '../../common/read-scope';
import type { Config } from '../../config';
import { Advisor, ApprovalStatus } from '../advisor/advisor.entity';
import type { StartTimePolicy, StartTimeRequest } from '../consultation/consultation.module';
import { liveBookingsBetween } from '../consultation/queries';
import { isDuration } from '../pricing/pricing';
import { CalcomSlotsError, eventTypeOf, type CalcomSlots } from './calcom-slots';
import { AdvisorWeeklyHours, type WeeklySpanRow } from './weekly-hours.entity';
import { fromLocal, isTimeZone, toLocal } from './zoned-time';

/** Offered starts are this far apart (from the start of each span of weekly hours). */
export const SLOT_STEP_MINUTES = 15;
/** The longest range one advisorAvailability call may ask about. */
export const MAX_RANGE_DAYS = 31;
const MAX_SPANS = 50;
const DAY = 86_400_000;
const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;

/** Where an advisor's free times come from. */
export enum AvailabilitySource {
  CALCOM = 'calcom',
  WEEKLY_HOURS = 'weekly_hours',
  /** No weekly hours set and no Cal.com event type: any time within the notice and the horizon. */
  ANY_TIME = 'any_time',
}

export interface WeeklySpan {
  /** ISO weekday: 1 = Monday ... 7 = Sunday. */
  weekday: number;
  /** Local 'HH:MM'. */
  start: string;
  /** Local 'HH:MM'; '24:00' is the end of the day. */
  end: string;
}

export interface WeeklyAvailability {
  timeZone: string | null;
  hours: WeeklySpan[];
}

export interface Availability {
  source: AvailabilitySource;
  timeZone: string | null;
  starts: Date[];
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const hhmm = (time: string) => time.slice(0, 5);

/** A start outside the advisor's availability: the code bookConsultation answers with. */
export function outsideAvailability(): DomainError {
  const message = 'is outside the advisor’s availability (ask advisorAvailability for free start times)';
  return new DomainError('BAD_USER_INPUT', `startTime: ${message}`, {
    fields: [{ field: 'startTime', message }],
    reason: 'OUTSIDE_AVAILABILITY',
  });
}

/**
 * The starts an advisor offers: from Cal.com's slots when CALCOM_API_KEY is set and the advisor
 * has a Cal.com event type, otherwise from the weekly hours kept here (in the advisor's time zone),
 * otherwise any time; always minus our live bookings and holds, within the minimum notice and the
 * booking horizon. Booking asks `assertBookable` before it holds a slot.
 */
export class AvailabilityService implements StartTimePolicy {
  constructor(private readonly deps: { config: Config; calcom: CalcomSlots; em: () => EntityManager }) {}

  async myWeekly(scope: ReadScope): Promise<WeeklyAvailability> {
    const advisor = await scope.myAdvisor();
    if (!advisor) throw forbidden('You have no advisor profile');
    return toWeekly(await this.rows(scope.em, advisor.id));
  }

  /** Replaces the advisor's weekly hours; an empty list makes them bookable at any time again. */
  async setWeekly(actor: PersonActor, input: { timeZone?: string | null; hours: WeeklySpan[] }): Promise<WeeklyAvailability> {
    const spans = validateSpans(input.hours);
    if (input.timeZone && !isTimeZone(input.timeZone)) throw badInput('timeZone', 'must be an IANA time zone such as Europe/Berlin');
    return this.deps.em().transactional(async (em) => {
      // The advisor row's lock orders concurrent replacements of the same hours.
      const advisor = await em.findOne(Advisor, { user: actor.id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!advisor || advisor.approvalStatus !== ApprovalStatus.APPROVED) throw forbidden('Only an approved advisor can do this');
      const timeZone = input.timeZone || advisor.timezone || 'UTC';
      await em.nativeDelete(AdvisorWeeklyHours, { advisor: advisor.id });
      const rows = spans.map((s) => new AdvisorWeeklyHours(advisor, s.weekday, `${s.start}:00`, `${s.end}:00`, timeZone));
      em.persist(rows);
      await em.flush();
      return toWeekly(rows);
    });
  }

  async slots(advisorId: string, from: Date, to: Date, durationMinutes: number): Promise<Availability> {
    assertUuid(advisorId, 'advisorId');
    if (!isDuration(durationMinutes)) throw badInput('durationMinutes', 'must be 15, 30 or 60');
    if (Number.isNaN(from.getTime())) throw badInput('from', 'is not a valid time');
    if (Number.isNaN(to.getTime())) throw badInput('to', 'is not a valid time');
    if (to <= from) throw badInput('to', 'must be after from');
    if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY) throw badInput('to', `must be at most ${MAX_RANGE_DAYS} days after from`);
    const em = this.deps.em();
    const advisor = await em.findOne(Advisor, { id: advisorId });
    if (!advisor || advisor.approvalStatus !== ApprovalStatus.APPROVED) throw notFound('Advisor');
    const { booking } = this.deps.config;
    const now = Date.now();
    const lo = Math.max(from.getTime(), now + booking.minNoticeMinutes * 60_000);
    const hi = Math.min(to.getTime(), now + booking.horizonDays * DAY);
    const mode = await this.modeOf(em, advisor);
    if (lo >= hi || !advisor.isAcceptingBookings) return { source: mode.source, timeZone: mode.timeZone, starts: [] };
    const duration = durationMinutes * 60_000;
    const offered = await this.offered(mode, advisor, lo, hi, durationMinutes);
    const busy = await liveBookingsBetween(em, advisor.id, new Date(lo), new Date(hi + duration));
    const free = offered.filter((s) => !busy.some((b) => s < b.endTime.getTime() && b.startTime.getTime() < s + duration));
    return { source: mode.source, timeZone: mode.timeZone, starts: free.map((s) => new Date(s)) };
  }

  /**
   * Refuses a start the advisor does not offer (BAD_USER_INPUT, reason OUTSIDE_AVAILABILITY).
   * Overlaps with other bookings are left to the booking's exclusion constraint (CONFLICT,
   * SLOT_TAKEN). The booking has checked the advisor (approved, accepting bookings) before asking.
   */
  async assertBookable(req: StartTimeRequest): Promise<void> {
    const em = this.deps.em();
    const { advisor } = req;
    const mode = await this.modeOf(em, advisor, req.weeklyHours);
    // A booking already made in Cal.com was offered by Cal.com (and now takes the slot there).
    if (mode.source === AvailabilitySource.ANY_TIME || (mode.source === AvailabilitySource.CALCOM && req.calBookingId)) return;
    const start = req.startTime.getTime();
    const offered = await this.offered(mode, advisor, start, start + 1, req.durationMinutes);
    if (!offered.includes(start)) throw outsideAvailability();
  }

  private async rows(em: EntityManager, advisorId: string): Promise<AdvisorWeeklyHours[]> {
    return em.find(AdvisorWeeklyHours, { advisor: advisorId }, { orderBy: { weekday: 'asc', startTime: 'asc' } });
  }

  /** `preloaded`: the advisor's weekly hours as the caller already read them (in weekday and start order). */
  private async modeOf(em: EntityManager, advisor: Advisor, preloaded?: readonly WeeklySpanRow[]) {
    if (this.deps.calcom.enabled && eventTypeOf(advisor.calComEventTypeUrl)) {
      return { source: AvailabilitySource.CALCOM, timeZone: null, rows: [] as readonly WeeklySpanRow[] };
    }
    const rows: readonly WeeklySpanRow[] = preloaded ?? (await this.rows(em, advisor.id));
    if (rows.length) return { source: AvailabilitySource.WEEKLY_HOURS, timeZone: rows[0]!.timeZone, rows };
    return { source: AvailabilitySource.ANY_TIME, timeZone: null, rows };
  }

  /** Starts s with lo <= s < hi the source offers, before bookings are taken out. */
  private async offered(
    mode: { source: AvailabilitySource; rows: readonly WeeklySpanRow[] },
    advisor: Advisor,
    lo: number,
    hi: number,
    durationMinutes: number,
  ): Promise<number[]> {
    const step = SLOT_STEP_MINUTES * 60_000;
    if (mode.source === AvailabilitySource.ANY_TIME) {
      const out: number[] = [];
      for (let s = Math.ceil(lo / step) * step; s < hi; s += step) out.push(s);
      return out;
    }
    if (mode.source === AvailabilitySource.WEEKLY_HOURS) return weeklyStarts(mode.rows, lo, hi, durationMinutes);
    try {
      const starts = await this.deps.calcom.starts(eventTypeOf(advisor.calComEventTypeUrl)!, new Date(lo), new Date(hi), durationMinutes);
      return starts.filter((s) => s >= lo && s < hi);
    } catch (err) {
      if (!(err instanceof CalcomSlotsError)) throw err;
      throw new DomainError('CONFLICT', 'Cal.com could not be asked for this advisor’s free times; please try again', {
        reason: 'AVAILABILITY_UNKNOWN',
      });
    }
  }
}

function toWeekly(rows: AdvisorWeeklyHours[]): WeeklyAvailability {
  return {
    timeZone: rows[0]?.timeZone ?? null,
    hours: rows.map((r) => ({ weekday: r.weekday, start: hhmm(r.startTime), end: hhmm(r.endTime) })),
  };
}

function validateSpans(hours: WeeklySpan[]): WeeklySpan[] {
  if (hours.length > MAX_SPANS) throw badInput('hours', `must have at most ${MAX_SPANS} spans`);
  hours.forEach((h, i) => {
    if (!Number.isInteger(h.weekday) || h.weekday < 1 || h.weekday > 7) {
      throw badInput(`hours.${i}.weekday`, 'must be 1 (Monday) to 7 (Sunday)');
    }
    if (!HHMM.test(h.start) || h.start === '24:00') throw badInput(`hours.${i}.start`, 'must be a local time HH:MM');
    if (!HHMM.test(h.end)) throw badInput(`hours.${i}.end`, 'must be a local time HH:MM (24:00 for the end of the day)');
    if (minutes(h.end) <= minutes(h.start)) throw badInput(`hours.${i}.end`, 'must be after start');
  });
  const sorted = [...hours].sort((a, b) => a.weekday - b.weekday || minutes(a.start) - minutes(b.start));
  for (let i = 1; i < sorted.length; i++) {
    const [a, b] = [sorted[i - 1]!, sorted[i]!];
    if (a.weekday === b.weekday && minutes(b.start) < minutes(a.end)) {
      throw badInput('hours', `spans overlap on weekday ${a.weekday} (${a.start}-${a.end} and ${b.start}-${b.end})`);
    }
  }
  return sorted;
}

/**
 * The starts within weekly hours: each span placed on each local date in the zone (so 09:00 stays
 * 09:00 across a daylight-saving change), touching spans merged, starts every SLOT_STEP_MINUTES
 * from a span's start while the whole consultation fits.
 */
export function weeklyStarts(rows: readonly WeeklySpanRow[], lo: number, hi: number, durationMinutes: number): number[] {
  if (!rows.length) return [];
  const tz = rows[0]!.timeZone;
  const first = toLocal(lo - DAY, tz);
  const last = toLocal(hi + DAY, tz);
  const spans: [number, number][] = [];
  for (let d = Date.UTC(first.year, first.month - 1, first.day); d <= Date.UTC(last.year, last.month - 1, last.day); d += DAY) {
    const date = new Date(d);
    const weekday = ((date.getUTCDay() + 6) % 7) + 1;
    const [y, m, day] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
    for (const r of rows) {
      if (r.weekday !== weekday) continue;
      spans.push([fromLocal(y, m, day, minutes(r.startTime), tz), fromLocal(y, m, day, minutes(r.endTime), tz)]);
    }
  }
  spans.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const s of spans) {
    const prev = merged.at(-1);
    if (prev && s[0] <= prev[1]) prev[1] = Math.max(prev[1], s[1]);
    else merged.push([s[0], s[1]]);
  }
  const step = SLOT_STEP_MINUTES * 60_000;
  const duration = durationMinutes * 60_000;
  const out: number[] = [];
  for (const [s, e] of merged) {
    for (let x = s; x + duration <= e; x += step) if (x >= lo && x < hi) out.push(x);
  }
  return out;
}
