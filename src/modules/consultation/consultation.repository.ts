import type { EntityManager } from '@mikro-orm/postgresql';
import { conflict } from '../../common/errors';
import type { RefundSource } from './charge.entity';

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

/**
 * The consultation tables' hand-written SQL: only statements whose form buys a concurrency
 * guarantee the ORM cannot express. Everything else goes through MikroORM.
 */
export const consultationRepository = {
  /**
   * A plain INSERT against the exclusion constraint deadlocks under a burst; ON CONFLICT DO
   * NOTHING lets exactly one of many overlapping bookings in and the others see false.
   */
  async insertHold(em: EntityManager, h: HoldRow): Promise<boolean> {
    const inserted = await em.execute<{ id: string }[]>(
      `insert into consultations (id, advisor_id, client_id, project_id, cal_booking_id, start_time, end_time,
         duration_minutes, status, price_cents, platform_fee_cents, advisor_earnings_cents, currency, locale,
         client_timezone, pricing_snapshot, payment_expires_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, 'pending_payment', ?, ?, ?, ?, ?, ?, ?::jsonb, ?)
       on conflict do nothing returning id`,
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
      ],
    );
    return inserted.length > 0;
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
