import {
  AdvisorAvailabilityDocument,
  BookConsultationDocument,
  MyWeeklyAvailabilityDocument,
  SetWeeklyAvailabilityDocument,
} from './generated/graphql';
import { codeOf, startTestApp, type GqlResult, type TestApp, type TestUser } from './helpers/app';
import { startFakeCalcom, wallClock, type FakeCalcom } from './helpers/fake-calcom';
import { expectOk, HOUR, MINUTE, makeAdvisor, type AdvisorFixture } from './helpers/fixtures';

const DAY = 24 * HOUR;
const API_KEY = 'cal_test_availability';

let t: TestApp;
let cal: FakeCalcom;
let admin: TestUser;
let client: TestUser;

beforeAll(async () => {
  cal = await startFakeCalcom(API_KEY);
  // A horizon long enough to reach the next daylight-saving change from any date.
  t = await startTestApp({ CALCOM_API_KEY: API_KEY, CALCOM_API_BASE: cal.url, BOOKING_HORIZON_DAYS: '400' });
  admin = await t.user({ roles: ['admin'] });
  client = await t.user({ givenName: 'Cleo' });
});
afterAll(async () => {
  await t.close();
  await cal.close();
});

/** Local wall-clock "HH:MM" and date of an instant in a zone. */
const local = (iso: string | number, timeZone: string) => wallClock(typeof iso === 'number' ? iso : Date.parse(iso), timeZone);

/** The first instant (to the hour) after `from` at which the zone's UTC offset changes. */
function nextOffsetChange(timeZone: string, from: number): number {
  const offset = (ms: number) => {
    const l = local(ms, timeZone);
    return Date.parse(`${l.date}T${l.time}:00Z`) - (ms - (ms % MINUTE));
  };
  const start = from - (from % HOUR);
  for (let ms = start; ms < start + 400 * DAY; ms += HOUR) if (offset(ms + HOUR) !== offset(ms)) return ms + HOUR;
  throw new Error(`no offset change in ${timeZone}`);
}

const availability = (advisorId: string, from: number, to: number, durationMinutes = 60) =>
  t.gql(AdvisorAvailabilityDocument, {
    advisorId,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    durationMinutes,
  });

const book = (advisorId: string, start: number | string, opts: { durationMinutes?: number; pay?: boolean } = {}) =>
  t.gql(
    BookConsultationDocument,
    {
      input: {
        advisorId,
        durationMinutes: opts.durationMinutes ?? 60,
        startTime: new Date(start).toISOString(),
        paymentMethodId: opts.pay === false ? null : 'pm_card_visa',
      },
    },
    client.token,
  );

const reasonOf = (r: GqlResult<unknown>) => r.errors?.[0]?.extensions?.reason;
const fieldsOf = (r: GqlResult<unknown>) => r.errors?.[0]?.extensions?.fields;

const everyDay = (start: string, end: string) => [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start, end }));

