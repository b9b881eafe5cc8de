import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { PersonActor } from '../../common/actor';
import { crashPoint } from '../../common/crash';
import { conflict, DomainError, forbidden, notFound } from '../../common/errors';
import type { Config } from '../../config';
import { enqueueEach, enqueueSql } from '../../jobs/queue';
import {
  isAmbiguousStripeError,
  type ConsultationPaymentRequest,
  type PaymentGateway,
  type PaymentIntentResult,
} from '../../payments/gateway';
import { ApprovalStatus } from '../advisor/advisor.entity';
import type { PriceList } from '../pricing/pricing';
import { ChargeStatus, ConsultationCharge, RefundSource } from './charge.entity';
import { ActorKind, Consultation, ConsultationStatus as S } from './consultation.entity';
import type { StartTimePolicy } from './consultation.module';
import { consultationRepository } from './consultation.repository';
import { HOLD_LAPSED, holdLimit, holdLimitRefusal } from './hold-limit';
import { expiryJobKey, SYSTEM_ACTING, STRIPE_ACTING, type Acting, type ConsultationLifecycle } from './lifecycle';
import type { ConsultationRefunds } from './refunds';
import { checkBookInput, type BookInput, type BookResult } from './booking-input';

export type { BookInput, BookResult } from './booking-input';

/** What settling a hold did: nothing to do, still held (before its expiry), paid, or released. */
export type HoldOutcome = 'none' | 'held' | 'paid' | 'released';

/** The history's reason when a payment schedules a booking. */
const PAYMENT_SUCCEEDED = 'Payment succeeded';

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

