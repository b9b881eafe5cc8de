/**
 * The money invariants that must hold after any crash and restart, checked against the database
 * and against Stripe's own records (here the simulator's). Each violation is one line.
 *
 * Integrator's note: `npm run check:ledger` (issue 8) compares the same ledger for a period; run
 * it beside this function where it is called (test/crash.test.ts).
 */

export interface StripeState {
  paymentIntents: { id: string; status: string; amount: number; metadata: Record<string, string> }[];
  refunds: { id: string; amount: number; payment_intent: string | null; status: string | null }[];
}

export interface Queryable {
  query<R extends Record<string, any> = any>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

/** Statuses in which a consultation keeps its payment. */
const LIVE = ['scheduled', 'in_progress', 'completed', 'no_show'];

export async function checkMoneyInvariants(
  db: Queryable,
  stripe: StripeState,
  opts: {
    /** The job workers known to be alive; without it, those whose heartbeat is recent. */
    liveWorkerIds?: string[];
    /** A worker whose heartbeat is older than this is dead (src/jobs.ts deadAfterMs plus one beat). */
    liveHeartbeatMs?: number;
  } = {},
): Promise<string[]> {
  const violations: string[] = [];
  const { rows: consultations } = await db.query<{
    id: string;
    status: string;
    cancelled_by: string | null;
    late_cancellation: boolean;
    expired_hold: boolean;
    charge_status: string;
    payment_intent_id: string | null;
    total_amount_cents: number;
    refunded_cents: number;
  }>(
    `select c.id, c.status, c.cancelled_by,
       (c.status = 'cancelled' and c.cancelled_by = 'client' and c.cancelled_at > c.start_time - interval '24 hours') as late_cancellation,
       (c.status = 'pending_payment' and c.payment_expires_at < now()) as expired_hold,
       ch.status as charge_status, ch.stripe_payment_intent_id as payment_intent_id, ch.total_amount_cents, ch.refunded_cents
     from consultations c join consultation_charges ch on ch.consultation_id = c.id`,
  );
  const byId = new Map(consultations.map((c) => [c.id, c]));
  const { rows: ourRefunds } = await db.query<{ stripe_refund_id: string; amount_cents: number; consultation_id: string }>(
    `select r.stripe_refund_id, r.amount_cents, ch.consultation_id
     from refunds r join consultation_charges ch on ch.id = r.charge_id`,
  );
  const intents = new Map(stripe.paymentIntents.map((p) => [p.id, p]));
  const refundsOf = new Map<string, StripeState['refunds']>();
  for (const r of stripe.refunds) {
    if (!r.payment_intent || r.status === 'failed' || r.status === 'canceled') continue;
    refundsOf.set(r.payment_intent, [...(refundsOf.get(r.payment_intent) ?? []), r]);
  }

  // One PaymentIntent per consultation: a replayed create never makes a second.
  const intentsPerConsultation = new Map<string, string[]>();
  for (const p of stripe.paymentIntents) {
    const cid = p.metadata.consultation_id;
    if (cid) intentsPerConsultation.set(cid, [...(intentsPerConsultation.get(cid) ?? []), p.id]);
  }
  for (const [cid, ids] of intentsPerConsultation) {
    if (ids.length > 1) violations.push(`consultation ${cid} has ${ids.length} PaymentIntents: ${ids.join(', ')}`);
  }

  // Every succeeded PaymentIntent: a live consultation that recorded it, or exactly one full refund.
  for (const p of stripe.paymentIntents) {
    const cid = p.metadata.consultation_id;
    if (!cid) continue;
    const c = byId.get(cid);
    const refunds = refundsOf.get(p.id) ?? [];
    const refunded = refunds.reduce((s, r) => s + r.amount, 0);
    if (refunds.length > 1) violations.push(`PaymentIntent ${p.id} (consultation ${cid}) was refunded ${refunds.length} times`);
    if (p.status !== 'succeeded') {
      if (refunds.length) violations.push(`PaymentIntent ${p.id} is ${p.status} yet has refunds`);
      continue;
    }
    if (!c) {
      violations.push(`PaymentIntent ${p.id} succeeded for consultation ${cid}, which does not exist`);
      continue;
    }
    if (c.payment_intent_id !== p.id) violations.push(`consultation ${cid} did not record its succeeded PaymentIntent ${p.id}`);
    if (refunded === 0) {
      const kept = LIVE.includes(c.status) || c.late_cancellation;
      if (!kept)
        violations.push(`PaymentIntent ${p.id} succeeded ($${p.amount / 100}) but consultation ${cid} is ${c.status} with no refund`);
      else if (c.charge_status !== 'succeeded')
        violations.push(`consultation ${cid} is paid at Stripe but its charge is ${c.charge_status}`);
    } else {
      if (refunded !== p.amount) violations.push(`PaymentIntent ${p.id} refunded ${refunded} of ${p.amount}`);
      if (c.refunded_cents !== refunded || c.charge_status !== 'refunded') {
        violations.push(`consultation ${cid}: Stripe refunded ${refunded}, we recorded ${c.refunded_cents} (charge ${c.charge_status})`);
      }
    }
  }

  // Nothing of ours claims money Stripe does not have.
  for (const c of consultations) {
    if (LIVE.includes(c.status)) {
      const p = c.payment_intent_id ? intents.get(c.payment_intent_id) : undefined;
      if (c.charge_status !== 'succeeded' || p?.status !== 'succeeded') {
        violations.push(`consultation ${c.id} is ${c.status} but its payment is ${c.charge_status} / ${p?.status ?? 'no PaymentIntent'}`);
      }
    }
    if (c.expired_hold) violations.push(`consultation ${c.id} still holds its slot past its payment expiry`);
  }
  const stripeRefunds = new Map(stripe.refunds.map((r) => [r.id, r]));
  for (const r of ourRefunds) {
    const s = stripeRefunds.get(r.stripe_refund_id);
    if (!s || s.amount !== r.amount_cents)
      violations.push(`refund ${r.stripe_refund_id} of consultation ${r.consultation_id} is not Stripe's`);
  }
  const recorded = new Set(ourRefunds.map((r) => r.stripe_refund_id));
  for (const [pi, refunds] of refundsOf) {
    for (const r of refunds) if (!recorded.has(r.id)) violations.push(`Stripe refund ${r.id} of ${pi} is not recorded`);
  }

  // The job queue: nothing held by a dead process, no money job given up on.
  const { rows: jobs } = await db.query<{
    task_identifier: string;
    key: string | null;
    locked_by: string | null;
    dead_lock: boolean;
    gave_up: boolean;
    still_held: boolean;
  }>(
    `select j.task_identifier, j.key, j.locked_by,
       (j.locked_by is not null and case when $2::text[] is not null then j.locked_by <> all($2::text[]) else not exists (
          select 1 from job_worker_heartbeats h where h.worker_id = j.locked_by and h.beat_at > now() - $1 * interval '1 millisecond') end) as dead_lock,
       (j.attempts >= j.max_attempts) as gave_up,
       exists (select 1 from graphile_worker._private_jobs pj join consultations c on c.id::text = pj.payload->>'consultationId'
               where pj.id = j.id and c.status = 'pending_payment') as still_held
     from graphile_worker.jobs j`,
    [opts.liveHeartbeatMs ?? 40_000, opts.liveWorkerIds ?? null],
  );
  for (const j of jobs) {
    if (j.dead_lock) violations.push(`job ${j.task_identifier} ${j.key ?? ''} is locked by ${j.locked_by}, which is not alive`);
    // A hold's job removed while a worker held it (the booking was paid meanwhile) is left by
    // graphile-worker's remove_job with its attempts used up and no key: only a hold still unpaid
    // behind a spent job is one nobody will settle.
    const holdJob = ['expire_unpaid_booking', 'settle_hold'].includes(j.task_identifier);
    if (j.gave_up && (holdJob ? j.still_held : j.task_identifier === 'refund_consultation')) {
      violations.push(`job ${j.task_identifier} ${j.key ?? ''} gave up`);
    }
  }
  return violations;
}
