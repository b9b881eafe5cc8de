import Stripe from 'stripe';
import { BookConsultationDocument, CancelConsultationDocument } from './generated/graphql';
import { startTestApp, type TestApp, type TestUser } from './helpers/app';
import { expectOk, HOUR, inFuture, makeAdvisor, sql, waitFor, type AdvisorFixture } from './helpers/fixtures';
import { RefundSource } from '../src/modules/consultation/charge.entity';

/**
 * What a crash in the middle of a booking leaves behind, recovered in-process: a hold whose
 * PaymentIntent id was never recorded, and Stripe errors met by the expiry job. The crash test
 * (test/crash.test.ts) kills a real server process at these very points.
 */

let t: TestApp;
let admin: TestUser;
let advisor: AdvisorFixture;
/** The client's side of Stripe (what a frontend does with the client secret). */
let clientStripe: Stripe;
let slot = 0;

beforeAll(async () => {
  // Holds last 10 minutes here; the tests move an expiry into the past when they need one.
  t = await startTestApp({ PAYMENT_EXPIRY_MINUTES: '10' });
  admin = await t.user({ roles: ['admin'], givenName: 'Root' });
  advisor = await makeAdvisor(t, admin);
  clientStripe = new Stripe('sk_test_frontend', { host: '127.0.0.1', port: t.stripe.port, protocol: 'http', telemetry: false });
});
afterAll(() => t.close());
afterEach(() => {
  t.stripe.autoDeliverWebhooks = true;
  t.stripe.clearFaults();
});

interface Row {
  status: string;
  charge_status: string;
  payment_intent_id: string | null;
  failure_message: string | null;
  refunded_cents: number;
}

const row = async (id: string): Promise<Row> =>
  (
    await sql<Row>(
      t,
      `select c.status, ch.status as charge_status, ch.stripe_payment_intent_id as payment_intent_id, ch.failure_message, ch.refunded_cents
       from consultations c join consultation_charges ch on ch.consultation_id = c.id where c.id = ?`,
      [id],
    )
  )[0]!;

/** A hold the client is to pay with the client secret; its PaymentIntent id as Stripe has it. */
async function hold(client: TestUser): Promise<{ id: string; intentId: string }> {
  const r = expectOk(
    await t.gql(
      BookConsultationDocument,
      { input: { advisorId: advisor.advisorId, durationMinutes: 30, startTime: inFuture(48 * HOUR + slot++ * HOUR).toISOString() } },
      client.token,
    ),
  ).bookConsultation;
  expect(r.consultation.status).toBe('PENDING_PAYMENT');
  return { id: r.consultation.id, intentId: r.clientSecret!.split('_secret_')[0]! };
}

/** The state a crash between Stripe's answer and its commit leaves: the PaymentIntent id recorded nowhere. */
const forgetIntent = (id: string) =>
  sql(t, 'update consultation_charges set stripe_payment_intent_id = null where consultation_id = ?', [id]);

/** Time travel: the hold's expiry is now, and its expiry job runs now. */
async function expireNow(id: string): Promise<void> {
  await sql(t, `update consultations set payment_expires_at = now() - interval '1 second' where id = ?`, [id]);
  await sql(
    t,
    `select graphile_worker.add_job('expire_unpaid_booking', json_build_object('consultationId', ?::text), job_key := ?, max_attempts := 8)`,
    [id, `expire:${id}`],
  );
}

const runSweep = () => sql(t, `select graphile_worker.add_job('recover_payments', job_key := 'recover-payments', max_attempts := 3)`);

const jobsFor = (id: string) =>
  sql<{ key: string; attempts: number; last_error: string | null }>(
    t,
    `select key, attempts, last_error from graphile_worker.jobs where key in (?, ?)`,
    [`expire:${id}`, `settle:${id}`],
  );

const stripeRefunds = (intentId: string) => [...t.stripe.refunds.values()].filter((r) => r.payment_intent === intentId);

