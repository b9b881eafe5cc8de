import { randomUUID } from 'node:crypto';
import { LockMode, type FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { Config } from '../../config';
import { badInput, conflict, DomainError, forbidden, notFound } from '../../common/errors';
import { assertUuid } from '../../common/ids';
import type { Context } from '../../context';
import {
  cursorShapes,
  keysetCondition,
  keysetOrder,
  pageRequest,
  toConnection,
  type ConnectionShape,
  type PageRequest,
} from '../../graphql/connection';
import {
  isAmbiguousStripeError,
  type ConsultationPaymentRequest,
  type PaymentGateway,
  type PaymentIntentResult,
} from '../../payments/gateway';
import { crashPoint } from '../../common/crash';
import { Advisor, ApprovalStatus } from '../advisor/advisor.entity';
import type { LedgerService } from '../ledger/ledger.service';
import type { NotificationService } from '../notifications/notification.service';
import { isDuration, type PriceList } from '../pricing/pricing';
import { User } from '../user/user.entity';
import { ChargeStatus, ConsultationCharge, RefundSource } from './charge.entity';
import { ActorKind, Consultation, ConsultationStatus as S, ConsultationStatusChange } from './consultation.entity';
import { publishStatusChanged, type TransactionalPublisher } from './consultation.events';
import { ACTIVE_STATUSES, assertTransition } from './consultation.state';
import { decideCancellationRefund } from './refund-policy';
import { currentReqId } from '../../logging';

export interface Actor {
  kind: ActorKind;
  userId: string | null;
}

export const SYSTEM: Actor = { kind: ActorKind.SYSTEM, userId: null };

/** What settling a hold did: nothing to do, still held (before its expiry), paid, or released. */
export type HoldOutcome = 'none' | 'held' | 'paid' | 'released';

/** Attempts of the expiry job; only ambiguous Stripe errors use more than one (see settleHold). */
export const EXPIRY_MAX_ATTEMPTS = 8;

/** An expired hold whose payment Stripe leaves unclear this long is released anyway (see settleHold). */
export const SETTLE_GIVE_UP_MS = 60 * 60_000;

/** Stripe answered, but the PaymentIntent is neither paid nor cancelled yet (e.g. processing). */
class UnsettledPaymentError extends Error {
  constructor(intentId: string) {
    super(`PaymentIntent ${intentId} is neither succeeded nor cancelled yet`);
  }
}

export interface BookInput {
  advisorId: string;
  durationMinutes: number;
  startTime: Date;
  calBookingId?: string | null;
  projectId?: string | null;
  locale?: string | null;
  clientTimezone?: string | null;
  paymentMethodId?: string | null;
}

export interface BookResult {
  consultation: Consultation;
  /** For the frontend to confirm the payment when no payment method was sent. */
  clientSecret: string | null;
}

export type Party = 'client' | 'advisor';

export interface ListFilter {
  as: Party;
  status?: S[];
  when?: 'upcoming' | 'past';
}

export interface AdminFilter {
  advisorId?: string;
  clientId?: string;
  status?: S[];
  from?: Date;
  to?: Date;
}

const LOCALE = /^[a-z]{2,3}(-[a-z0-9]{2,8})*$/i;

function validTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * The consultation lifecycle: booking, payment, cancellation and the admin actions. Every status
 * change goes through `transition`, inside a transaction that holds the consultation's row lock;
 * Stripe is called outside transactions, with idempotency keys, and its answer recorded after.
 */
export class ConsultationService {
  constructor(
    private readonly deps: {
      config: Config;
      log: Logger;
      priceList: PriceList;
      payments: PaymentGateway;
      ledger: LedgerService;
      notifications: NotificationService;
      publisher: TransactionalPublisher;
      em: () => EntityManager;
    },
  ) {}

  // ---------------------------------------------------------------- booking

  async book(ctx: Context, input: BookInput): Promise<BookResult> {
    const viewer = ctx.requireViewer();
    const { config, priceList } = this.deps;
    assertUuid(input.advisorId, 'advisorId');
    if (!isDuration(input.durationMinutes)) throw badInput('durationMinutes', 'must be 15, 30 or 60');
    const now = Date.now();
    const start = input.startTime.getTime();
    if (Number.isNaN(start)) throw badInput('startTime', 'is not a valid time');
    if (start < now + config.booking.minNoticeMinutes * 60_000) {
      throw badInput('startTime', `must be at least ${config.booking.minNoticeMinutes} minutes from now`);
    }
    if (start > now + config.booking.horizonDays * 86_400_000) {
      throw badInput('startTime', `must be within ${config.booking.horizonDays} days from now`);
    }
    if (input.projectId) assertUuid(input.projectId, 'projectId');
    if (input.calBookingId !== undefined && input.calBookingId !== null && !/^[\w-]{1,200}$/.test(input.calBookingId)) {
      throw badInput('calBookingId', 'must be 1-200 letters, digits, _ or -');
    }
    if (input.locale && !LOCALE.test(input.locale)) throw badInput('locale', 'must be a locale such as en-us');
    if (input.clientTimezone && !validTimezone(input.clientTimezone)) throw badInput('clientTimezone', 'must be an IANA time zone');
    if (input.paymentMethodId !== undefined && input.paymentMethodId !== null && !/^pm_\w{1,200}$/.test(input.paymentMethodId)) {
      throw badInput('paymentMethodId', 'must be a Stripe payment method id (pm_...)');
    }

    const sku = priceList.forDuration(input.durationMinutes);
    const consultation = await ctx.em.transactional(async (em) => {
      const advisor = await em.findOne(Advisor, { id: input.advisorId }, { populate: ['user'] });
      if (!advisor || advisor.approvalStatus !== ApprovalStatus.APPROVED) throw notFound('Advisor');
      if (advisor.user.id === viewer.id) throw forbidden('You cannot book yourself');
      if (!advisor.isAcceptingBookings) throw conflict('This advisor is not accepting bookings');

      const id = randomUUID();
      const startTime = new Date(start);
      const endTime = new Date(start + sku.durationMinutes * 60_000);
      // A plain INSERT against the exclusion constraint deadlocks under a burst; ON CONFLICT DO
      // NOTHING lets exactly one of many overlapping bookings in and the others see no row.
      const inserted = await em.execute<{ id: string }[]>(
        `insert into consultations (id, advisor_id, client_id, project_id, cal_booking_id, start_time, end_time,
           duration_minutes, status, price_cents, platform_fee_cents, advisor_earnings_cents, currency, locale,
           client_timezone, pricing_snapshot, payment_expires_at)
         values (?, ?, ?, ?, ?, ?, ?, ?, 'pending_payment', ?, ?, ?, ?, ?, ?, ?::jsonb, ?)
         on conflict do nothing returning id`,
        [
          id,
          advisor.id,
          viewer.id,
          input.projectId ?? null,
          input.calBookingId ?? null,
          startTime,
          endTime,
          sku.durationMinutes,
          sku.priceCents,
          sku.platformFeeCents,
          sku.advisorEarningsCents,
          sku.currency,
          input.locale?.toLowerCase() ?? null,
          input.clientTimezone ?? null,
          JSON.stringify(priceList.snapshot(sku.durationMinutes)),
          new Date(now + config.booking.paymentExpiryMinutes * 60_000),
        ],
      );
      if (inserted.length === 0) {
        if (input.calBookingId && (await em.count(Consultation, { calBookingId: input.calBookingId }))) {
          throw conflict('A consultation for this Cal.com booking already exists');
        }
        throw conflict('This time overlaps another booking of this advisor', { reason: 'SLOT_TAKEN' });
      }
      const c = await em.findOneOrFail(Consultation, { id }, { populate: ['advisor', 'client'] });
      // What Stripe will be asked, committed before it is asked (see settleHold for the way back).
      const charge = new ConsultationCharge(c);
      charge.paymentIntentKey = `consultation:${id}:payment-intent`;
      charge.paymentMethodId = input.paymentMethodId ?? null;
      em.persist(charge);
      em.persist(new ConsultationStatusChange(c, null, S.PENDING_PAYMENT, ActorKind.CLIENT, em.getReference(User, viewer.id), null));
      await publishStatusChanged(this.deps.publisher, em, this.payload(c, null));
      // The hold ends by itself if the payment never completes.
      await em.execute(
        `select graphile_worker.add_job('expire_unpaid_booking', json_build_object('consultationId', ?::text, 'reqId', ?::text),
           run_at := ?::timestamptz, job_key := ?, max_attempts := ?)`,
        [id, currentReqId(), c.paymentExpiresAt, `expire:${id}`, EXPIRY_MAX_ATTEMPTS],
      );
      return c;
    });
    crashPoint('booking.hold-committed');

    const request = this.paymentRequest(consultation, input.paymentMethodId ?? null);
    let intent: PaymentIntentResult;
    try {
      intent = await this.deps.payments.createConsultationIntent(request);
    } catch (err) {
      // Nothing was confirmed, so whatever Stripe did, no money moved: free the slot now.
      this.deps.log.error({ err, consultationId: consultation.id }, 'creating the PaymentIntent failed');
      await this.releaseUnpaid(consultation.id, 'The payment could not be started', SYSTEM);
      throw new DomainError('PAYMENT_FAILED', 'The payment could not be started; nothing was charged. Please try again.');
    }
    crashPoint('booking.intent-created');
    if (input.paymentMethodId) {
      try {
        intent = await this.deps.payments.confirmConsultationIntent(intent.id, input.paymentMethodId, `${request.idempotencyKey}:confirm`);
      } catch (err) {
        // The card may or may not have been charged: cancelling decides, as Stripe orders the two.
        this.deps.log.error({ err, consultationId: consultation.id }, 'confirming the PaymentIntent failed');
        const outcome = await this.settleByCancel(consultation.id, intent.id, 'The payment could not be completed').catch((e) => {
          this.deps.log.error(
            { err: e, consultationId: consultation.id },
            'cancelling an unconfirmed PaymentIntent failed; recovery decides',
          );
          return 'unsettled' as const;
        });
        if (outcome === 'paid') return { consultation: await this.reload(consultation.id), clientSecret: null };
        throw new DomainError(
          'PAYMENT_FAILED',
          outcome === 'released'
            ? 'The payment could not be completed; nothing was charged. Please try again.'
            : 'The payment could not be confirmed. If your card was charged, the booking is confirmed by email or refunded in full.',
          { consultationId: consultation.id },
        );
      }
      crashPoint('booking.intent-confirmed');
    }

    if (intent.status === 'succeeded') {
      const c = await this.paymentSucceeded(intent.id, intent.chargeId, consultation.id);
      return { consultation: c ?? consultation, clientSecret: null };
    }
    if (input.paymentMethodId && intent.status === 'requires_payment_method') {
      await this.paymentFailed(consultation.id, intent.id, intent.failureMessage ?? 'The card was declined');
      // A declined intent could still be confirmed later with another card: close it.
      await this.deps.payments.cancelPaymentIntent(intent.id, `consultation:${consultation.id}:cancel-intent`).catch((err) => {
        this.deps.log.warn({ err, consultationId: consultation.id }, 'cancelling a declined PaymentIntent failed');
      });
      throw new DomainError('PAYMENT_FAILED', intent.failureMessage ?? 'The card was declined', { consultationId: consultation.id });
    }
    const c = await this.deps.em().transactional(async (em) => {
      const locked = await this.lock(em, consultation.id);
      const charge = await em.findOneOrFail(ConsultationCharge, { consultation: consultation.id });
      charge.stripePaymentIntentId = intent.id;
      return locked;
    });
    return { consultation: c, clientSecret: intent.clientSecret };
  }

  /** The PaymentIntent request for a consultation, the same every time it is built (recovery replays it). */
  private paymentRequest(c: Consultation, paymentMethodId: string | null, key?: string | null): ConsultationPaymentRequest {
    return {
      consultationId: c.id,
      advisorId: c.advisor.id,
      durationMinutes: c.durationMinutes,
      amountCents: c.priceCents,
      currency: c.currency,
      confirmOnServer: !!paymentMethodId,
      idempotencyKey: key ?? `consultation:${c.id}:payment-intent`,
    };
  }

  /**
   * The payment went through (from the confirmation answer or the payment_intent.succeeded
   * webhook; whichever comes second changes nothing). If the booking was already released, the
   * client's money goes back in full.
   */
  async paymentSucceeded(paymentIntentId: string, chargeId: string | null, consultationId?: string): Promise<Consultation | null> {
    let refundNeeded = false;
    const c = await this.deps.em().transactional(async (em) => {
      const id = consultationId ?? (await this.consultationIdForIntent(em, paymentIntentId));
      if (!id) return null;
      const c = await this.lock(em, id);
      const charge = await em.findOneOrFail(ConsultationCharge, { consultation: id });
      charge.stripePaymentIntentId ??= paymentIntentId;
      const newlyPaid =
        charge.status === ChargeStatus.PENDING || charge.status === ChargeStatus.FAILED || charge.status === ChargeStatus.CANCELED;
      if (newlyPaid) {
        charge.status = ChargeStatus.SUCCEEDED;
        charge.stripeChargeId = chargeId ?? charge.stripeChargeId;
        charge.succeededAt = new Date();
        charge.failureMessage = null;
      }
      if (c.status === S.PENDING_PAYMENT) {
        c.paymentExpiresAt = null;
        await this.transition(em, c, S.SCHEDULED, { kind: ActorKind.STRIPE, userId: null }, 'Payment succeeded');
      } else if (newlyPaid && c.status === S.CANCELLED) {
        // Money arrived for a booking already released (expired or declined earlier): give it back.
        // A consultation cancelled after it was paid (a late cancellation) is not newly paid here.
        // Queued with the decision, so a crash before the refund below cannot keep the money.
        refundNeeded = true;
        await this.queueRefund(em, c.id, RefundSource.ADMIN, null, 'Paid after the booking was released');
      }
      crashPoint('payment.before-outcome-commit');
      return c;
    });
    if (c && refundNeeded) await this.refundRemainingSafely(c.id, RefundSource.ADMIN, null, 'Paid after the booking was released');
    return c;
  }

  /** The card was declined: the booking is cancelled and its slot freed; nothing was charged. */
  async paymentFailed(consultationId: string | null, paymentIntentId: string | null, message: string): Promise<void> {
    await this.deps.em().transactional(async (em) => {
      const id = consultationId ?? (paymentIntentId ? await this.consultationIdForIntent(em, paymentIntentId) : null);
      if (!id) return;
      const c = await this.lock(em, id);
      const charge = await em.findOneOrFail(ConsultationCharge, { consultation: id });
      if (paymentIntentId) charge.stripePaymentIntentId ??= paymentIntentId;
      if (charge.status !== ChargeStatus.PENDING) return;
      charge.status = ChargeStatus.FAILED;
      charge.failureMessage = message;
      if (c.status === S.PENDING_PAYMENT) {
        await this.cancelInTransaction(em, c, { kind: ActorKind.STRIPE, userId: null }, `Payment failed: ${message}`);
      }
    });
  }

  /** Job: an unpaid booking past its expiry gives its slot back and its PaymentIntent is cancelled. */
  async expireUnpaid(consultationId: string, opts: { lastAttempt?: boolean } = {}): Promise<HoldOutcome> {
    return this.settleHold(consultationId, opts);
  }

  /**
   * Brings a hold (a PENDING_PAYMENT consultation) in line with its PaymentIntent, whatever
   * instant a crash interrupted the booking at. The PaymentIntent is found by its recorded id or,
   * when the id was never recorded, by sending the create again under the recorded key (Stripe
   * answers the same PaymentIntent), then read back. Paid: SCHEDULED. Unpaid before the expiry:
   * left alone. Unpaid past the expiry: cancelled at Stripe first (a payment at the last moment
   * wins), then released. Safe to run any number of times, concurrently with the booking itself.
   *
   * A definite refusal from Stripe ends it with a decision (released, the charge FAILED with
   * Stripe's reason); only an ambiguous error (no answer, 5xx, 429, 409) is thrown for a retry,
   * and on the job's last attempt that too ends in the release. A payment that succeeds after a
   * release is refunded in full when Stripe reports it (paymentSucceeded).
   */
  async settleHold(consultationId: string, opts: { lastAttempt?: boolean } = {}): Promise<HoldOutcome> {
    const em = this.deps.em();
    const c = await em.findOne(Consultation, { id: consultationId });
    if (!c || c.status !== S.PENDING_PAYMENT) return 'none';
    const charge = await em.findOne(ConsultationCharge, { consultation: consultationId });
    const expired = !c.paymentExpiresAt || c.paymentExpiresAt.getTime() <= Date.now();
    try {
      let intentId = charge?.stripePaymentIntentId ?? null;
      if (!intentId && charge?.paymentIntentKey) {
        intentId = (
          await this.deps.payments.createConsultationIntent(this.paymentRequest(c, charge.paymentMethodId, charge.paymentIntentKey))
        ).id;
      }
      if (!expired) {
        if (!intentId) return 'held';
        const pi = await this.deps.payments.retrievePaymentIntent(intentId);
        if (pi.status === 'succeeded') {
          await this.paymentSucceeded(pi.id, pi.chargeId, consultationId);
          return 'paid';
        }
        // Recorded, so the next sweep need not ask Stripe again.
        if (!charge?.stripePaymentIntentId) {
          await em.execute(
            'update consultation_charges set stripe_payment_intent_id = ? where consultation_id = ? and stripe_payment_intent_id is null',
            [intentId, consultationId],
          );
        }
        return 'held';
      }
      // A hold from before keys were recorded, with no PaymentIntent we know of: nothing to ask.
      if (!intentId) {
        await this.releaseUnpaid(consultationId, 'Payment not completed in time', SYSTEM);
        return 'released';
      }
      const outcome = await this.settleByCancel(consultationId, intentId, 'Payment not completed in time');
      if (outcome === 'unsettled') throw new UnsettledPaymentError(intentId);
      return outcome;
    } catch (err) {
      const ambiguous = err instanceof UnsettledPaymentError || isAmbiguousStripeError(err);
      if (!expired) {
        // Before the expiry nothing has to be decided: the expiry job (or the next sweep) will.
        this.deps.log.warn({ err, consultationId }, 'checking an unpaid booking with Stripe failed');
        if (ambiguous) throw err;
        return 'held';
      }
      // Bounded in time too, since the sweep may queue a fresh job for the same hold every minute.
      const giveUp = opts.lastAttempt || Date.now() - (c.paymentExpiresAt?.getTime() ?? 0) > SETTLE_GIVE_UP_MS;
      if (ambiguous && !giveUp) throw err;
      const message = `${ambiguous ? 'Payment state unknown after the last attempt' : 'Stripe refused'}: ${(err as Error).message ?? String(err)}`;
      this.deps.log.error({ err, consultationId }, 'releasing an expired booking whose payment Stripe would not settle');
      await this.releaseUnpaid(consultationId, 'Payment not completed in time', SYSTEM, { failure: message.slice(0, 1000) });
      return 'released';
    }
  }

  /**
   * The sweep (at start-up and every minute): holds past their expiry still holding (their
   * expiry job lost, failed or locked by a dead process), and holds whose PaymentIntent id was
   * never recorded (a crash between the hold and its outcome), each get a settle_hold job.
   */
  async queueHoldSettlements(limit = 1000): Promise<number> {
    const rows = await this.deps.em().execute<{ n: string }[]>(
      `select count(graphile_worker.add_job('settle_hold', json_build_object('consultationId', c.id::text),
         job_key := 'settle:' || c.id::text, max_attempts := ?)) as n
       from (select c.id from consultations c join consultation_charges ch on ch.consultation_id = c.id
             where c.status = 'pending_payment'
               and (c.payment_expires_at <= now() or (ch.stripe_payment_intent_id is null and c.created_at < now() - interval '10 seconds'))
             order by c.payment_expires_at limit ?) c`,
      [EXPIRY_MAX_ATTEMPTS, limit],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * Cancels the PaymentIntent, which Stripe orders with any confirmation: either it is cancelled
   * (nothing charged, the hold is released) or it had succeeded (the hold becomes SCHEDULED, or
   * its money goes back when the hold was released meanwhile). Anything else is 'unsettled'.
   */
  private async settleByCancel(consultationId: string, intentId: string, reason: string): Promise<'paid' | 'released' | 'unsettled'> {
    const pi = await this.deps.payments.cancelPaymentIntent(intentId, `consultation:${consultationId}:cancel-intent`);
    crashPoint('expiry.after-cancel');
    if (pi.status === 'succeeded') {
      await this.paymentSucceeded(pi.id, pi.chargeId, consultationId);
      return 'paid';
    }
    if (pi.status === 'canceled') {
      await this.releaseUnpaid(consultationId, reason, SYSTEM, { paymentIntentId: pi.id });
      return 'released';
    }
    return 'unsettled';
  }

  private async releaseUnpaid(
    consultationId: string,
    reason: string,
    actor: Actor,
    opts: { paymentIntentId?: string; failure?: string } = {},
  ): Promise<void> {
    await this.deps.em().transactional(async (em) => {
      const c = await this.lock(em, consultationId);
      if (c.status !== S.PENDING_PAYMENT) return;
      const charge = await em.findOne(ConsultationCharge, { consultation: consultationId });
      if (charge && opts.paymentIntentId) charge.stripePaymentIntentId ??= opts.paymentIntentId;
      if (charge && charge.status === ChargeStatus.PENDING) {
        charge.status = opts.failure ? ChargeStatus.FAILED : ChargeStatus.CANCELED;
        if (opts.failure) charge.failureMessage = opts.failure;
      }
      await this.cancelInTransaction(em, c, actor, reason);
    });
  }

  // ---------------------------------------------------------------- cancellation and admin actions

  async cancel(ctx: Context, id: string, reason: string | null): Promise<Consultation> {
    const viewer = ctx.requireViewer();
    assertUuid(id);
    if (reason && reason.length > 1000) throw badInput('reason', 'must be at most 1000 characters');
    const existing = await ctx.em.findOne(Consultation, { id }, { populate: ['advisor'] });
    if (!existing) throw notFound('Consultation');
    const myAdvisor = await ctx.myAdvisor();
    let actor: Actor;
    if (existing.client.id === viewer.id) actor = { kind: ActorKind.CLIENT, userId: viewer.id };
    else if (myAdvisor && existing.advisor.id === myAdvisor.id) actor = { kind: ActorKind.ADVISOR, userId: viewer.id };
    else if (viewer.isAdmin) actor = { kind: ActorKind.ADMIN, userId: viewer.id };
    else throw notFound('Consultation');
    return this.cancelAs(id, actor, reason);
  }

  /** Cancels on behalf of `actor` under the refund policy; also used for Cal.com cancellations. */
  async cancelAs(
    id: string,
    actor: Actor,
    reason: string | null,
    /** `at`: when the cancellation was made (a webhook may arrive late); the policy judges that moment. */
    opts: { refundSource?: RefundSource; fromCalcom?: boolean; at?: Date } = {},
  ): Promise<Consultation> {
    const refundSource = opts.refundSource;
    let refund = false;
    let intentToCancel = null as string | null;
    let unrecordedIntent = null as ConsultationPaymentRequest | null;
    await this.deps.em().transactional(async (em) => {
      const c = await this.lock(em, id);
      assertTransition(c.status, S.CANCELLED);
      const charge = await em.findOne(ConsultationCharge, { consultation: id });
      const paid = charge?.status === ChargeStatus.SUCCEEDED;
      const decision = decideCancellationRefund({ actor: actor.kind, paid, startTime: c.startTime, now: opts.at ?? new Date() });
      if (c.status === S.PENDING_PAYMENT) {
        intentToCancel = charge?.stripePaymentIntentId ?? null;
        // Asked for but never recorded (a crash in the booking): found again by its key below.
        if (!intentToCancel && charge?.paymentIntentKey)
          unrecordedIntent = this.paymentRequest(c, charge.paymentMethodId, charge.paymentIntentKey);
        if (charge && charge.status === ChargeStatus.PENDING) charge.status = ChargeStatus.CANCELED;
      }
      await this.cancelInTransaction(em, c, actor, reason, decision.explanation, opts.at);
      if (decision.refund === 'full') {
        refund = true;
        await this.queueRefund(em, c.id, refundSource ?? this.refundSourceFor(actor), actor.userId, reason ?? decision.explanation);
      } else if (paid) {
        // A late client cancellation: the client is charged and the advisor keeps the earning.
        await this.deps.ledger.accrueEarning(em, c, charge);
      }
      await this.deps.notifications.consultationCancelled(em, c, decision, charge?.totalAmountCents ?? 0);
      if (c.calBookingId && !opts.fromCalcom && this.deps.config.calcom.apiKey) {
        // Cal.com holds the calendar: tell it too, from the job queue so a Cal.com outage retries.
        await em.execute(
          `select graphile_worker.add_job('calcom_cancel_booking', json_build_object('uid', ?::text, 'reason', ?::text, 'reqId', ?::text), job_key := ?, max_attempts := 15)`,
          [c.calBookingId, reason ?? 'Cancelled', currentReqId(), `calcom-cancel:${c.calBookingId}`],
        );
      }
      return c;
    });
    if (unrecordedIntent) {
      const found = await this.deps.payments.createConsultationIntent(unrecordedIntent).catch((err) => {
        this.deps.log.error({ err, consultationId: id }, 'finding the PaymentIntent of a cancelled hold failed');
        return null;
      });
      intentToCancel = found?.id ?? null;
    }
    if (intentToCancel) {
      const pi = await this.deps.payments.cancelPaymentIntent(intentToCancel, `consultation:${id}:cancel-intent`).catch((err) => {
        this.deps.log.error({ err, consultationId: id }, 'cancelling the PaymentIntent failed');
        return null;
      });
      // Paid at the very last moment: the money goes back.
      if (pi?.status === 'succeeded') await this.paymentSucceeded(pi.id, pi.chargeId, id);
    }
    if (refund) await this.refundRemainingSafely(id, refundSource ?? this.refundSourceFor(actor), actor.userId, reason);
    return this.reload(id);
  }

  async markNoShow(ctx: Context, id: string): Promise<Consultation> {
    const admin = ctx.requireAdmin();
    assertUuid(id);
    return this.finish(id, S.NO_SHOW, { kind: ActorKind.ADMIN, userId: admin.id }, 'Marked as no-show');
  }

  async complete(ctx: Context, id: string): Promise<Consultation> {
    const admin = ctx.requireAdmin();
    assertUuid(id);
    return this.finish(id, S.COMPLETED, { kind: ActorKind.ADMIN, userId: admin.id }, 'Marked as completed');
  }

  /** COMPLETED or NO_SHOW: the end of a consultation, when the advisor's earning becomes payable. */
  async finish(id: string, to: S.COMPLETED | S.NO_SHOW | S.IN_PROGRESS, actor: Actor, reason: string): Promise<Consultation> {
    return this.deps.em().transactional(async (em) => {
      const c = await this.lock(em, id);
      assertTransition(c.status, to);
      if (to === S.NO_SHOW && c.startTime.getTime() > Date.now()) {
        throw conflict('A consultation can be marked as no-show only after its start');
      }
      await this.transition(em, c, to, actor, reason);
      if (to !== S.IN_PROGRESS) {
        const charge = await em.findOne(ConsultationCharge, { consultation: id });
        await this.deps.ledger.accrueEarning(em, c, charge);
      }
      return c;
    });
  }

  /** Admin: a discretionary full refund at any time; a consultation still ahead is also cancelled. */
  async adminRefund(ctx: Context, id: string, reason: string | null): Promise<Consultation> {
    const admin = ctx.requireAdmin();
    assertUuid(id);
    const actor = { kind: ActorKind.ADMIN, userId: admin.id };
    const c = await this.deps.em().transactional(async (em) => {
      const c = await this.lock(em, id);
      const charge = await em.findOne(ConsultationCharge, { consultation: id });
      if (
        !charge ||
        charge.status === ChargeStatus.PENDING ||
        charge.status === ChargeStatus.FAILED ||
        charge.status === ChargeStatus.CANCELED
      ) {
        throw conflict('This consultation has no payment to refund');
      }
      if (charge.refundedCents >= charge.totalAmountCents) throw conflict('This consultation is already refunded in full');
      if (c.status === S.SCHEDULED) {
        await this.cancelInTransaction(em, c, actor, reason, 'Refunded by an admin');
        const refundable = charge.totalAmountCents - charge.refundedCents;
        await this.deps.notifications.consultationCancelled(em, c, { refund: 'full', explanation: 'Refunded by an admin' }, refundable);
      }
      await this.queueRefund(em, id, RefundSource.ADMIN, admin.id, reason);
      return c;
    });
    await this.refundRemainingSafely(c.id, RefundSource.ADMIN, admin.id, reason);
    return this.reload(id);
  }

  // ---------------------------------------------------------------- refunds

  private refundSourceFor(actor: Actor): RefundSource {
    if (actor.kind === ActorKind.CLIENT) return RefundSource.CLIENT_CANCELLATION;
    if (actor.kind === ActorKind.ADVISOR) return RefundSource.ADVISOR_CANCELLATION;
    if (actor.kind === ActorKind.CALCOM) return RefundSource.CALCOM_CANCELLATION;
    return RefundSource.ADMIN;
  }

  /**
   * The refund is also queued in the transaction that decides it, so a crash cannot lose it.
   * 12 attempts with graphile-worker's backoff span about 16 hours of Stripe outage; then the
   * job records why on the charge (refundOrRecordRefusal).
   */
  private async queueRefund(
    em: EntityManager,
    id: string,
    source: RefundSource,
    userId: string | null,
    reason: string | null,
  ): Promise<void> {
    await em.execute(
      `select graphile_worker.add_job('refund_consultation', json_build_object('consultationId', ?::text, 'source', ?::text, 'userId', ?::text, 'reason', ?::text, 'reqId', ?::text),
         run_at := now() + interval '30 seconds', job_key := ?, max_attempts := 12)`,
      [id, source, userId, reason, currentReqId(), `refund:${id}`],
    );
  }

  private async refundRemainingSafely(id: string, source: RefundSource, userId: string | null, reason: string | null): Promise<void> {
    try {
      await this.refundRemaining(id, source, userId, reason);
    } catch (err) {
      // The queued job retries with the same idempotency key.
      this.deps.log.error({ err, consultationId: id }, 'refund failed; the job queue will retry it');
    }
  }

  /** Refunds whatever of the charge is not refunded yet, once; safe to call again and again. */
  async refundRemaining(id: string, source: RefundSource, userId: string | null, reason: string | null): Promise<void> {
    const em = this.deps.em();
    const charge = await em.findOne(ConsultationCharge, { consultation: id });
    if (!charge || charge.status !== ChargeStatus.SUCCEEDED || !charge.stripePaymentIntentId) return;
    const remaining = charge.totalAmountCents - charge.refundedCents;
    if (remaining <= 0) return;
    const refund = await this.deps.payments.refund({
      paymentIntentId: charge.stripePaymentIntentId,
      amountCents: remaining,
      // Derived from what was refunded before, so a retry repeats this very refund and nothing more.
      idempotencyKey: `consultation:${id}:refund:${charge.refundedCents}`,
      metadata: { consultation_id: id, source },
    });
    crashPoint('refund.after-stripe');
    await this.deps.em().transactional(async (tx) => {
      const c = await this.lock(tx, id);
      const fresh = await tx.findOneOrFail(ConsultationCharge, { consultation: id });
      await this.recordRefund(tx, c, fresh, { stripeRefundId: refund.id, amountCents: refund.amountCents, source, reason, userId });
    });
  }

  /**
   * Job: the refund, retried only while Stripe's answer is ambiguous. A definite refusal (e.g. a
   * disputed charge), or no answer by the last attempt, ends it with the reason on the charge,
   * where admins see it, instead of days of retries.
   */
  async refundOrRecordRefusal(
    id: string,
    source: RefundSource,
    userId: string | null,
    reason: string | null,
    opts: { lastAttempt: boolean },
  ): Promise<void> {
    try {
      await this.refundRemaining(id, source, userId, reason);
    } catch (err) {
      const ambiguous = isAmbiguousStripeError(err);
      if (ambiguous && !opts.lastAttempt) throw err;
      this.deps.log.error({ err, consultationId: id }, 'the refund ends unmade; recorded on the charge for an admin');
      const why = `${ambiguous ? 'Refund not confirmed by Stripe after the last attempt' : 'Refund refused by Stripe'}: ${(err as Error).message ?? String(err)}`;
      await this.deps
        .em()
        .execute('update consultation_charges set failure_message = ?, updated_at = now() where consultation_id = ?', [
          why.slice(0, 1000),
          id,
        ]);
    }
  }

  /**
   * Records one Stripe refund exactly once (unique Stripe id), keeps the charge's refunded total,
   * and applies the ledger rule. The caller holds the consultation's lock.
   */
  async recordRefund(
    em: EntityManager,
    c: Consultation,
    charge: ConsultationCharge,
    r: { stripeRefundId: string; amountCents: number; source: RefundSource; reason: string | null; userId: string | null },
  ): Promise<boolean> {
    const inserted = await em.execute<{ id: string }[]>(
      `insert into refunds (id, charge_id, stripe_refund_id, amount_cents, source, reason, created_by_id)
       values (gen_random_uuid(), ?, ?, ?, ?, ?, ?) on conflict (stripe_refund_id) do nothing returning id`,
      [charge.id, r.stripeRefundId, r.amountCents, r.source, r.reason, r.userId],
    );
    if (inserted.length === 0) return false;
    charge.refundedCents = Math.min(charge.totalAmountCents, charge.refundedCents + r.amountCents);
    if (charge.refundedCents >= charge.totalAmountCents) {
      charge.status = ChargeStatus.REFUNDED;
      await this.deps.ledger.reverseEarningForRefund(em, c, `refund ${r.stripeRefundId}`);
    }
    await this.deps.notifications.refundIssued(em, c, r.stripeRefundId, r.amountCents, r.source);
    return true;
  }

  // ---------------------------------------------------------------- what Stripe and Cal.com tell us

  /**
   * Brings a consultation in line with its payment as Stripe has it now (re-read from Stripe, not
   * taken from the event), so webhooks delivered twice or in any order end in the same state:
   * paid or not, every refund recorded once, and a fully refunded booking never left scheduled.
   */
  async reconcilePayment(
    consultationId: string,
    state: Awaited<ReturnType<PaymentGateway['paymentState']>>,
  ): Promise<'processed' | 'ignored'> {
    const { intent, charge } = state;
    if (intent.status === 'succeeded') {
      await this.paymentSucceeded(intent.id, intent.chargeId, consultationId);
      for (const r of charge?.refunds ?? []) {
        if (r.status === 'failed' || r.status === 'canceled') continue;
        await this.deps.em().transactional(async (em) => {
          const c = await this.lock(em, consultationId);
          const ch = await em.findOneOrFail(ConsultationCharge, { consultation: consultationId });
          const source = Object.values(RefundSource).includes(r.source as RefundSource)
            ? (r.source as RefundSource)
            : RefundSource.STRIPE_OUTSIDE;
          await this.recordRefund(em, c, ch, {
            stripeRefundId: r.id,
            amountCents: r.amountCents,
            source,
            reason: 'Refund reported by Stripe',
            userId: null,
          });
          if (ch.status === ChargeStatus.REFUNDED && (c.status === S.SCHEDULED || c.status === S.PENDING_PAYMENT)) {
            await this.cancelInTransaction(em, c, { kind: ActorKind.STRIPE, userId: null }, 'Refunded in Stripe');
            await this.deps.notifications.consultationCancelled(
              em,
              c,
              { refund: 'full', explanation: 'Refunded in Stripe' },
              ch.refundedCents,
            );
          }
        });
      }
      return 'processed';
    }
    if (intent.status === 'canceled') {
      await this.releaseUnpaid(consultationId, 'The payment was cancelled', { kind: ActorKind.STRIPE, userId: null });
      return 'processed';
    }
    if (intent.status === 'requires_payment_method' && intent.failureMessage) {
      await this.paymentFailed(consultationId, intent.id, intent.failureMessage);
      return 'processed';
    }
    return 'ignored';
  }

  /**
   * Brings the charge and the ledger in line with a dispute as Stripe has it now (see the
   * chargeback rule in ledger.service.ts).
   */
  async reconcileDispute(consultationId: string, dispute: { id: string; status: string }): Promise<'processed' | 'ignored'> {
    await this.deps.em().transactional(async (em) => {
      const c = await this.lock(em, consultationId);
      const charge = await em.findOneOrFail(ConsultationCharge, { consultation: consultationId });
      const outcome = dispute.status === 'won' ? 'won' : dispute.status === 'lost' ? 'lost' : 'open';
      charge.disputeStatus = outcome;
      if (outcome === 'won') {
        await this.deps.ledger.reverseChargeback(em, c, dispute.id);
        // An earning held back while the dispute was open becomes payable now: after the
        // consultation took place, or after a late client cancellation (which keeps the charge).
        const lateCancellation =
          c.status === S.CANCELLED &&
          c.cancelledBy === ActorKind.CLIENT &&
          !!c.cancelledAt &&
          decideCancellationRefund({ actor: ActorKind.CLIENT, paid: true, startTime: c.startTime, now: c.cancelledAt }).refund === 'none';
        if (c.status === S.COMPLETED || c.status === S.NO_SHOW || lateCancellation) {
          await this.deps.ledger.accrueEarning(em, c, charge);
        }
      } else {
        await this.deps.ledger.recordChargeback(em, c, dispute.id);
      }
    });
    return 'processed';
  }

  async exists(id: string): Promise<boolean> {
    return (await this.deps.em().count(Consultation, { id })) > 0;
  }

  async consultationIdForPayment(paymentIntentId: string): Promise<string | null> {
    return this.consultationIdForIntent(this.deps.em(), paymentIntentId);
  }

  /**
   * Finds the consultation a Cal.com booking is linked to, by its uid only: a booking's metadata
   * can be written by whoever books on Cal.com, so it never decides which consultation an event
   * acts on (BOOKING_CREATED checks it before linking).
   */
  async findForCalBooking(uids: (string | null | undefined)[]): Promise<Consultation | null> {
    const em = this.deps.em();
    for (const uid of uids) {
      if (!uid) continue;
      const c = await em.findOne(Consultation, { calBookingId: uid });
      if (c) return c;
    }
    return null;
  }

  /** Cal.com refused for good to cancel its booking: said in the consultation's history, for admins. */
  async noteCalcomRefusal(uid: string, message: string): Promise<void> {
    await this.deps.em().execute(
      `insert into consultation_status_changes (id, consultation_id, from_status, to_status, actor_kind, reason)
       select gen_random_uuid(), id, status, status, 'system', ? from consultations where cal_booking_id = ?`,
      [`Cal.com booking not cancelled: ${message}`.slice(0, 1000), uid],
    );
  }

  /**
   * BOOKING_CREATED: link the Cal.com booking and take its video link; times must be ours.
   * 'ignored' when the consultation is linked to another booking (rescheduled since, or another
   * booking naming it).
   */
  async linkCalBooking(
    id: string,
    booking: { uid: string; videoUrl: string | null; startTime: Date | null },
  ): Promise<'processed' | 'ignored'> {
    const needsMove = await this.deps.em().transactional(async (em) => {
      const c = await this.lock(em, id);
      if (c.calBookingId && c.calBookingId !== booking.uid) return null;
      c.calBookingId = booking.uid;
      if (booking.videoUrl) c.videoUrl = booking.videoUrl;
      return !!booking.startTime && booking.startTime.getTime() !== c.startTime.getTime() && ACTIVE_STATUSES.includes(c.status);
    });
    if (needsMove === null) return 'ignored';
    if (needsMove) await this.reschedule(id, { uid: booking.uid, startTime: booking.startTime!, videoUrl: booking.videoUrl });
    return 'processed';
  }

  /**
   * BOOKING_RESCHEDULED: the same consultation, paid once, at a new time under the new uid. The
   * exclusion constraint refuses an overlap exactly as it refuses an overlapping booking.
   */
  async reschedule(id: string, to: { uid: string; startTime: Date; videoUrl: string | null }): Promise<Consultation> {
    return this.deps.em().transactional(async (em) => {
      const c = await this.lock(em, id);
      if (!ACTIVE_STATUSES.includes(c.status)) throw conflict(`A ${c.status.toUpperCase()} consultation cannot be rescheduled`);
      const previousStart = c.startTime;
      const end = new Date(to.startTime.getTime() + c.durationMinutes * 60_000);
      try {
        await em.execute('update consultations set cal_booking_id = ?, start_time = ?, end_time = ?, updated_at = now() where id = ?', [
          to.uid,
          to.startTime,
          end,
          id,
        ]);
      } catch (err) {
        if ((err as { code?: string }).code === '23P01') {
          throw conflict('The new time overlaps another booking of this advisor', { reason: 'SLOT_TAKEN' });
        }
        throw err;
      }
      await em.refresh(c);
      if (to.videoUrl) c.videoUrl = to.videoUrl;
      em.persist(
        new ConsultationStatusChange(c, c.status, c.status, ActorKind.CALCOM, null, `Rescheduled to ${to.startTime.toISOString()}`),
      );
      await this.deps.notifications.consultationRescheduled(em, c, previousStart);
      return c;
    });
  }

  // ---------------------------------------------------------------- state machine

  /** The one way to CANCELLED: who, when and why on the row, the transition in the history. */
  private async cancelInTransaction(
    em: EntityManager,
    c: Consultation,
    actor: Actor,
    reason: string | null,
    explanation?: string,
    at?: Date,
  ): Promise<void> {
    c.paymentExpiresAt = null;
    c.cancelledAt = at ?? new Date();
    c.cancelledBy = actor.kind;
    c.cancellationReason = reason;
    await this.transition(em, c, S.CANCELLED, actor, reason ?? explanation ?? null);
  }

  /** The only place a consultation's status changes: checked, recorded, announced at commit. */
  async transition(em: EntityManager, c: Consultation, to: S, actor: Actor, reason: string | null): Promise<void> {
    const from = c.status;
    assertTransition(from, to);
    c.status = to;
    em.persist(new ConsultationStatusChange(c, from, to, actor.kind, actor.userId ? em.getReference(User, actor.userId) : null, reason));
    await publishStatusChanged(this.deps.publisher, em, this.payload(c, from));
    if (to === S.SCHEDULED) await this.deps.notifications.bookingConfirmed(em, c);
    if (to === S.COMPLETED) await this.deps.notifications.ratingPrompt(em, c);
    if (to === S.CANCELLED) await this.deps.notifications.dropReminders(em, c.id);
  }

  private payload(c: Consultation, from: S | null) {
    return {
      consultationId: c.id,
      previousStatus: from,
      status: c.status,
      changedAt: new Date().toISOString(),
      clientId: c.client.id,
      advisorUserId: c.advisor.user.id,
    };
  }

  /** Locks the consultation row for the rest of the transaction; the advisor and client come along. */
  async lock(em: EntityManager, id: string): Promise<Consultation> {
    const c = await em.findOne(Consultation, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!c) throw notFound('Consultation');
    await em.populate(c, ['advisor.user', 'client']);
    return c;
  }

  private async consultationIdForIntent(em: EntityManager, paymentIntentId: string): Promise<string | null> {
    const rows = await em.execute<{ consultation_id: string }[]>(
      'select consultation_id from consultation_charges where stripe_payment_intent_id = ?',
      [paymentIntentId],
    );
    return rows[0]?.consultation_id ?? null;
  }

  private async reload(id: string): Promise<Consultation> {
    const em = this.deps.em();
    return em.findOneOrFail(Consultation, { id }, { populate: ['advisor', 'client'] });
  }

  // ---------------------------------------------------------------- reads

  /** Who is asking decides what they may see: the client, the advisor, an admin, or nobody. */
  async partyOf(ctx: Context, c: Consultation): Promise<'client' | 'advisor' | 'admin' | null> {
    const viewer = ctx.viewer;
    if (!viewer) return null;
    if (viewer.isAdmin) return 'admin';
    if (c.client.id === viewer.id) return 'client';
    const mine = await ctx.myAdvisor();
    if (mine && c.advisor.id === mine.id) return 'advisor';
    return null;
  }

  async get(ctx: Context, id: string): Promise<{ consultation: Consultation; party: 'client' | 'advisor' | 'admin' }> {
    ctx.requireViewer();
    assertUuid(id);
    const c = await ctx.loaders.consultationById.load(id);
    const party = c && (await this.partyOf(ctx, c));
    // Someone else's consultation is indistinguishable from one that does not exist.
    if (!c || !party) throw notFound('Consultation');
    return { consultation: c, party };
  }

  async listMine(ctx: Context, filter: ListFilter, paging: PageRequest): Promise<ConnectionShape<Consultation>> {
    const viewer = ctx.requireViewer();
    const where: FilterQuery<Consultation> = {};
    if (filter.as === 'advisor') {
      const mine = await ctx.myAdvisor();
      if (!mine) throw forbidden('You have no advisor profile');
      where.advisor = mine.id;
    } else {
      where.client = viewer.id;
    }
    return this.page(ctx.em, where, filter, paging);
  }

  async adminList(ctx: Context, filter: AdminFilter, paging: PageRequest): Promise<ConnectionShape<Consultation>> {
    ctx.requireAdmin();
    const where: FilterQuery<Consultation> = {};
    if (filter.advisorId) where.advisor = assertUuid(filter.advisorId, 'advisorId');
    if (filter.clientId) where.client = assertUuid(filter.clientId, 'clientId');
    const range: Record<string, Date> = {};
    if (filter.from) range.$gte = filter.from;
    if (filter.to) range.$lt = filter.to;
    if (Object.keys(range).length) where.startTime = range;
    return this.page(ctx.em, where, { status: filter.status }, paging);
  }

  private async page(
    em: EntityManager,
    where: FilterQuery<Consultation>,
    filter: { status?: S[]; when?: 'upcoming' | 'past' },
    paging: PageRequest,
  ): Promise<ConnectionShape<Consultation>> {
    const page = pageRequest(paging, cursorShapes.stringAndId);
    const and: FilterQuery<Consultation>[] = [where];
    if (filter.status?.length) and.push({ status: { $in: filter.status } });
    const now = new Date();
    // Upcoming: soonest first; past and everything else: latest first.
    const direction = filter.when === 'upcoming' ? 'asc' : 'desc';
    const order = [
      ['startTime', direction],
      ['id', direction],
    ] as const;
    if (filter.when === 'upcoming') and.push({ endTime: { $gt: now }, status: { $in: [...ACTIVE_STATUSES] } });
    if (filter.when === 'past') and.push({ $or: [{ endTime: { $lte: now } }, { status: { $nin: [...ACTIVE_STATUSES] } }] });
    if (page.cursor) and.push(keysetCondition(order, [new Date(page.cursor[0] as string), page.cursor[1]], page.backward));
    const rows = await em.find(
      Consultation,
      { $and: and },
      { orderBy: keysetOrder(order, page.backward), limit: page.size + 1, populate: ['advisor', 'client'] },
    );
    return toConnection(
      rows,
      page,
      (c) => [c.startTime.toISOString(), c.id],
      (c) => c,
    );
  }
}
