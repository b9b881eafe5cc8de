import Stripe from 'stripe';
import {
  BookConsultationDocument,
  CancelConsultationDocument,
  CompleteConsultationDocument,
  GetConsultationDocument,
  RetryWebhookEventDocument,
  WebhookEventsDocument,
} from './generated/graphql';
import { codeOf, startTestApp, type TestApp, type TestUser } from './helpers/app';
import { expectOk, HOUR, inFuture, makeAdvisor, MINUTE, moveConsultation, sql, waitFor, type AdvisorFixture } from './helpers/fixtures';
import { signCalcomBody } from '../src/modules/webhooks/calcom';
import { cal, postCalcom, snapshotRows, waitForWebhooks } from './helpers/webhooks';

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
  advisorEmail: string;
}

/** `startedAgo` books ahead, as the API requires, then moves the consultation to that long ago. */
async function booked(opts: { startsIn?: number; pay?: boolean; minutes?: number; startedAgo?: number } = {}): Promise<Booked> {
  const advisor = await makeAdvisor(t, admin);
  const client = await t.user({ givenName: 'Cleo' });
  const start = inFuture(opts.startsIn ?? 48 * HOUR);
  const r = expectOk(
    await t.gql(
      BookConsultationDocument,
      {
        input: {
          advisorId: advisor.advisorId,
          durationMinutes: opts.minutes ?? 30,
          startTime: start.toISOString(),
          paymentMethodId: opts.pay === false ? null : 'pm_card_visa',
        },
      },
      client.token,
    ),
  );
  const id = r.bookConsultation.consultation.id;
  if (opts.startedAgo === undefined) return { id, start, advisor, client, advisorEmail: advisor.user.email };
  const past = inFuture(-opts.startedAgo);
  await moveConsultation(t, id, past);
  return { id, start: past, advisor, client, advisorEmail: advisor.user.email };
}

const status = async (b: Booked) => expectOk(await t.gql(GetConsultationDocument, { id: b.id }, b.client.token)).consultation!.status;
const events = (type: string) => sql<{ status: string }>(t, 'select status from processed_webhook_events where event_type = ?', [type]);

describe('Cal.com webhook: verification and bad input', () => {
  it('answers 401 with no effect for a missing, wrong or tampered signature', async () => {
    const b = await booked();
    const body = cal.created({
      uid: 'uid-sig',
      consultationId: b.id,
      start: b.start,
      minutes: 30,
      organizer: b.advisorEmail,
      attendee: b.client.email,
    });
    expect((await postCalcom(t, body, { signature: null })).status).toBe(401);
    expect((await postCalcom(t, body, { secret: 'not-the-secret' })).status).toBe(401);
    const raw = JSON.stringify(body);
    const signature = signCalcomBody(raw, t.config.calcom.webhookSecret);
    expect((await postCalcom(t, null, { raw: raw.replace('uid-sig', 'uid-evil'), signature })).status).toBe(401);
    const [row] = await sql(t, 'select cal_booking_id from consultations where id = ?', [b.id]);
    expect(row).toEqual({ cal_booking_id: null });
    expect(await sql(t, "select 1 from processed_webhook_events where provider = 'calcom'")).toEqual([]);
  });

  it('answers 4xx for malformed JSON, other content types, non-Cal.com bodies and oversized bodies', async () => {
    expect((await postCalcom(t, null, { raw: '{"triggerEvent": ' })).status).toBe(400);
    expect((await postCalcom(t, { hello: 'world' })).status).toBe(400);
    expect((await postCalcom(t, { triggerEvent: 'BOOKING_CREATED' }, { contentType: 'text/plain' })).status).toBe(415);
    expect((await postCalcom(t, { triggerEvent: 'X', padding: 'x'.repeat(300 * 1024) })).status).toBe(413);
    const health = await fetch(`${t.url}/healthz`);
    expect(health.status).toBe(200);
  });

  it('answers 2xx to triggers it does not handle, and ignores them', async () => {
    const r = await postCalcom(t, { triggerEvent: 'FORM_SUBMITTED', createdAt: new Date().toISOString(), payload: { formId: 'f' } });
    expect(r.status).toBe(200);
    expect(await events('FORM_SUBMITTED')).toEqual([{ status: 'ignored' }]);
  });
});