/** The PaymentIntent request for a consultation, the same every time it is built (recovery replays it). */
export function paymentRequest(c: Consultation, paymentMethodId: string | null, key?: string | null): ConsultationPaymentRequest {
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
 * Booking and payment: a hold committed with its idempotency key before Stripe is asked, the
 * PaymentIntent created and confirmed outside transactions, its answer recorded after; and the
 * way back from any crash in between (settleHold).
 */
export class ConsultationBooking {
  constructor(
    private readonly deps: {
      config: Config;
      log: Logger;
      priceList: PriceList;
      payments: PaymentGateway;
      lifecycle: ConsultationLifecycle;
      refunds: ConsultationRefunds;
      startTimes?: StartTimePolicy;
      em: () => EntityManager;
    },
  ) {}

  async book(client: PersonActor, input: BookInput): Promise<BookResult> {
    const { config, priceList, lifecycle } = this.deps;
    const now = Date.now();
    const { start, duration } = checkBookInput(input, config.booking, now);

    const sku = priceList.forDuration(duration);
    const slot = { start: new Date(start), end: new Date(start + sku.durationMinutes * 60_000) };
    // Read once, outside the transaction: the transaction inserts by id, and a hold's exclusion
    // constraint, not this read, is what keeps two bookings of a slot apart.
    const em = this.deps.em();
    const read = await consultationRepository.advisorForBooking(em, input.advisorId, slot);
    if (!read || read.advisor.approvalStatus !== ApprovalStatus.APPROVED) throw notFound('Advisor');
    const { advisor } = read;
    if (advisor.user.id === client.id) throw forbidden('You cannot book yourself');
    if (!advisor.isAcceptingBookings) throw conflict('This advisor is not accepting bookings');
    await this.deps.startTimes?.assertBookable({ ...input, advisor, startTime: slot.start, weeklyHours: read.weeklyHours });
    if (read.slotTaken) throw await this.slotRefusal(em, input.calBookingId);

    // The transaction's fork starts with this identity map: the advisor and its user come along.
    const consultation = await em.transactional(async (em) => {
      // Before anything is held or Stripe asked; serialised per client, so two bookings cannot both
      // pass the hold limit, which the insert below checks.
      await consultationRepository.lockHolds(em, client.id);

      const id = randomUUID();
      const paymentExpiresAt = new Date(now + config.booking.paymentExpiryMinutes * 60_000);
      const { hold, holds } = await consultationRepository.insertHold(
        em,
        {
          id,
          advisorId: advisor.id,
          clientId: client.id,
          projectId: input.projectId ?? null,
          calBookingId: input.calBookingId ?? null,
          startTime: slot.start,
          endTime: slot.end,
          durationMinutes: sku.durationMinutes,
          priceCents: sku.priceCents,
          platformFeeCents: sku.platformFeeCents,
          advisorEarningsCents: sku.advisorEarningsCents,
          currency: sku.currency,
          locale: input.locale?.toLowerCase() ?? null,
          clientTimezone: input.clientTimezone ?? null,
          pricingSnapshot: priceList.snapshot(sku.durationMinutes),
          paymentExpiresAt,
        },
        {
          limit: holdLimit(config.booking, now),
          // What Stripe will be asked, committed before it is asked (see settleHold for the way back).
          paymentIntentKey: `consultation:${id}:payment-intent`,
          paymentMethodId: input.paymentMethodId ?? null,
          history: { actorKind: ActorKind.CLIENT, actorId: client.id },
          // The hold ends by itself if the payment never completes.
          job: enqueueSql(
            'expire_unpaid_booking',
            { consultationId: id },
            { runAt: paymentExpiresAt, jobKey: expiryJobKey(id), maxAttempts: EXPIRY_MAX_ATTEMPTS },
          ),
          notify: lifecycle.heldSql({ id, clientId: client.id, advisorUserId: advisor.user.id }),
        },
      );
      if (!hold) {
        const refusal = holdLimitRefusal(holds, config.booking);
        if (refusal) throw refusal;
        throw await this.slotRefusal(em, input.calBookingId);
      }
      return hold;
    });
    crashPoint('booking.hold-committed');

    const request = paymentRequest(consultation, input.paymentMethodId ?? null);
    let intent: PaymentIntentResult;
    try {
      intent = await this.deps.payments.createConsultationIntent(request);
    } catch (err) {
      // Nothing was confirmed, so whatever Stripe did, no money moved: free the slot now.
      this.deps.log.error({ err, consultationId: consultation.id }, 'creating the PaymentIntent failed');
      await this.releaseUnpaid(consultation.id, 'The payment could not be started', SYSTEM_ACTING);
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
      // The usual case, the hold as we left it: one statement, no transaction. Otherwise (an
      // expiry or a webhook got there first) the locked path decides.
      crashPoint('payment.before-outcome-commit');
      const confirmed = await lifecycle.confirmPaidHold(
        em,
        consultation,
        { paymentIntentId: intent.id, chargeId: intent.chargeId },
        STRIPE_ACTING,
        PAYMENT_SUCCEEDED,
      );
      if (confirmed) return { consultation: confirmed.c, charge: confirmed.charge, clientSecret: null };
      const paid = await this.recordPaid(intent.id, intent.chargeId, consultation.id);
      return { consultation: paid?.consultation ?? consultation, charge: paid?.charge, clientSecret: null };
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
      const { c: locked, charge } = await lifecycle.lockWithCharge(em, consultation.id);
      charge.stripePaymentIntentId = intent.id;
      return locked;
    });
    return { consultation: c, clientSecret: intent.clientSecret };
  }

  /** Why a slot could not be held: its Cal.com booking is already ours, or another booking overlaps it. */
  private async slotRefusal(em: EntityManager, calBookingId: string | null | undefined): Promise<DomainError> {
    if (calBookingId && (await em.count(Consultation, { calBookingId }))) {
      return conflict('A consultation for this Cal.com booking already exists');
    }
    return conflict('This time overlaps another booking of this advisor', { reason: 'SLOT_TAKEN' });
  }

  /**
   * The payment went through (from the confirmation answer or the payment_intent.succeeded
   * webhook; whichever comes second changes nothing). If the booking was already released, the
   * client's money goes back in full.
   */
  async paymentSucceeded(paymentIntentId: string, chargeId: string | null, consultationId?: string): Promise<void> {
    // The usual second report (the webhook after the booking's own answer) changes nothing: one
    // read says so, without a transaction, a lock or the rows loaded.
    if (consultationId && (await consultationRepository.paymentAlreadyRecorded(this.deps.em(), consultationId))) return;
    await this.recordPaid(paymentIntentId, chargeId, consultationId);
  }

  /** paymentSucceeded, with the charge as committed (the booking answers with it, without reading it again). */
  private async recordPaid(
    paymentIntentId: string,
    chargeId: string | null,
    consultationId?: string,
  ): Promise<{ consultation: Consultation; charge?: ConsultationCharge } | null> {
    let refundNeeded = false;
    const paid = await this.deps.em().transactional(async (em) => {
      const id = consultationId ?? (await this.consultationIdForIntent(em, paymentIntentId));
      if (!id) return null;
      const { c, charge } = await this.deps.lifecycle.lockWithCharge(em, id);
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
        await this.deps.lifecycle.transition(em, c, S.SCHEDULED, STRIPE_ACTING, PAYMENT_SUCCEEDED);
      } else if (newlyPaid && c.status === S.CANCELLED) {
        // Money arrived for a booking already released (expired or declined earlier): give it back.
        // A consultation cancelled after it was paid (a late cancellation) is not newly paid here.
        // Queued with the decision, so a crash before the refund below cannot keep the money.
        refundNeeded = true;
        await this.deps.refunds.queue(em, c.id, RefundSource.ADMIN, null, 'Paid after the booking was released');
      }
      crashPoint('payment.before-outcome-commit');
      return { consultation: c, charge };
    });
    if (paid && refundNeeded) {
      await this.deps.refunds.refundRemainingSafely(paid.consultation.id, RefundSource.ADMIN, null, 'Paid after the booking was released');
      return { consultation: paid.consultation }; // the refund changed the charge since
    }
    return paid;
  }

  /** The card was declined: the booking is cancelled and its slot freed; nothing was charged. */
  async paymentFailed(consultationId: string | null, paymentIntentId: string | null, message: string): Promise<void> {
    await this.deps.em().transactional(async (em) => {
      const id = consultationId ?? (paymentIntentId ? await this.consultationIdForIntent(em, paymentIntentId) : null);
      if (!id) return;
      const { c, charge } = await this.deps.lifecycle.lockWithCharge(em, id);
      if (paymentIntentId) charge.stripePaymentIntentId ??= paymentIntentId;
      if (charge.status !== ChargeStatus.PENDING) return;
      charge.status = ChargeStatus.FAILED;
      charge.failureMessage = message;
      if (c.status === S.PENDING_PAYMENT) {
        await this.deps.lifecycle.cancel(em, c, STRIPE_ACTING, `Payment failed: ${message}`);
      }
    });
  }

  /**
   * Brings a hold (a PENDING_PAYMENT consultation) in line with its PaymentIntent, whatever
   * instant a crash interrupted the booking at; the expiry job and the recovery sweep both run it.
   * The PaymentIntent is found by its recorded id or, when the id was never recorded, by sending
   * the create again under the recorded key (Stripe answers the same PaymentIntent), then read
   * back. Paid: SCHEDULED. Unpaid before the expiry: left alone. Unpaid past the expiry: cancelled
   * at Stripe first (a payment at the last moment wins), then released. Safe to run any number of
   * times, concurrently with the booking itself.
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
        intentId = (await this.deps.payments.createConsultationIntent(paymentRequest(c, charge.paymentMethodId, charge.paymentIntentKey)))
          .id;
      }
      if (!expired) {
        if (!intentId) return 'held';
        const pi = await this.deps.payments.retrievePaymentIntent(intentId);
        if (pi.status === 'succeeded') {
          await this.paymentSucceeded(pi.id, pi.chargeId, consultationId);
          return 'paid';
        }
        // Recorded, so the next sweep need not ask Stripe again.
        if (!charge?.stripePaymentIntentId) await consultationRepository.recordIntentIfMissing(em, consultationId, intentId);
        return 'held';
      }
      // A hold from before keys were recorded, with no PaymentIntent we know of: nothing to ask.
      if (!intentId) {
        await this.releaseUnpaid(consultationId, HOLD_LAPSED, SYSTEM_ACTING);
        return 'released';
      }
      const outcome = await this.settleByCancel(consultationId, intentId, HOLD_LAPSED);
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
      await this.releaseUnpaid(consultationId, HOLD_LAPSED, SYSTEM_ACTING, { failure: message.slice(0, 1000) });
      return 'released';
    }
  }

  /**
   * The sweep (at start-up and every minute): holds past their expiry still holding (their
   * expiry job lost, failed or locked by a dead process), and holds whose PaymentIntent id was
   * never recorded (a crash between the hold and its outcome), each get a settle_hold job.
   */
  async queueHoldSettlements(limit = 1000): Promise<number> {
    return enqueueEach(this.deps.em(), 'settle_hold', {
      payload: { consultationId: 'c.id::text' },
      from: `(select c.id from consultations c join consultation_charges ch on ch.consultation_id = c.id
              where c.status = 'pending_payment'
                and (c.payment_expires_at <= now() or (ch.stripe_payment_intent_id is null and c.created_at < now() - interval '10 seconds'))
              order by c.payment_expires_at limit ?) c`,
      params: [limit],
      jobKey: `'settle:' || c.id::text`,
      maxAttempts: EXPIRY_MAX_ATTEMPTS,
    });
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
      await this.releaseUnpaid(consultationId, reason, SYSTEM_ACTING, { paymentIntentId: pi.id });
      return 'released';
    }
    return 'unsettled';
  }

  /** An unpaid hold gives its slot back; its charge ends CANCELED (or FAILED with why). */
  async releaseUnpaid(
    consultationId: string,
    reason: string,
    acting: Acting,
    opts: { paymentIntentId?: string; failure?: string } = {},
  ): Promise<void> {
    await this.deps.em().transactional(async (em) => {
      const c = await this.deps.lifecycle.lock(em, consultationId);
      if (c.status !== S.PENDING_PAYMENT) return;
      const charge = await em.findOne(ConsultationCharge, { consultation: consultationId });
      if (charge && opts.paymentIntentId) charge.stripePaymentIntentId ??= opts.paymentIntentId;
      if (charge && charge.status === ChargeStatus.PENDING) {
        charge.status = opts.failure ? ChargeStatus.FAILED : ChargeStatus.CANCELED;
        if (opts.failure) charge.failureMessage = opts.failure;
      }
      await this.deps.lifecycle.cancel(em, c, acting, reason);
    });
  }

  /** The consultation a PaymentIntent pays for, if it is one of ours. */
  async consultationIdForIntent(em: EntityManager, paymentIntentId: string): Promise<string | null> {
    const charge = await em.findOne(ConsultationCharge, { stripePaymentIntentId: paymentIntentId }, { fields: ['consultation'] });
    return charge?.consultation.id ?? null;
  }

  private async reload(id: string): Promise<Consultation> {
    return this.deps.em().findOneOrFail(Consultation, { id }, { populate: ['advisor', 'client'] });
  }
}
