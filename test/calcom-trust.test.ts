import { BookConsultationDocument, CancelConsultationDocument, GetConsultationDocument, WebhookEventsDocument } from './generated/graphql';
import { startTestApp, type TestApp, type TestUser } from './helpers/app';
import { expectOk, HOUR, inFuture, makeAdvisor, MINUTE, moveConsultation, sql, type AdvisorFixture } from './helpers/fixtures';
import { cal, postCalcom, snapshotRows } from './helpers/webhooks';

/**
 * A signed Cal.com event is only as trustworthy as the booking it is about: its metadata can be
 * set by whoever books on Cal.com, so it may name any consultation. Events act on a consultation
 * only through the booking uid linked to it; BOOKING_CREATED links a new uid only when the
 * booking's organizer is the consultation's advisor and its times are the consultation's.
 */
let t: TestApp;
let admin: TestUser;

beforeAll(async () => {
  t = await startTestApp();
  admin = await t.user({ roles: ['admin'] });
});
afterAll(() => t.close());

interface Booked {
  id: string;
  start: Date;
  advisor: AdvisorFixture;
  client: TestUser;
}

async function booked(startsIn = 5 * 24 * HOUR): Promise<Booked> {
  const advisor = await makeAdvisor(t, admin);
  const client = await t.user({ givenName: 'Cleo' });
  const start = inFuture(startsIn);
  const r = expectOk(
    await t.gql(
      BookConsultationDocument,
      { input: { advisorId: advisor.advisorId, durationMinutes: 30, startTime: start.toISOString(), paymentMethodId: 'pm_card_visa' } },
      client.token,
    ),
  );
  return { id: r.bookConsultation.consultation.id, start, advisor, client };
}

/** The admin's view of the Cal.com events of one trigger about one booking uid, newest first. */
async function calEvents(trigger: string, uid: string) {
  const mine = await sql<{ id: string }>(
    t,
    `select id from processed_webhook_events where provider = 'calcom' and event_type = ?
       and ? in (coalesce(payload->'payload'->>'uid', payload->>'uid'), payload->'payload'->>'rescheduleUid', payload->'payload'->>'bookingUid')`,
    [trigger, uid],
  );
  const ids = new Set(mine.map((r) => r.id));
  const conn = expectOk(await t.gql(WebhookEventsDocument, { first: 100 }, admin.token)).webhookEvents;
  return conn.edges.map((e) => e.node).filter((e) => ids.has(e.id));
}

const created = (b: Booked, o: { uid: string; organizer?: string; start?: Date; minutes?: number }) =>
  cal.created({
    uid: o.uid,
    consultationId: b.id,
    start: o.start ?? b.start,
    minutes: o.minutes ?? 30,
    organizer: o.organizer ?? b.advisor.user.email,
    attendee: b.client.email,
  });

describe('Cal.com events about bookings that are not linked to the consultation they name', () => {
  it('a MEETING_ENDED about an unknown booking uid naming a consultation five days ahead is IGNORED and changes nothing', async () => {
    const b = await booked();
    const before = await snapshotRows(t, b.id);
    const forged = {
      ...cal.meeting('MEETING_ENDED', { uid: 'uid-never-seen', start: b.start, minutes: 30 }),
      metadata: { consultationId: b.id },
    };
    expect((await postCalcom(t, forged)).status).toBe(200);

    const [event] = await calEvents('MEETING_ENDED', 'uid-never-seen');
    expect(event).toMatchObject({ status: 'IGNORED' });
    expect(event!.ignoredReason).toMatch(/not linked/);
    expect(await snapshotRows(t, b.id)).toEqual(before);
    expect((await snapshotRows(t, b.id)).ledger).toEqual([]);
    const c = expectOk(await t.gql(GetConsultationDocument, { id: b.id }, b.client.token)).consultation;
    expect(c).toMatchObject({ status: 'SCHEDULED', calBookingId: null });
    // The client can still cancel, and five days ahead gets everything back.
    const cancelled = expectOk(await t.gql(CancelConsultationDocument, { id: b.id }, b.client.token)).cancelConsultation;
    expect(cancelled.status).toBe('CANCELLED');
    expect((await snapshotRows(t, b.id)).charge).toMatchObject({ status: 'refunded', refunded_cents: 1900 });
  });

  it('MEETING_STARTED, BOOKING_CANCELLED, BOOKING_RESCHEDULED and no-shows about an unknown uid change nothing either', async () => {
    const b = await booked();
    await moveConsultation(t, b.id, new Date(Date.now() - 10 * MINUTE));
    const [moved] = await sql<{ start_time: Date }>(t, 'select start_time from consultations where id = ?', [b.id]);
    const start = new Date(moved!.start_time);
    const before = await snapshotRows(t, b.id);
    const uid = 'uid-stranger';
    // Each names the consultation in its metadata, as anyone booking on Cal.com can.
    const named = <T extends object>(body: T): T =>
      'payload' in body
        ? { ...body, payload: { ...(body.payload as object), metadata: { consultationId: b.id } } }
        : { ...body, metadata: { consultationId: b.id } };
    const bodies = [
      cal.meeting('MEETING_STARTED', { uid, start, minutes: 30 }),
      cal.rescheduled({
        uid: `${uid}-2`,
        oldUid: uid,
        start: inFuture(9 * 24 * HOUR),
        minutes: 30,
        organizer: b.advisor.user.email,
        attendee: b.client.email,
      }),
      cal.noShow({ uid, attendee: b.client.email, noShow: true }),
      cal.cancelled({ uid, start, minutes: 30, organizer: b.advisor.user.email, attendee: b.client.email, cancelledBy: b.client.email }),
    ];
    for (const body of bodies) expect((await postCalcom(t, named(body))).status).toBe(200);
    for (const trigger of ['MEETING_STARTED', 'BOOKING_RESCHEDULED', 'BOOKING_NO_SHOW_UPDATED', 'BOOKING_CANCELLED']) {
      expect((await calEvents(trigger, uid)).map((e) => e.status)).toEqual(['IGNORED']);
    }
    expect(await snapshotRows(t, b.id)).toEqual(before);
  });
});