describe('Cal.com webhook: booking lifecycle', () => {
  it('BOOKING_CREATED links the booking and its video URL; a second delivery changes nothing', async () => {
    const b = await booked();
    const body = cal.created({
      uid: `uid-${b.id}`,
      consultationId: b.id,
      start: b.start,
      minutes: 30,
      organizer: b.advisorEmail,
      attendee: b.client.email,
    });
    expect(await postCalcom(t, body)).toEqual({ status: 200, json: { received: true, duplicate: false } });
    const before = await snapshotRows(t, b.id);
    const c = expectOk(await t.gql(GetConsultationDocument, { id: b.id }, b.client.token)).consultation;
    expect(c).toMatchObject({ calBookingId: `uid-${b.id}`, videoUrl: `https://app.cal.com/video/uid-${b.id}` });
    expect(await postCalcom(t, body)).toEqual({ status: 200, json: { received: true, duplicate: true } });
    expect(await snapshotRows(t, b.id)).toEqual(before);
  });

  it.each([
    ['the client, more than 24 h ahead: full refund', 48 * HOUR, 'attendee', 'refunded', 1900, []],
    [
      'the client, 24 h or less ahead: no refund, the advisor keeps the earning',
      20 * HOUR,
      'attendee',
      'succeeded',
      0,
      [{ kind: 'earning', amount_cents: 1330 }],
    ],
    ['the advisor: full refund', 20 * HOUR, 'organizer', 'refunded', 1900, []],
  ])('BOOKING_CANCELLED by %s, once however often delivered', async (_n, startsIn, who, chargeStatus, refunded, ledger) => {
    const b = await booked({ startsIn });
    const uid = `uid-${b.id}`;
    await postCalcom(
      t,
      cal.created({ uid, consultationId: b.id, start: b.start, minutes: 30, organizer: b.advisorEmail, attendee: b.client.email }),
    );
    const cancel = cal.cancelled({
      uid,
      start: b.start,
      minutes: 30,
      organizer: b.advisorEmail,
      attendee: b.client.email,
      cancelledBy: who === 'organizer' ? b.advisorEmail : b.client.email,
    });
    for (let i = 0; i < 3; i++) expect((await postCalcom(t, cancel)).status).toBe(200);
    const rows = await snapshotRows(t, b.id);
    expect(rows.consultation).toMatchObject({ status: 'cancelled' });
    expect(rows.charge).toMatchObject({ status: chargeStatus, refunded_cents: refunded });
    expect(rows.refunds).toHaveLength(refunded ? 1 : 0);
    expect(rows.ledger).toEqual(ledger);
  });

  it('never resurrects a booking whose cancellation arrived before its creation', async () => {
    const inOrder = await booked();
    const outOfOrder = await booked();
    for (const [b, order] of [
      [inOrder, ['created', 'cancelled']],
      [outOfOrder, ['cancelled', 'created']],
    ] as const) {
      const uid = `uid-${b.id}`;
      const bodies = {
        created: cal.created({
          uid,
          consultationId: b.id,
          start: b.start,
          minutes: 30,
          organizer: b.advisorEmail,
          attendee: b.client.email,
        }),
        cancelled: cal.cancelled({
          uid,
          start: b.start,
          minutes: 30,
          organizer: b.advisorEmail,
          attendee: b.client.email,
          cancelledBy: b.client.email,
        }),
      };
      for (const name of order) expect((await postCalcom(t, bodies[name])).status).toBe(200);
    }
    const a = await snapshotRows(t, inOrder.id);
    const z = await snapshotRows(t, outOfOrder.id);
    expect(z.consultation).toMatchObject({ status: 'cancelled', linked: true });
    expect(z).toEqual(a);
  });

  it('BOOKING_RESCHEDULED moves the consultation to the new uid and time with no second payment', async () => {
    const b = await booked();
    const intents = t.stripe.paymentIntents.size;
    const uid = `uid-${b.id}`;
    await postCalcom(
      t,
      cal.created({ uid, consultationId: b.id, start: b.start, minutes: 30, organizer: b.advisorEmail, attendee: b.client.email }),
    );
    const newStart = new Date(b.start.getTime() + 24 * HOUR);
    const body = cal.rescheduled({
      uid: `${uid}-2`,
      oldUid: uid,
      start: newStart,
      minutes: 30,
      organizer: b.advisorEmail,
      attendee: b.client.email,
    });
    await postCalcom(t, body);
    await postCalcom(t, body);
    const c = expectOk(await t.gql(GetConsultationDocument, { id: b.id }, b.client.token)).consultation;
    expect(c).toMatchObject({
      status: 'SCHEDULED',
      calBookingId: `${uid}-2`,
      startTime: newStart.toISOString(),
      paymentStatus: 'SUCCEEDED',
    });
    expect(t.stripe.paymentIntents.size).toBe(intents);
  });

  it('refuses a reschedule onto an overlapping booking: the event is FAILED for admins, and can be retried', async () => {
    const b = await booked();
    const other = await t.user();
    const blockerStart = new Date(b.start.getTime() + 2 * HOUR);
    const blocker = expectOk(
      await t.gql(
        BookConsultationDocument,
        {
          input: {
            advisorId: b.advisor.advisorId,
            durationMinutes: 60,
            startTime: blockerStart.toISOString(),
            paymentMethodId: 'pm_card_visa',
          },
        },
        other.token,
      ),
    ).bookConsultation.consultation;
    const uid = `uid-${b.id}`;
    await postCalcom(
      t,
      cal.created({ uid, consultationId: b.id, start: b.start, minutes: 30, organizer: b.advisorEmail, attendee: b.client.email }),
    );
    const r = await postCalcom(
      t,
      cal.rescheduled({
        uid: `${uid}-2`,
        oldUid: uid,
        start: new Date(blockerStart.getTime() + 15 * MINUTE),
        minutes: 30,
        organizer: b.advisorEmail,
        attendee: b.client.email,
      }),
    );
    expect(r.status).toBe(200);
    const c = expectOk(await t.gql(GetConsultationDocument, { id: b.id }, b.client.token)).consultation;
    expect(c).toMatchObject({ calBookingId: uid, startTime: b.start.toISOString() });

    const failed = expectOk(await t.gql(WebhookEventsDocument, { status: 'FAILED' }, admin.token)).webhookEvents.edges.map((e) => e.node);
    const event = failed.find((e) => e.eventType === 'BOOKING_RESCHEDULED')!;
    expect(event.lastError).toMatch(/overlaps/);
    expect(codeOf(await t.gql(WebhookEventsDocument, {}, b.client.token))).toBe('FORBIDDEN');

    expectOk(await t.gql(CancelConsultationDocument, { id: blocker.id }, other.token));
    const retried = expectOk(await t.gql(RetryWebhookEventDocument, { id: event.id }, admin.token)).retryWebhookEvent;
    expect(retried.status).toBe('PROCESSED');
    const moved = expectOk(await t.gql(GetConsultationDocument, { id: b.id }, b.client.token)).consultation!;
    expect(moved.__typename === 'ClientConsultation' && moved.calBookingId).toBe(`${uid}-2`);
    expect(codeOf(await t.gql(RetryWebhookEventDocument, { id: event.id }, admin.token))).toBe('CONFLICT');
  });

  it('MEETING_STARTED and MEETING_ENDED (flat bodies) move to IN_PROGRESS and COMPLETED, in either order', async () => {
    for (const order of [
      ['MEETING_STARTED', 'MEETING_ENDED'],
      ['MEETING_ENDED', 'MEETING_STARTED'],
    ] as const) {
      const b = await booked({ startedAgo: 40 * MINUTE });
      const uid = `uid-${b.id}`;
      await postCalcom(
        t,
        cal.created({ uid, consultationId: b.id, start: b.start, minutes: 30, organizer: b.advisorEmail, attendee: b.client.email }),
      );
      for (const trigger of order) await postCalcom(t, cal.meeting(trigger, { uid, start: b.start, minutes: 30 }));
      expect(await status(b)).toBe('COMPLETED');
      expect((await snapshotRows(t, b.id)).ledger).toEqual([{ kind: 'earning', amount_cents: 1330 }]);
    }
  });

  it('BOOKING_NO_SHOW_UPDATED marking the client absent makes a started consultation a NO_SHOW', async () => {
    const b = await booked();
    const uid = `uid-${b.id}`;
    await postCalcom(
      t,
      cal.created({ uid, consultationId: b.id, start: b.start, minutes: 30, organizer: b.advisorEmail, attendee: b.client.email }),
    );
    await postCalcom(t, cal.noShow({ uid, attendee: b.client.email, noShow: true }));
    expect(await status(b)).toBe('SCHEDULED'); // not before its start
    await moveConsultation(t, b.id, new Date(Date.now() - 20 * MINUTE));
    await postCalcom(t, {
      ...cal.noShow({ uid, attendee: b.client.email, noShow: true }),
      createdAt: new Date(Date.now() + 1).toISOString(),
    });
    expect(await status(b)).toBe('NO_SHOW');
  });

  it('ends in the same rows whatever order and however often a booking’s events arrive', async () => {
    const permutations = [
      [0, 1, 2, 3],
      [3, 2, 1, 0],
      [1, 0, 3, 2],
      [2, 0, 3, 1],
      [1, 3, 0, 2],
    ];
    const results = [];
    for (const perm of permutations) {
      // Rescheduled to a time that has begun, so that the meeting can have ended.
      const b = await booked({ startedAgo: 6 * HOUR });
      const uid = `uid-${b.id}`;
      const later = new Date(b.start.getTime() + 4 * HOUR);
      const bodies = [
        cal.created({ uid, consultationId: b.id, start: b.start, minutes: 30, organizer: b.advisorEmail, attendee: b.client.email }),
        cal.rescheduled({ uid: `${uid}-2`, oldUid: uid, start: later, minutes: 30, organizer: b.advisorEmail, attendee: b.client.email }),
        cal.meeting('MEETING_STARTED', { uid: `${uid}-2`, start: later, minutes: 30 }),
        cal.meeting('MEETING_ENDED', { uid: `${uid}-2`, start: later, minutes: 30 }),
      ];
      for (const i of [...perm, ...perm]) expect((await postCalcom(t, bodies[i])).status).toBe(200);
      const rows = await snapshotRows(t, b.id);
      const [c] = await sql<{ cal_booking_id: string; start_time: string }>(
        t,
        'select cal_booking_id, start_time from consultations where id = ?',
        [b.id],
      );
      expect({ uid: c!.cal_booking_id, start: new Date(c!.start_time).toISOString() }).toEqual({
        uid: `${uid}-2`,
        start: later.toISOString(),
      });
      results.push(rows);
    }
    for (const r of results.slice(1)) expect(r).toEqual(results[0]);
    expect(results[0]!.consultation).toMatchObject({ status: 'completed' });
    expect(results[0]!.ledger).toEqual([{ kind: 'earning', amount_cents: 1330 }]);
  });
});