describe('a hold whose PaymentIntent id was never recorded', () => {
  it('is paid: the sweep finds the PaymentIntent by its key and schedules the consultation', async () => {
    const client = await t.user();
    const { id, intentId } = await hold(client);
    t.stripe.autoDeliverWebhooks = false; // the webhook that would also tell us is lost
    await clientStripe.paymentIntents.confirm(intentId, { payment_method: 'pm_card_visa', return_url: 'https://example.com/return' });
    await forgetIntent(id);
    await sql(t, `update consultations set created_at = now() - interval '1 minute' where id = ?`, [id]);

    await runSweep();
    await waitFor(async () => (await row(id)).status === 'scheduled', 15_000, 'the paid hold scheduled');
    expect(await row(id)).toMatchObject({ charge_status: 'succeeded', payment_intent_id: intentId, refunded_cents: 0 });
    // Found again under the recorded key: one PaymentIntent for the consultation, never a second.
    expect([...t.stripe.paymentIntents.values()].filter((p) => p.metadata.consultation_id === id)).toHaveLength(1);
    expect(t.stripe.requestLog.filter((r) => r.idempotencyKey === `consultation:${id}:payment-intent`).length).toBeGreaterThanOrEqual(2);
  });

  it('is paid and past its expiry: the expiry job schedules it, since the slot was still held', async () => {
    const { id, intentId } = await hold(await t.user());
    t.stripe.autoDeliverWebhooks = false;
    await clientStripe.paymentIntents.confirm(intentId, { payment_method: 'pm_card_visa', return_url: 'https://example.com/return' });
    await forgetIntent(id);
    await expireNow(id);
    await waitFor(async () => (await row(id)).status !== 'pending_payment', 15_000, 'the expiry job');
    expect(await row(id)).toMatchObject({ status: 'scheduled', charge_status: 'succeeded', payment_intent_id: intentId });
    expect(stripeRefunds(intentId)).toHaveLength(0);
  });

  it('is unpaid past its expiry: its PaymentIntent is cancelled and the slot released', async () => {
    const { id, intentId } = await hold(await t.user());
    await forgetIntent(id);
    await expireNow(id);
    await waitFor(async () => (await row(id)).status !== 'pending_payment', 15_000, 'the expiry job');
    expect(await row(id)).toMatchObject({ status: 'cancelled', charge_status: 'canceled', payment_intent_id: intentId });
    expect(t.stripe.paymentIntents.get(intentId)!.status).toBe('canceled');
  });

  it('is paid after the hold was released: refunded in full exactly once, however often Stripe tells us', async () => {
    const client = await t.user();
    const { id, intentId } = await hold(client);
    t.stripe.autoDeliverWebhooks = false;
    await clientStripe.paymentIntents.confirm(intentId, { payment_method: 'pm_card_visa', return_url: 'https://example.com/return' });
    await forgetIntent(id);
    // The client gives up on the booking that seemed to fail; the payment is found on the way out.
    expectOk(await t.gql(CancelConsultationDocument, { id, reason: 'It failed, I think' }, client.token));
    await waitFor(async () => (await row(id)).charge_status === 'refunded', 15_000, 'the refund');

    // Stripe's own reports, twice, and the queued refund job, change nothing more.
    t.stripe.autoDeliverWebhooks = true;
    const succeeded = t.stripe.events.find((e) => e.type === 'payment_intent.succeeded' && e.data.object.id === intentId)!;
    await t.stripe.deliver(succeeded);
    await t.stripe.deliver(succeeded);
    await t.app.services.consultations.refunds.refundRemaining(id, RefundSource.ADMIN, null, null);
    await t.stripe.flushWebhooks();

    const refunds = stripeRefunds(intentId);
    expect(refunds).toHaveLength(1);
    expect(refunds[0]!.amount).toBe(1900);
    expect(await row(id)).toMatchObject({ status: 'cancelled', charge_status: 'refunded', refunded_cents: 1900 });
    const ours = await sql(
      t,
      'select r.stripe_refund_id from refunds r join consultation_charges ch on ch.id = r.charge_id where ch.consultation_id = ?',
      [id],
    );
    expect(ours).toEqual([{ stripe_refund_id: refunds[0]!.id }]);
  });
});