describe('BOOKING_CREATED links a booking only to a consultation of its organizer, at its times', () => {
  it.each([
    ['another advisor organizes the booking', (b: Booked, other: AdvisorFixture) => ({ organizer: other.user.email }), /organizer/],
    ['the booking starts at another time', (b: Booked) => ({ start: new Date(b.start.getTime() + HOUR) }), /times/],
    ['the booking ends at another time', () => ({ minutes: 60 }), /times/],
  ])('ignores it when %s: nothing linked, later events about the booking change nothing', async (_name, change, reason) => {
    const b = await booked();
    const other = await makeAdvisor(t, admin);
    const uid = `uid-${b.id}`;
    const before = await snapshotRows(t, b.id);
    expect((await postCalcom(t, created(b, { uid, ...change(b, other) }))).status).toBe(200);

    const [event] = (await calEvents('BOOKING_CREATED', uid)).filter((e) => e.status === 'IGNORED');
    expect(event!.ignoredReason).toMatch(reason);
    const [row] = await sql(t, 'select cal_booking_id, video_url, start_time, end_time from consultations where id = ?', [b.id]);
    expect(row).toMatchObject({ cal_booking_id: null, video_url: null });
    expect(new Date((row as { start_time: string }).start_time).toISOString()).toBe(b.start.toISOString());

    await moveConsultation(t, b.id, new Date(Date.now() - 40 * MINUTE));
    const after = await snapshotRows(t, b.id);
    await postCalcom(t, cal.meeting('MEETING_ENDED', { uid, start: b.start, minutes: 30 }));
    expect(await snapshotRows(t, b.id)).toEqual(after);
    expect(after).toEqual(before);
  });

  it('links it when the organizer is the advisor (any letter case) and the times are the consultation’s', async () => {
    const b = await booked();
    const uid = `uid-${b.id}`;
    expect((await postCalcom(t, created(b, { uid, organizer: b.advisor.user.email.toUpperCase() }))).status).toBe(200);
    const c = expectOk(await t.gql(GetConsultationDocument, { id: b.id }, b.client.token)).consultation;
    expect(c).toMatchObject({ calBookingId: uid, videoUrl: `https://app.cal.com/video/${uid}` });
  });

  it('does not move a consultation already linked to another booking', async () => {
    const b = await booked();
    await postCalcom(t, created(b, { uid: `uid-${b.id}` }));
    expect((await postCalcom(t, created(b, { uid: `uid-${b.id}-other` }))).status).toBe(200);
    const [event] = await calEvents('BOOKING_CREATED', `uid-${b.id}-other`);
    expect(event).toMatchObject({ status: 'IGNORED' });
    expect(event!.ignoredReason).toMatch(/another booking/);
    const c = expectOk(await t.gql(GetConsultationDocument, { id: b.id }, b.client.token)).consultation;
    expect(c).toMatchObject({ calBookingId: `uid-${b.id}` });
  });
});

describe('meetings happen at the consultation’s time', () => {
  it('MEETING_ENDED before the start never completes; MEETING_STARTED long before the start never starts', async () => {
    const b = await booked(3 * HOUR);
    const uid = `uid-${b.id}`;
    await postCalcom(t, created(b, { uid }));
    const before = await snapshotRows(t, b.id);
    await postCalcom(t, cal.meeting('MEETING_STARTED', { uid, start: b.start, minutes: 30 }));
    await postCalcom(t, cal.meeting('MEETING_ENDED', { uid, start: b.start, minutes: 30 }));
    expect(await snapshotRows(t, b.id)).toEqual(before);
    expect((await calEvents('MEETING_STARTED', uid))[0]!.ignoredReason).toMatch(/before/);
    expect((await calEvents('MEETING_ENDED', uid))[0]!.ignoredReason).toMatch(/before/);

    // Ten minutes ahead is joining early: it starts, but it cannot end before its start.
    await moveConsultation(t, b.id, new Date(Date.now() + 10 * MINUTE));
    await postCalcom(t, { ...cal.meeting('MEETING_STARTED', { uid, start: b.start, minutes: 30 }), createdAt: new Date().toISOString() });
    await postCalcom(t, { ...cal.meeting('MEETING_ENDED', { uid, start: b.start, minutes: 30 }), createdAt: new Date().toISOString() });
    expect((await snapshotRows(t, b.id)).consultation).toMatchObject({ status: 'in_progress' });
    expect((await snapshotRows(t, b.id)).ledger).toEqual([]);

    // Once it has begun, it ends; the earning accrues.
    await moveConsultation(t, b.id, new Date(Date.now() - 31 * MINUTE));
    await postCalcom(t, {
      ...cal.meeting('MEETING_ENDED', { uid, start: b.start, minutes: 30 }),
      createdAt: new Date(Date.now() + 1).toISOString(),
    });
    const rows = await snapshotRows(t, b.id);
    expect(rows.consultation).toMatchObject({ status: 'completed' });
    expect(rows.ledger).toEqual([{ kind: 'earning', amount_cents: 1330 }]);
  });
});