describe('weekly hours', () => {
  let advisor: AdvisorFixture;

  beforeAll(async () => {
    advisor = await makeAdvisor(t, admin);
  });

  it('keeps 09:00 local across a daylight-saving change, and bookings follow it', async () => {
    const tz = 'America/New_York';
    const set = expectOk(
      await t.gql(SetWeeklyAvailabilityDocument, { input: { timeZone: tz, hours: everyDay('09:00', '11:00') } }, advisor.user.token),
    );
    expect(set.setWeeklyAvailability.timeZone).toBe(tz);
    expect(set.setWeeklyAvailability.hours).toHaveLength(7);
    const mine = expectOk(await t.gql(MyWeeklyAvailabilityDocument, {}, advisor.user.token)).myWeeklyAvailability;
    expect(mine.hours[0]).toEqual({ weekday: 1, start: '09:00', end: '11:00' });

    const change = nextOffsetChange(tz, Date.now() + 2 * DAY);
    const a = expectOk(await availability(advisor.advisorId, change - 3 * DAY, change + 3 * DAY)).advisorAvailability;
    expect(a).toMatchObject({ source: 'WEEKLY_HOURS', timeZone: tz, durationMinutes: 60 });
    // 60 minutes within 09:00-11:00 every 15 minutes: 09:00 ... 10:00, five starts a day, on six days.
    const byDate = new Map<string, string[]>();
    for (const s of a.slots) {
      const l = local(s, tz);
      byDate.set(l.date, [...(byDate.get(l.date) ?? []), l.time]);
    }
    expect(byDate.size).toBe(6);
    for (const times of byDate.values()) expect(times).toEqual(['09:00', '09:15', '09:30', '09:45', '10:00']);
    // The same local hour is a different UTC hour on either side of the change.
    const nineUtc = a.slots.filter((s) => local(s, tz).time === '09:00').map((s) => new Date(s).getUTCHours());
    const before = nineUtc[0]!;
    const after = nineUtc.at(-1)!;
    expect(Math.abs(before - after)).toBe(1);
    expect(nineUtc.filter((h) => h === before)).toHaveLength(3);

    // Booking the day after the change: 09:00 local is offered; 08:00 and 09:07 are not.
    const nineAfter = a.slots.filter((s) => local(s, tz).time === '09:00').at(-1)!;
    expect(codeOf(await book(advisor.advisorId, Date.parse(nineAfter) - HOUR))).toBe('BAD_USER_INPUT');
    const offGrid = await book(advisor.advisorId, Date.parse(nineAfter) + 7 * MINUTE);
    expect(codeOf(offGrid)).toBe('BAD_USER_INPUT');
    expect(reasonOf(offGrid)).toBe('OUTSIDE_AVAILABILITY');
    expect(fieldsOf(offGrid)).toEqual([{ field: 'startTime', message: expect.stringContaining('outside the advisor') }]);
    const booked = expectOk(await book(advisor.advisorId, nineAfter)).bookConsultation.consultation;
    expect(booked).toMatchObject({ status: 'SCHEDULED', startTime: new Date(nineAfter).toISOString() });
    // A start that ends past 11:00 local is outside too.
    const tooLate = await book(advisor.advisorId, Date.parse(nineAfter) + 90 * MINUTE - 2 * DAY);
    expect(reasonOf(tooLate)).toBe('OUTSIDE_AVAILABILITY');
  });

  it('takes out a hold’s slot; booking it again is CONFLICT SLOT_TAKEN', async () => {
    const other = await makeAdvisor(t, admin);
    expectOk(
      await t.gql(
        SetWeeklyAvailabilityDocument,
        { input: { timeZone: 'Europe/Berlin', hours: everyDay('10:00', '12:00') } },
        other.user.token,
      ),
    );
    const from = Date.now() + 3 * DAY;
    const to = from + DAY;
    const before = expectOk(await availability(other.advisorId, from, to, 30)).advisorAvailability.slots;
    expect(before).toHaveLength(7); // 10:00 ... 11:30
    const ten = before[0]!;
    // A hold (no payment method: PENDING_PAYMENT) takes 10:00-10:30.
    const hold = expectOk(await book(other.advisorId, ten, { durationMinutes: 30, pay: false })).bookConsultation.consultation;
    expect(hold.status).toBe('PENDING_PAYMENT');
    const after = expectOk(await availability(other.advisorId, from, to, 30)).advisorAvailability.slots;
    expect(after).toEqual(before.filter((s) => Date.parse(s) >= Date.parse(ten) + 30 * MINUTE));
    // The held slot is refused as taken, not as outside the hours.
    const clash = await book(other.advisorId, ten, { durationMinutes: 30 });
    expect(codeOf(clash)).toBe('CONFLICT');
    expect(clash.errors?.[0]?.extensions?.reason).toBe('SLOT_TAKEN');
  });

  it('leaves an advisor with no weekly hours bookable at any time within the notice and the horizon', async () => {
    const free = await makeAdvisor(t, admin);
    const from = Date.now() + 5 * DAY;
    const a = expectOk(await availability(free.advisorId, from, from + DAY, 15)).advisorAvailability;
    expect(a.source).toBe('ANY_TIME');
    expect(a.slots).toHaveLength(96);
    const odd = new Date(from + 7 * MINUTE);
    odd.setUTCSeconds(0, 0);
    expect(expectOk(await book(free.advisorId, odd.getTime(), { durationMinutes: 15 })).bookConsultation.consultation.status).toBe(
      'SCHEDULED',
    );
    // Within the notice: nothing offered.
    const soon = expectOk(await availability(free.advisorId, Date.now(), Date.now() + HOUR, 15)).advisorAvailability;
    expect(soon.slots).toEqual([]);
    // Clearing weekly hours makes an advisor bookable at any time again.
    expectOk(await t.gql(SetWeeklyAvailabilityDocument, { input: { hours: [] } }, free.user.token));
    expect(expectOk(await availability(free.advisorId, from, from + HOUR, 15)).advisorAvailability.source).toBe('ANY_TIME');
  });

  it('refuses bad input clearly', async () => {
    const from = Date.now() + DAY;
    const long = await availability(advisor.advisorId, from, from + 32 * DAY);
    expect(codeOf(long)).toBe('BAD_USER_INPUT');
    expect(fieldsOf(long)).toEqual([{ field: 'to', message: 'must be at most 31 days after from' }]);
    expect(codeOf(await availability(advisor.advisorId, from, from - HOUR))).toBe('BAD_USER_INPUT');
    expect(codeOf(await availability(advisor.advisorId, from, from + HOUR, 45))).toBe('BAD_USER_INPUT');
    expect(codeOf(await availability('00000000-0000-4000-8000-000000000000', from, from + HOUR))).toBe('NOT_FOUND');

    const set = (input: object, token = advisor.user.token) => t.gql(SetWeeklyAvailabilityDocument, { input } as never, token);
    expect(codeOf(await set({ hours: everyDay('09:00', '10:00') }, client.token))).toBe('FORBIDDEN');
    const overlap = await set({
      hours: [
        { weekday: 1, start: '09:00', end: '12:00' },
        { weekday: 1, start: '11:00', end: '13:00' },
      ],
    });
    expect(codeOf(overlap)).toBe('BAD_USER_INPUT');
    expect(codeOf(await set({ hours: [{ weekday: 1, start: '12:00', end: '09:00' }] }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await set({ timeZone: 'Mars/Olympus', hours: [] }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await set({ hours: [{ weekday: 8, start: '09:00', end: '10:00' }] }))).toBe('BAD_USER_INPUT');
  });
});

describe('Cal.com slots', () => {
  it('offers Cal.com’s free starts minus our bookings, and refuses a start Cal.com does not offer', async () => {
    const advisor = await makeAdvisor(t, admin, { input: { calComEventTypeUrl: 'https://cal.com/ada-test/consultation' } });
    // Cal.com mode wins over weekly hours kept here.
    expectOk(await t.gql(SetWeeklyAvailabilityDocument, { input: { hours: everyDay('00:00', '01:00') } }, advisor.user.token));
    const day = Date.now() + 4 * DAY;
    const base = day - (day % HOUR);
    const offered = [base, base + HOUR, base + 2 * HOUR].map((ms) => new Date(ms).toISOString());
    cal.slots.set('ada-test/consultation', offered);
    cal.requests.length = 0;

    const a = expectOk(await availability(advisor.advisorId, base - HOUR, base + 5 * HOUR, 30)).advisorAvailability;
    expect(a).toMatchObject({ source: 'CALCOM', timeZone: null, slots: offered });
    const [req] = cal.requests;
    expect(req).toMatchObject({ path: '/v2/slots', auth: `Bearer ${API_KEY}`, version: '2024-09-04' });
    expect(req!.query).toMatchObject({ eventTypeSlug: 'consultation', username: 'ada-test', duration: '30', timeZone: 'UTC' });

    const refused = await book(advisor.advisorId, base + 30 * MINUTE, { durationMinutes: 30 });
    expect(reasonOf(refused)).toBe('OUTSIDE_AVAILABILITY');
    expectOk(await book(advisor.advisorId, offered[1]!, { durationMinutes: 30 }));
    // Cal.com still offers it (the client has not booked there yet); our booking takes it out.
    const after = expectOk(await availability(advisor.advisorId, base - HOUR, base + 5 * HOUR, 30)).advisorAvailability;
    expect(after.slots).toEqual([offered[0], offered[2]]);

    // Cal.com unreachable: a clear, stable refusal rather than a guess.
    cal.failNext(503);
    const down = await availability(advisor.advisorId, base - HOUR, base + 5 * HOUR, 30);
    expect(codeOf(down)).toBe('CONFLICT');
    expect(reasonOf(down)).toBe('AVAILABILITY_UNKNOWN');
  });
});
