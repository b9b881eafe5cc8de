import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  BookConsultationDocument,
  CancelConsultationDocument,
  RetryWebhookEventDocument,
  WebhookEventsDocument,
} from './generated/graphql';
import { startTestApp, type TestApp, type TestUser } from './helpers/app';
import { expectOk, HOUR, inFuture, makeAdvisor, waitFor } from './helpers/fixtures';
import { cal, postCalcom, waitForWebhooks } from './helpers/webhooks';

/** A stand-in for Cal.com's API that records cancellations and fails the first one. */
let calls: { method: string; url: string; auth: string | undefined; version: string | undefined; body: unknown; answered: number }[] = [];
let failuresLeft = 1;
const fakeCalcom = http.createServer((req, res) => {
  let data = '';
  req.on('data', (c) => (data += c));
  req.on('end', () => {
    const answered = failuresLeft-- > 0 ? 503 : 201;
    calls.push({
      method: req.method!,
      url: req.url!,
      auth: req.headers.authorization,
      version: req.headers['cal-api-version'] as string,
      body: JSON.parse(data || 'null'),
      answered,
    });
    res.writeHead(answered, { 'content-type': 'application/json' }).end(JSON.stringify({ status: answered === 201 ? 'success' : 'error' }));
  });
});

let t: TestApp;
let admin: TestUser;

beforeAll(async () => {
  await new Promise<void>((r) => fakeCalcom.listen(0, '127.0.0.1', r));
  const port = (fakeCalcom.address() as AddressInfo).port;
  t = await startTestApp({ CALCOM_API_KEY: 'cal_live_test', CALCOM_API_BASE: `http://127.0.0.1:${port}` });
  admin = await t.user({ roles: ['admin'] });
});
afterAll(async () => {
  await t.close();
  await new Promise((r) => fakeCalcom.close(r));
});

describe('cancelling through the API also cancels in Cal.com', () => {
  it('calls Cal.com from the job queue, retrying after a failure, once', async () => {
    calls = [];
    failuresLeft = 1;
    const advisor = await makeAdvisor(t, admin);
    const client = await t.user();
    const c = expectOk(
      await t.gql(
        BookConsultationDocument,
        {
          input: {
            advisorId: advisor.advisorId,
            durationMinutes: 30,
            startTime: inFuture(48 * HOUR).toISOString(),
            calBookingId: 'calUid123',
            paymentMethodId: 'pm_card_visa',
          },
        },
        client.token,
      ),
    ).bookConsultation.consultation;
    expectOk(await t.gql(CancelConsultationDocument, { id: c.id, reason: 'Travelling' }, client.token));
    await waitFor(() => calls.some((x) => x.answered === 201), 20_000, 'a successful Cal.com call');
    expect(calls.map((x) => [x.method, x.url, x.auth, x.version, x.answered])).toEqual([
      ['POST', '/v2/bookings/calUid123/cancel', 'Bearer cal_live_test', '2024-08-13', 503],
      ['POST', '/v2/bookings/calUid123/cancel', 'Bearer cal_live_test', '2024-08-13', 201],
    ]);
    expect(calls[1]!.body).toEqual({ cancellationReason: 'Travelling' });

    // Cal.com then reports the cancellation back: an echo that changes nothing.
    const echo = cal.cancelled({
      uid: 'calUid123',
      start: new Date(c.startTime),
      minutes: 30,
      organizer: advisor.user.email,
      attendee: client.email,
      cancelledBy: client.email,
    });
    expect((await postCalcom(t, echo)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(calls).toHaveLength(2);
  });

  it('does not call Cal.com back for a cancellation that came from Cal.com', async () => {
    calls = [];
    failuresLeft = 0;
    const advisor = await makeAdvisor(t, admin);
    const client = await t.user();
    const start = inFuture(48 * HOUR);
    const c = expectOk(
      await t.gql(
        BookConsultationDocument,
        {
          input: {
            advisorId: advisor.advisorId,
            durationMinutes: 30,
            startTime: start.toISOString(),
            calBookingId: 'calUid456',
            paymentMethodId: 'pm_card_visa',
          },
        },
        client.token,
      ),
    ).bookConsultation.consultation;
    await postCalcom(
      t,
      cal.cancelled({
        uid: 'calUid456',
        start,
        minutes: 30,
        organizer: advisor.user.email,
        attendee: client.email,
        cancelledBy: client.email,
      }),
    );
    await new Promise((r) => setTimeout(r, 1000));
    expect(calls).toEqual([]);
    expect(c.status).toBe('SCHEDULED');
  });
});

describe('webhook events that keep failing', () => {
  it('end FAILED after the last attempt, are listed for admins, and can be retried', async () => {
    const advisor = await makeAdvisor(t, admin);
    const client = await t.user();
    const start = inFuture(48 * HOUR);
    const c = expectOk(
      await t.gql(
        BookConsultationDocument,
        { input: { advisorId: advisor.advisorId, durationMinutes: 30, startTime: start.toISOString(), paymentMethodId: 'pm_card_visa' } },
        client.token,
      ),
    ).bookConsultation.consultation;
    // Stripe is down while the event is processed: the read-back from Stripe fails.
    t.stripe.failNextRequests('/v1/payment_intents', 1000);
    t.stripe.refundOutsideApi([...t.stripe.paymentIntents.values()].find((p) => p.metadata.consultation_id === c.id)!.id);
    await waitForWebhooks(t); // the job's first attempt failed; its retry waits out the backoff
    const [row] = await t.app.services.orm.em
      .fork()
      .execute(
        `select id, status, attempts from processed_webhook_events where event_type = 'charge.refunded' order by received_at desc limit 1`,
      );
    expect(row).toMatchObject({ status: 'received', attempts: 1 });
    // The queue's last attempt (run here directly rather than waiting out its backoff).
    await expect(t.app.services.webhooks.process(row.id, { attempt: 8, maxAttempts: 8 })).resolves.toBeUndefined();
    const failed = expectOk(await t.gql(WebhookEventsDocument, { status: 'FAILED' }, admin.token)).webhookEvents.edges.map((e) => e.node);
    expect(failed.find((e) => e.id === row.id)).toMatchObject({ eventType: 'charge.refunded', attempts: 2 });

    t.stripe.clearFaults();
    const retried = expectOk(await t.gql(RetryWebhookEventDocument, { id: row.id }, admin.token)).retryWebhookEvent;
    expect(retried.status).toBe('PROCESSED');
    const [charge] = await t.app.services.orm.em
      .fork()
      .execute('select status, refunded_cents from consultation_charges where consultation_id = ?', [c.id]);
    expect(charge).toEqual({ status: 'refunded', refunded_cents: 1900 });
  });
});
