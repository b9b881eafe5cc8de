import type { EntityManager } from '@mikro-orm/postgresql';
import { conflict } from '../../common/errors';
import type { RefundSource } from './charge.entity';
import { Advisor } from '../advisor/advisor.entity';
import type { WeeklySpanRow } from '../availability/weekly-hours.entity';
import { User } from '../user/user.entity';
import { type ActorKind, Consultation } from './consultation.entity';
import type { SqlFragment } from '../../db/sql';

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

/** What is written with a hold, in its statement: its charge, its first history entry, its expiry job, its event. */
export interface HoldExtras {
  paymentIntentKey: string;
  paymentMethodId: string | null;
  history: { actorKind: ActorKind; actorId: string | null };
  /** An add_job expression (jobs/queue.ts enqueueSql), run once if the hold is inserted. */
  job?: SqlFragment;
  /** A pg_notify expression (statusChangedSql), run once if the hold is inserted. */
  notify?: SqlFragment;
  /**
   * The client's hold limit, checked in the same statement: the hold goes in only while the
   * client's unpaid holds plus those released unpaid since `since` are fewer than `max`. The
   * caller holds the client's hold lock (lockHolds), so concurrent bookings count each other.
   */
  limit: { since: Date; lapsedReason: string; max: number };
}

/** The client's holds the limit counts: live unpaid ones, and those released unpaid since the cooldown began. */
export interface HoldCounts {
  unpaid: number;
  released: number;
  oldestReleasedAt: Date | null;
}

/** What insertHold did: the hold (null when the limit or an overlapping booking kept it out) and the counts. */
export interface HoldInsert {
  hold: Consultation | null;
  holds: HoldCounts;
}

/**
 * The consultation tables' hand-written SQL: only statements whose form buys a concurrency
 * guarantee the ORM cannot express. Everything else goes through MikroORM.
 */