describe('Stripe webhook', () => {
  const stripeSdk = () =>
    new Stripe('sk_test_x', { host: '127.0.0.1', port: Number(new URL(t.stripe.url).port), protocol: 'http', maxNetworkRetries: 0 });
  const intentOf = (id: string) => [...t.stripe.paymentIntents.values()].find((p) => p.metadata.consultation_id === id)!;
  // Stripe.js confirms in the browser with a return_url: the intent allows redirect-based methods.
  const RETURN_URL = 'https://app.example.com/payment/return';

  it('payment_intent.succeeded schedules a booking paid in the browser; a redelivery changes nothing', async () => {
    const b = await booked({ pay: false });
    expect(await status(b)).toBe('PENDING_PAYMENT');
    await stripeSdk().paymentIntents.confirm(intentOf(b.id).id, { payment_method: 'pm_card_visa', return_url: RETURN_URL });
    await waitForWebhooks(t);
    await waitFor(async () => (await status(b)) === 'SCHEDULED', 5000, 'SCHEDULED');
    const before = await snapshotRows(t, b.id);
    const event = t.stripe.events.find(
      (e) => e.type === 'payment_intent.succeeded' && (e.data.object as { id: string }).id === intentOf(b.id).id,
    )!;
    const again = await t.stripe.deliver(event);
    await waitForWebhooks(t);
    expect(again.status).toBe(200);
    expect(JSON.parse(again.responseBody!)).toMatchObject({ duplicate: true });
    expect(await snapshotRows(t, b.id)).toEqual(before);
  });

  it('payment_intent.payment_failed frees the slot', async () => {
    const b = await booked({ pay: false });
    await stripeSdk()
      .paymentIntents.confirm(intentOf(b.id).id, { payment_method: 'pm_card_chargeDeclined', return_url: RETURN_URL })
      .catch(() => undefined);
    await waitForWebhooks(t);
    await waitFor(async () => (await status(b)) === 'CANCELLED', 5000, 'CANCELLED');
    const [charge] = await sql(t, 'select status from consultation_charges where consultation_id = ?', [b.id]);
    expect(charge).toEqual({ status: 'failed' });
  });

  it('records a refund made in the dashboard once, however often charge.refunded arrives', async () => {
    const b = await booked();
    t.stripe.refundOutsideApi(intentOf(b.id).id);
    await waitForWebhooks(t);
    const event = t.stripe.events.filter((e) => e.type === 'charge.refunded').at(-1)!;
    await t.stripe.deliver(event);
    await t.stripe.deliver(event);
    await waitForWebhooks(t);
    const rows = await snapshotRows(t, b.id);
    expect(rows.refunds).toEqual([{ amount_cents: 1900 }]);
    expect(rows.charge).toMatchObject({ status: 'refunded', refunded_cents: 1900 });
    expect(rows.consultation).toMatchObject({ status: 'cancelled' });
    const [src] = await sql(
      t,
      'select source from refunds r join consultation_charges cc on cc.id = r.charge_id where cc.consultation_id = ?',
      [b.id],
    );
    expect(src).toEqual({ source: 'stripe_outside' });
  });

  it('a refund seen before its payment success never leaves a scheduled, paid consultation', async () => {
    const rows = [];
    for (const reverse of [false, true]) {
      t.stripe.autoDeliverWebhooks = false;
      const b = await booked({ pay: false });
      const pi = intentOf(b.id).id;
      await stripeSdk().paymentIntents.confirm(pi, { payment_method: 'pm_card_visa', return_url: RETURN_URL });
      t.stripe.refundOutsideApi(pi);
      t.stripe.autoDeliverWebhooks = true;
      const mine = t.stripe.events.filter((e) => {
        const o = e.data.object as { id?: string; payment_intent?: string };
        return o.id === pi || o.payment_intent === pi;
      });
      for (const e of reverse ? [...mine].reverse() : mine) {
        await t.stripe.deliver(e);
        await waitForWebhooks(t); // processed in the order delivered
      }
      rows.push(await snapshotRows(t, b.id));
    }
    expect(rows[1]).toEqual(rows[0]);
    expect(rows[0]!.consultation).toMatchObject({ status: 'cancelled' });
    expect(rows[0]!.charge).toMatchObject({ status: 'refunded', refunded_cents: 1900 });
  });

  it('a chargeback takes the earning back, a won dispute returns it, in any order, once', async () => {
    const outcomes: Record<string, unknown> = {};
    for (const [name, outcome, reverse] of [
      ['lost', 'lost', false],
      ['won', 'won', false],
      ['won, closed event first', 'won', true],
    ] as const) {
      const b = await booked();
      expectOk(await t.gql(CompleteConsultationDocument, { id: b.id }, admin.token));
      t.stripe.autoDeliverWebhooks = false;
      const dispute = t.stripe.createDispute(intentOf(b.id).id);
      t.stripe.closeDispute(dispute.id, outcome);
      t.stripe.autoDeliverWebhooks = true;
      const mine = t.stripe.events.filter((e) => (e.data.object as { id?: string }).id === dispute.id);
      for (const e of reverse ? [...mine].reverse() : mine) {
        await t.stripe.deliver(e);
        await t.stripe.deliver(e);
        await waitForWebhooks(t); // processed in the order delivered
      }
      outcomes[name] = (await snapshotRows(t, b.id)).ledger;
    }
    expect(outcomes.lost).toEqual([
      { kind: 'chargeback', amount_cents: -1330 },
      { kind: 'earning', amount_cents: 1330 },
    ]);
    const won = [
      { kind: 'chargeback', amount_cents: -1330 },
      { kind: 'chargeback_won', amount_cents: 1330 },
      { kind: 'earning', amount_cents: 1330 },
    ];
    expect(outcomes.won).toEqual(won);
    expect(outcomes['won, closed event first']).toEqual(won);
  });

  it('a late cancellation disputed before its earning existed earns once the dispute is won', async () => {
    const b = await booked({ startsIn: 20 * HOUR });
    const dispute = t.stripe.createDispute(intentOf(b.id).id);
    await waitForWebhooks(t);
    expectOk(await t.gql(CancelConsultationDocument, { id: b.id }, b.client.token));
    expect((await snapshotRows(t, b.id)).ledger).toEqual([]);
    t.stripe.closeDispute(dispute.id, 'won');
    await waitForWebhooks(t);
    const rows = await snapshotRows(t, b.id);
    expect(rows.ledger).toEqual([{ kind: 'earning', amount_cents: 1330 }]);
    expect(rows.charge).toMatchObject({ status: 'succeeded', refunded_cents: 0, dispute_status: 'won' });
  });

  it('refuses forged, stale and tampered deliveries with 400 and no effect', async () => {
    const b = await booked({ pay: false });
    t.stripe.autoDeliverWebhooks = false;
    await stripeSdk().paymentIntents.confirm(intentOf(b.id).id, { payment_method: 'pm_card_visa', return_url: RETURN_URL });
    t.stripe.autoDeliverWebhooks = true;
    // The booking's own confirmation path is not involved: only the webhook could schedule it.
    const event = t.stripe.events.filter((e) => e.type === 'payment_intent.succeeded').at(-1)!;
    const forged = await t.stripe.deliver(event, { secret: 'whsec_wrong' });
    const stale = await t.stripe.deliver(event, { timestamp: Math.floor(Date.now() / 1000) - 600 });
    const tampered = await t.stripe.deliver(
      { ...event, id: 'evt_tampered' },
      { signature: t.stripe.signPayload(JSON.stringify(event, null, 2)) },
    );
    const missing = await fetch(`${t.url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(event),
    });
    expect([forged.status, stale.status, tampered.status, missing.status]).toEqual([400, 400, 400, 400]);
    expect(await status(b)).toBe('PENDING_PAYMENT');
    expect(await sql(t, 'select 1 from processed_webhook_events where event_id = ?', [event.id])).toEqual([]);
    const good = await t.stripe.deliver(event);
    expect(good.status).toBe(200);
    await waitForWebhooks(t);
    expect(await status(b)).toBe('SCHEDULED');
  });

  it('answers before it re-reads from Stripe: a slow Stripe delays the effect, not the answer', async () => {
    const b = await booked({ pay: false });
    t.stripe.autoDeliverWebhooks = false;
    await stripeSdk().paymentIntents.confirm(intentOf(b.id).id, { payment_method: 'pm_card_visa', return_url: RETURN_URL });
    t.stripe.autoDeliverWebhooks = true;
    const event = t.stripe.events.filter((e) => e.type === 'payment_intent.succeeded').at(-1)!;
    // Stripe takes 2.5 s to answer the worker's re-read of the payment.
    t.stripe.delayNextResponses('/v1/payment_intents', 1, 2500);
    const started = performance.now();
    const answer = await t.stripe.deliver(event);
    const answeredInMs = performance.now() - started;
    expect(answer.status).toBe(200);
    expect(answeredInMs).toBeLessThan(1500);
    expect(await status(b)).toBe('PENDING_PAYMENT');
    expect(await sql(t, 'select status from processed_webhook_events where event_id = ?', [event.id])).toEqual([{ status: 'received' }]);

    await waitForWebhooks(t);
    expect(await status(b)).toBe('SCHEDULED');
    expect(await sql(t, 'select status from processed_webhook_events where event_id = ?', [event.id])).toEqual([{ status: 'processed' }]);
  });

  it('records the usual second report of a payment as processed at receipt; another PaymentIntent still goes to a job', async () => {
    // Paid through the booking's own answer: the webhook adds nothing, so it is processed at once,
    // in the statement that records it, with no job and no read from Stripe.
    const b = await booked();
    const event = t.stripe.events.filter(
      (e) => e.type === 'payment_intent.succeeded' && intentOf(b.id).id === (e.data.object as { id: string }).id,
    )[0]!;
    await waitForWebhooks(t);
    const fresh = { ...event, id: `${event.id}_again` };
    const answer = await t.stripe.deliver(fresh, { signature: t.stripe.signPayload(JSON.stringify(fresh, null, 2)) });
    expect(answer.status).toBe(200);
    // Processed in the statement that recorded it (a job would process it later than that).
    expect(
      await sql(t, 'select status, attempts, processed_at = received_at as at_receipt from processed_webhook_events where event_id = ?', [
        fresh.id,
      ]),
    ).toEqual([{ status: 'processed', attempts: 1, at_receipt: true }]);
    const jobs = `select 1 from graphile_worker.jobs j join processed_webhook_events e on j.key = 'webhook:' || e.id::text where e.event_id = ?`;
    expect(await sql(t, jobs, [fresh.id])).toEqual([]);

    // The same consultation paid under a PaymentIntent we never recorded: not settled by our rows,
    // so the job re-reads it from Stripe (slowed here, so the event is seen waiting for it).
    t.stripe.autoDeliverWebhooks = false;
    let other: string;
    try {
      other = (
        await stripeSdk().paymentIntents.create({
          amount: 1900,
          currency: 'usd',
          payment_method: 'pm_card_visa',
          confirm: true,
          automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
          metadata: { consultation_id: b.id, duration_minutes: '30' },
        })
      ).id;
    } finally {
      t.stripe.autoDeliverWebhooks = true;
    }
    const second = t.stripe.events.find((e) => e.type === 'payment_intent.succeeded' && (e.data.object as { id: string }).id === other)!;
    t.stripe.delayNextResponses('/v1/payment_intents', 1, 1500);
    expect((await t.stripe.deliver(second)).status).toBe(200);
    expect(await sql(t, 'select status from processed_webhook_events where event_id = ?', [second.id])).toEqual([{ status: 'received' }]);
    await waitForWebhooks(t);
    expect(await sql(t, 'select status from processed_webhook_events where event_id = ?', [second.id])).toEqual([{ status: 'processed' }]);
  });

  it('a webhook that schedules the booking before its own answer comes back leaves one confirmation', async () => {
    // Stripe holds its answers to the create and the confirmation; the payment's webhook comes
    // meanwhile and its job schedules the booking. The booking's one-statement path then finds
    // the hold changed and the locked path finds nothing left to do.
    t.stripe.delayNextResponses('/v1/payment_intents', 2, 1200);
    const b = await booked();
    const history = await sql<{ from_status: string | null; to_status: string; actor_kind: string }>(
      t,
      'select from_status, to_status, actor_kind from consultation_status_changes where consultation_id = ? order by created_at',
      [b.id],
    );
    expect(history).toEqual([
      { from_status: null, to_status: 'pending_payment', actor_kind: 'client' },
      { from_status: 'pending_payment', to_status: 'scheduled', actor_kind: 'stripe' },
    ]);
    await waitForWebhooks(t);
    const [event] = await sql<{ status: string; attempts: number; by_job: boolean }>(
      t,
      `select status, attempts, processed_at > received_at as by_job from processed_webhook_events where event_type = 'payment_intent.succeeded'
         and payload->'data'->'object'->'metadata'->>'consultation_id' = ?`,
      [b.id],
    );
    // Recorded while the hold was still unpaid: processed by its job, which did the scheduling.
    expect(event).toEqual({ status: 'processed', attempts: 1, by_job: true });
    const emails = await sql<{ dedupe_key: string }>(t, 'select dedupe_key from email_outbox where data->>? = ? order by dedupe_key', [
      'consultationId',
      b.id,
    ]);
    expect(emails.map((e) => e.dedupe_key)).toEqual([`advisor-booked:${b.id}`, `booking-confirmed:${b.id}`]);
    expect(await sql(t, 'select sequence from email_calendar_sequences where consultation_id = ?', [b.id])).toEqual([{ sequence: 0 }]);
    expect(await sql(t, `select status from consultation_charges where consultation_id = ?`, [b.id])).toEqual([{ status: 'succeeded' }]);
  });

  it('answers 2xx to event types it does not handle', async () => {
    const event = {
      id: 'evt_unhandled_1',
      object: 'event',
      type: 'customer.created',
      created: 1,
      api_version: '2024-06-20',
      livemode: false,
      data: { object: { id: 'cus_1' } },
    };
    const r = await t.stripe.deliver(event as never);
    expect(r.status).toBe(200);
    await waitForWebhooks(t);
    expect(await events('customer.created')).toEqual([{ status: 'ignored' }]);
  });
});
