import type { EntityManager } from '@mikro-orm/postgresql';
import { conflict } from '../../common/errors';
import type { RefundSource } from './charge.entity';
import { type ActorKind, Consultation } from './consultation.entity';

/** A hold as booking inserts it; the split and snapshot come from the price list. */
export interface HoldRow {
  id: string;
  advisorId: string;
  clientId: string;
  projectId: string | null;
  calBookingId: string | null;
  startTime: Date;
  endTime: Date;
  durationMinutes: number;
  priceCents: number;
  platformFeeCents: number;
  advisorEarningsCents: number;
  currency: string;
  locale: string | null;
  clientTimezone: string | null;
  pricingSnapshot: object;
  paymentExpiresAt: Date;
}

/** What is written with a hold, in its statement: its charge, its first history entry, its expiry job. */
export interface HoldExtras {
  paymentIntentKey: string;
  paymentMethodId: string | null;
  history: { actorKind: ActorKind; actorId: string | null };
  /** An add_job expression (jobs/queue.ts enqueueSql), run once if the hold is inserted. */
  job?: { sql: string; params: unknown[] };
}

/**
 * The consultation tables' hand-written SQL: only statements whose form buys a concurrency
 * guarantee the ORM cannot express. Everything else goes through MikroORM.
 */
export const consultationRepository = {
  /**
   * A plain INSERT against the exclusion constraint deadlocks under a burst; ON CONFLICT DO
   * NOTHING lets exactly one of many overlapping bookings in and the others see null. The hold's
   * charge (what Stripe will be asked, with its idempotency key), its first history entry and its
   * expiry job go in the same statement, each only if the hold went in: one round trip, not four.
   */
  async insertHold(em: EntityManager, h: HoldRow, x: HoldExtras): Promise<Consultation | null> {
    const inserted = await em.execute<Record<string, unknown>[]>(
      `with c as (
         insert into consultations (id, advisor_id, client_id, project_id, cal_booking_id, start_time, end_time,
           duration_minutes, status, price_cents, platform_fee_cents, advisor_earnings_cents, currency, locale,
           client_timezone, pricing_snapshot, payment_expires_at)
         values (?, ?, ?, ?, ?, ?, ?, ?, 'pending_payment', ?, ?, ?, ?, ?, ?, ?::jsonb, ?)
         on conflict do nothing returning *
       ), charge as (
         insert into consultation_charges (id, consultation_id, total_amount_cents, platform_fee_cents, advisor_earnings_cents,
           currency, status, refunded_cents, payment_intent_key, payment_method_id, created_at, updated_at)
         select gen_random_uuid(), c.id, c.price_cents, c.platform_fee_cents, c.advisor_earnings_cents,
           c.currency, 'pending', 0, ?, ?, now(), now() from c
       ), history as (
         insert into consultation_status_changes (id, consultation_id, from_status, to_status, actor_kind, actor_id, reason, created_at)
         select gen_random_uuid(), c.id, null, c.status, ?, ?::uuid, null, now() from c
       ), job as (
         select ${x.job?.sql ?? 'null'} as queued from c
       )
       select c.*, (select count(*) from job) as queued_jobs from c`,
      [
        h.id,
        h.advisorId,
        h.clientId,
        h.projectId,
        h.calBookingId,
        h.startTime,
        h.endTime,
        h.durationMinutes,
        h.priceCents,
        h.platformFeeCents,
        h.advisorEarningsCents,
        h.currency,
        h.locale,
        h.clientTimezone,
        JSON.stringify(h.pricingSnapshot),
        h.paymentExpiresAt,
        x.paymentIntentKey,
        x.paymentMethodId,
        x.history.actorKind,
        x.history.actorId,
        ...(x.job?.params ?? []),
      ],
    );
    if (!inserted[0]) return null;
    // The row as inserted becomes the managed entity: no second read.
    const { queued_jobs: _queued, ...row } = inserted[0];
    return em.map(Consultation, row);
  },

  /**
   * Takes the client's hold lock for the rest of the transaction (two bookings of one client
   * queue here, so the second counts the first) and counts their live unpaid holds and the holds
   * released unpaid since `since`: lapsed ones (cancelled by the system with `lapsedReason`) and
   * ones the client let go (cancelled by the client while unpaid: the charge ends CANCELED).
   */
  async lockAndCountHolds(
    em: EntityManager,
    clientId: string,
    since: Date,
    lapsedReason: string,
  ): Promise<{ unpaid: number; released: number; oldestReleasedAt: Date | null }> {
    await em.execute('select pg_advisory_xact_lock(hashtext(?), 3)', [`consultation-holds:${clientId}`]);
    const released = `c.status = 'cancelled' and c.cancelled_at > ?
      and ((c.cancelled_by = 'system' and c.cancellation_reason = ?) or (c.cancelled_by = 'client' and ch.status = 'canceled'))`;
    const [row] = await em.execute<{ unpaid: string; released: string; oldest: Date | null }[]>(
      `select count(*) filter (where c.status = 'pending_payment') as unpaid,
         count(*) filter (where ${released}) as released,
         min(c.cancelled_at) filter (where ${released}) as oldest
       from consultations c left join consultation_charges ch on ch.consultation_id = c.id
       where c.client_id = ? and (c.status = 'pending_payment' or c.cancelled_at > ?)`,
      [since, lapsedReason, since, lapsedReason, clientId, since],
    );
    return { unpaid: Number(row?.unpaid ?? 0), released: Number(row?.released ?? 0), oldestReleasedAt: row?.oldest ?? null };
  },

  /** Moves a consultation in time; the exclusion constraint refuses an overlap as it refuses a booking. */
  async moveTime(em: EntityManager, id: string, to: { uid: string; startTime: Date; endTime: Date }): Promise<void> {
    try {
      await em.execute('update consultations set cal_booking_id = ?, start_time = ?, end_time = ?, updated_at = now() where id = ?', [
        to.uid,
        to.startTime,
        to.endTime,
        id,
      ]);
    } catch (err) {
      if ((err as { code?: string }).code === '23P01') {
        throw conflict('The new time overlaps another booking of this advisor', { reason: 'SLOT_TAKEN' });
      }
      throw err;
    }
  },

  /**
   * Whether a payment is recorded past any change a report of it could make: the charge paid (or
   * refunded since) under a known PaymentIntent, the consultation past PENDING_PAYMENT. Neither
   * ever goes back, so an unlocked read that says yes stays true.
   */
  async paymentAlreadyRecorded(em: EntityManager, consultationId: string): Promise<boolean> {
    const rows = await em.execute<{ done: boolean }[]>(
      `select true as done from consultations c join consultation_charges ch on ch.consultation_id = c.id
       where c.id = ? and c.status <> 'pending_payment' and ch.status in ('succeeded', 'refunded')
         and ch.stripe_payment_intent_id is not null`,
      [consultationId],
    );
    return rows.length > 0;
  },

  /**
   * paymentAlreadyRecorded as an SQL condition, for one PaymentIntent: a report that this intent
   * succeeded changes nothing when it holds (see WebhookService.receive).
   */
  paymentRecordedSql(consultationId: string, paymentIntentId: string): { sql: string; params: unknown[] } {
    return {
      sql: `select exists (select 1 from consultations c join consultation_charges ch on ch.consultation_id = c.id
              where c.id = ?::uuid and c.status <> 'pending_payment' and ch.status in ('succeeded', 'refunded')
                and ch.stripe_payment_intent_id = ?)`,
      params: [consultationId, paymentIntentId],
    };
  },

  /** Records a PaymentIntent id only where none is recorded yet, whoever else is writing the charge. */
  async recordIntentIfMissing(em: EntityManager, consultationId: string, intentId: string): Promise<void> {
    await em.execute(
      'update consultation_charges set stripe_payment_intent_id = ? where consultation_id = ? and stripe_payment_intent_id is null',
      [intentId, consultationId],
    );
  },

  /** One refund row per Stripe refund id, whoever reports it first (the unique index decides). */
  async insertRefundOnce(
    em: EntityManager,
    r: {
      chargeId: string;
      stripeRefundId: string;
      amountCents: number;
      source: RefundSource;
      reason: string | null;
      userId: string | null;
    },
  ): Promise<boolean> {
    const inserted = await em.execute<{ id: string }[]>(
      `insert into refunds (id, charge_id, stripe_refund_id, amount_cents, source, reason, created_by_id)
       values (gen_random_uuid(), ?, ?, ?, ?, ?, ?) on conflict (stripe_refund_id) do nothing returning id`,
      [r.chargeId, r.stripeRefundId, r.amountCents, r.source, r.reason, r.userId],
    );
    return inserted.length > 0;
  },
};