export const consultationRepository = {
  /**
   * A plain INSERT against the exclusion constraint deadlocks under a burst; ON CONFLICT DO
   * NOTHING lets exactly one of many overlapping bookings in and the others see null. The client's
   * hold limit is counted in the same statement, and the hold goes in only under it. The hold's
   * charge (what Stripe will be asked, with its idempotency key), its first history entry, its
   * expiry job and its status event go in the same statement, each only if the hold went in; the
   * client's row comes back with it (the confirmation emails need it): one round trip, not seven.
   */
  async insertHold(em: EntityManager, h: HoldRow, x: HoldExtras): Promise<HoldInsert> {
    const released = `c.status = 'cancelled' and c.cancelled_at > ?::timestamptz
      and ((c.cancelled_by = 'system' and c.cancellation_reason = ?) or (c.cancelled_by = 'client' and ch.status = 'canceled'))`;
    const [row] = await em.execute<Record<string, unknown>[]>(
      `with holds as (
         select count(*) filter (where c.status = 'pending_payment')::int as unpaid,
           count(*) filter (where ${released})::int as released,
           min(c.cancelled_at) filter (where ${released}) as oldest
         from consultations c left join consultation_charges ch on ch.consultation_id = c.id
         where c.client_id = ? and (c.status = 'pending_payment' or c.cancelled_at > ?::timestamptz)
       ), c as (
         insert into consultations (id, advisor_id, client_id, project_id, cal_booking_id, start_time, end_time,
           duration_minutes, status, price_cents, platform_fee_cents, advisor_earnings_cents, currency, locale,
           client_timezone, pricing_snapshot, payment_expires_at)
         select ?::uuid, ?::uuid, ?::uuid, ?::uuid, ?::text, ?::timestamptz, ?::timestamptz, ?::int, 'pending_payment', ?::int, ?::int,
           ?::int, ?::text, ?::text, ?::text, ?::jsonb, ?::timestamptz
         from holds where holds.unpaid + holds.released < ?::int
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
       ), announced as (
         select ${x.notify?.sql ?? 'null'} as sent from c
       )
       select c.*, holds.unpaid as hold_unpaid, holds.released as hold_released, holds.oldest as hold_oldest,
         (select row_to_json(u) from users u where u.id = ?::uuid) as hold_client,
         (select count(*) from job) + (select count(*) from announced) as hold_side_effects
       from holds left join c on true`,
      [
        x.limit.since,
        x.limit.lapsedReason,
        x.limit.since,
        x.limit.lapsedReason,
        h.clientId,
        x.limit.since,
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
        x.limit.max,
        x.paymentIntentKey,
        x.paymentMethodId,
        x.history.actorKind,
        x.history.actorId,
        ...(x.job?.params ?? []),
        ...(x.notify?.params ?? []),
        h.clientId,
      ],
    );
    const { hold_unpaid, hold_released, hold_oldest, hold_client, hold_side_effects: _side, ...hold } = row!;
    const holds: HoldCounts = {
      unpaid: Number(hold_unpaid),
      released: Number(hold_released),
      oldestReleasedAt: hold_oldest ? new Date(hold_oldest as string) : null,
    };
    // The rows as inserted and read become managed entities, the client first so that the hold's
    // relation is the loaded entity (the confirmation emails read it): no second read.
    if (hold_client) em.map(User, hold_client as Record<string, unknown>);
    return { hold: hold.id ? em.map(Consultation, hold) : null, holds };
  },

  /**
   * A hold that is still as the booking left it (PENDING_PAYMENT, its charge PENDING) becomes
   * SCHEDULED and its charge SUCCEEDED, with its history entry, in one statement; `extra` adds CTEs
   * (the status event, the emails and jobs) gated on the CTE `c`, the updated consultation, and
   * `reads` the expression that makes PostgreSQL run its SELECT CTEs. The UPDATE takes the row lock
   * and re-checks the status, so a concurrent change (an expiry, a webhook) makes it match nothing:
   * then nothing at all is written and null comes back.
   */
  async confirmPaidHold(
    em: EntityManager,
    p: {
      id: string;
      paymentIntentId: string;
      chargeId: string | null;
      history: { actorKind: ActorKind; actorId: string | null; reason: string };
      extra: SqlFragment & { reads: string };
    },
  ): Promise<{ consultation: Record<string, unknown>; charge: Record<string, unknown> } | null> {
    const [row] = await em.execute<Record<string, unknown>[]>(
      `with c as (
         update consultations set status = 'scheduled', payment_expires_at = null, updated_at = now()
         where id = ?::uuid and status = 'pending_payment'
           and exists (select 1 from consultation_charges where consultation_id = ?::uuid and status = 'pending')
         returning *
       ), ch as (
         update consultation_charges set status = 'succeeded', stripe_payment_intent_id = coalesce(stripe_payment_intent_id, ?::text),
           stripe_charge_id = coalesce(?::text, stripe_charge_id), succeeded_at = now(), failure_message = null, updated_at = now()
         where consultation_id = (select id from c) and status = 'pending'
         returning *
       ), history as (
         insert into consultation_status_changes (id, consultation_id, from_status, to_status, actor_kind, actor_id, reason, created_at)
         select gen_random_uuid(), c.id, 'pending_payment', c.status, ?, ?::uuid, ?, now() from c
       ), ${p.extra.sql}
       select c.*, (select row_to_json(ch) from ch) as confirmed_charge, ${p.extra.reads} as confirmed_side_effects from c`,
      [p.id, p.id, p.paymentIntentId, p.chargeId, p.history.actorKind, p.history.actorId, p.history.reason, ...p.extra.params],
    );
    if (!row) return null;
    const { confirmed_charge, confirmed_side_effects: _side, ...consultation } = row;
    return { consultation, charge: confirmed_charge as Record<string, unknown> };
  },

  /**
   * The booking's one read: the advisor with their user and weekly hours (in weekday and start
   * order), and whether a live booking of theirs already overlaps the slot, as committed now. The
   * exclusion constraint still decides; the read lets the many losers of a race for one slot go
   * without opening a transaction.
   */
  async advisorForBooking(
    em: EntityManager,
    advisorId: string,
    slot: { start: Date; end: Date },
  ): Promise<{ advisor: Advisor; weeklyHours: WeeklySpanRow[]; slotTaken: boolean } | null> {
    const [row] = await em.execute<Record<string, unknown>[]>(
      `select a.*, row_to_json(u) as booking_user,
         coalesce((select json_agg(json_build_object('weekday', h.weekday, 'startTime', h.start_time::text,
             'endTime', h.end_time::text, 'timeZone', h.time_zone) order by h.weekday, h.start_time)
           from advisor_weekly_hours h where h.advisor_id = a.id), '[]'::json) as booking_hours,
         exists (select 1 from consultations c where c.advisor_id = a.id
           and c.status in ('pending_payment', 'scheduled', 'in_progress')
           and tstzrange(c.start_time, c.end_time) && tstzrange(?::timestamptz, ?::timestamptz)) as booking_slot_taken
       from advisors a join users u on u.id = a.user_id
       where a.id = ?::uuid`,
      [slot.start, slot.end, advisorId],
    );
    if (!row) return null;
    const { booking_user, booking_hours, booking_slot_taken, ...advisor } = row;
    // The user first, so that the advisor's relation is the loaded entity.
    em.map(User, booking_user as Record<string, unknown>);
    return {
      advisor: em.map(Advisor, advisor),
      weeklyHours: booking_hours as WeeklySpanRow[],
      slotTaken: booking_slot_taken === true,
    };
  },

  /**
   * Takes the client's hold lock for the rest of the transaction: two bookings of one client
   * queue here, so the second counts the first (insertHold counts in a later statement, whose
   * snapshot sees what the first committed).
   */
  async lockHolds(em: EntityManager, clientId: string): Promise<void> {
    await em.execute('select pg_advisory_xact_lock(hashtext(?), 3)', [`consultation-holds:${clientId}`]);
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
    const { sql, params } = consultationRepository.paymentRecordedSql(consultationId);
    const [row] = await em.execute<{ done: boolean }[]>(`select ${sql} as done`, params);
    return row?.done === true;
  },

  /**
   * paymentAlreadyRecorded as an SQL condition; given `paymentIntentId`, recorded under that
   * PaymentIntent only (a report that it succeeded changes nothing when it holds: see
   * WebhookService.receive).
   */
  paymentRecordedSql(consultationId: string, paymentIntentId?: string): SqlFragment {
    return {
      sql: `exists (select 1 from consultations c join consultation_charges ch on ch.consultation_id = c.id
              where c.id = ?::uuid and c.status <> 'pending_payment' and ch.status in ('succeeded', 'refunded')
                and ${paymentIntentId === undefined ? 'ch.stripe_payment_intent_id is not null' : 'ch.stripe_payment_intent_id = ?'})`,
      params: paymentIntentId === undefined ? [consultationId] : [consultationId, paymentIntentId],
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