describe('the expiry job and Stripe errors', () => {
  it('ends on the first attempt with a recorded decision when Stripe refuses for good', async () => {
    const { id, intentId } = await hold(await t.user());
    t.stripe.failNextRequests(`/v1/payment_intents/${intentId}/cancel`, 1, {
      status: 404,
      type: 'invalid_request_error',
      code: 'resource_missing',
      message: `No such payment_intent: '${intentId}'`,
    });
    await expireNow(id);
    await waitFor(async () => (await row(id)).status !== 'pending_payment', 15_000, 'the expiry job');
    const r = await row(id);
    expect(r).toMatchObject({ status: 'cancelled', charge_status: 'failed' });
    expect(r.failure_message).toMatch(/Stripe refused: No such payment_intent/);
    // One try, no retry queued: the job is gone and Stripe was asked once.
    await waitFor(async () => (await jobsFor(id)).length === 0, 5_000, 'the job to finish');
    expect(t.stripe.requestLog.filter((q) => q.path === `/v1/payment_intents/${intentId}/cancel`)).toHaveLength(1);
    const [history] = await sql<{ reason: string }>(
      t,
      `select reason from consultation_status_changes where consultation_id = ? and to_status = 'cancelled'`,
      [id],
    );
    expect(history!.reason).toBe('Payment not completed in time');
  });

  it('retries an ambiguous error, and on the last attempt still decides', async () => {
    const { id, intentId } = await hold(await t.user());
    t.stripe.failNextRequests(`/v1/payment_intents/${intentId}/cancel`, 50); // 500s: Stripe may or may not have acted
    await sql(t, `update consultations set payment_expires_at = now() - interval '1 second' where id = ?`, [id]);
    const consultations = t.app.services.consultations;
    await expect(consultations.booking.settleHold(id)).rejects.toThrow();
    expect((await row(id)).status).toBe('pending_payment');
    expect(await consultations.booking.settleHold(id, { lastAttempt: true })).toBe('released');
    const r = await row(id);
    expect(r).toMatchObject({ status: 'cancelled', charge_status: 'failed' });
    expect(r.failure_message).toMatch(/^Payment state unknown after the last attempt/);
    // Should the payment succeed after all, Stripe's report brings the money back (paymentSucceeded).
    t.stripe.clearFaults();
  });

  it('releases a hold past its expiry whose expiry job was lost, from the sweep', async () => {
    const { id, intentId } = await hold(await t.user());
    await sql(t, `select graphile_worker.remove_job(?)`, [`expire:${id}`]);
    await sql(t, `update consultations set payment_expires_at = now() - interval '1 second' where id = ?`, [id]);
    await runSweep();
    await waitFor(async () => (await row(id)).status === 'cancelled', 15_000, 'the sweep');
    expect(t.stripe.paymentIntents.get(intentId)!.status).toBe('canceled');
  });
});

describe('jobs of a process that died', () => {
  async function lockedJob(workerId: string, lockedAgo: string): Promise<string> {
    const [job] = await sql<{ id: string }>(
      t,
      `select id from graphile_worker.add_job('recover_payments', run_at := now() + interval '1 hour', max_attempts := 1)`,
    );
    await sql(t, `update graphile_worker._private_jobs set locked_by = ?, locked_at = now() - ?::interval where id = ?`, [
      workerId,
      lockedAgo,
      job!.id,
    ]);
    return job!.id;
  }
  const lockOf = async (jobId: string) =>
    (await sql<{ locked_by: string | null }>(t, 'select locked_by from graphile_worker.jobs where id = ?', [jobId]))[0]!.locked_by;

  it('are unlocked once their heartbeat is stale; a live worker keeps its jobs, also from another instance', async () => {
    const dead = await lockedJob('worker-dead-0001', '10 seconds');
    await sql(
      t,
      `insert into job_worker_heartbeats (worker_id, instance_id, beat_at) values ('worker-dead-0001', 'gone', now() - interval '45 seconds')`,
    );
    const silentLong = await lockedJob('worker-unknown-0002', '3 minutes');
    const silentNew = await lockedJob('worker-unknown-0003', '5 seconds');

    // A second instance starting on the same database (after a restart, say) frees the dead
    // workers' jobs at once, and never touches this live instance's.
    const mine = await lockedJob(t.app.jobs.workerIds[0]!, '10 minutes');
    const other = await startTestApp({}, { databaseUrl: t.databaseUrl });
    try {
      expect(await lockOf(dead)).toBeNull();
      expect(await lockOf(silentLong)).toBeNull();
      expect(await lockOf(silentNew)).toBe('worker-unknown-0003');
      expect(await lockOf(mine)).toBe(t.app.jobs.workerIds[0]);
      expect(await other.app.jobs.reclaimDeadWorkers()).toEqual([]);
      expect(await t.app.jobs.reclaimDeadWorkers()).toEqual([]);
      expect(await lockOf(mine)).toBe(t.app.jobs.workerIds[0]);
      // The heartbeat rows of the dead are gone with their locks; both live instances beat.
      const beats = await sql<{ worker_id: string }>(t, 'select worker_id from job_worker_heartbeats');
      const ids = beats.map((b) => b.worker_id);
      expect(ids).not.toContain('worker-dead-0001');
      expect(ids).toEqual(expect.arrayContaining([...t.app.jobs.workerIds, ...other.app.jobs.workerIds]));
      await sql(t, 'update graphile_worker._private_jobs set locked_by = null, locked_at = null where id = ?', [mine]);
    } finally {
      await other.app.close();
    }
    expect(t.app.jobs.workerIds).toHaveLength(4);
    await sql(t, `select graphile_worker.complete_jobs(array[?, ?, ?]::bigint[])`, [dead, silentLong, silentNew]);
  });
});
