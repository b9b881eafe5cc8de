import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { STRIPE } from '../../common/actor';
import { crashPoint } from '../../common/crash';
import { auditLog } from '../audit/audit.service';
import { enqueue } from '../../jobs/queue';
import { isAmbiguousStripeError, type PaymentGateway } from '../../payments/gateway';
import type { LedgerService } from '../ledger/ledger.service';
import type { NotificationService } from '../notifications/notification.service';
import { ChargeStatus, ConsultationCharge, RefundSource } from './charge.entity';
import { ActorKind, type Consultation } from './consultation.entity';
import { consultationRepository } from './consultation.repository';
import type { Acting, ConsultationLifecycle } from './lifecycle';

/** What a refund is booked as, from who caused it. */
export function refundSourceFor(acting: Acting): RefundSource {
  if (acting.kind === ActorKind.CLIENT) return RefundSource.CLIENT_CANCELLATION;
  if (acting.kind === ActorKind.ADVISOR) return RefundSource.ADVISOR_CANCELLATION;
  if (acting.kind === ActorKind.CALCOM) return RefundSource.CALCOM_CANCELLATION;
  return RefundSource.ADMIN;
}

/**
 * Refunds: queued in the transaction that decides them, made at Stripe under a key derived from
 * what was refunded before, and recorded exactly once per Stripe refund with the ledger's rule.
 */
export class ConsultationRefunds {
  constructor(
    private readonly deps: {
      log: Logger;
      payments: PaymentGateway;
      ledger: LedgerService;
      notifications: NotificationService;
      lifecycle: ConsultationLifecycle;
      em: () => EntityManager;
    },
  ) {}

  /**
   * The refund is queued in the transaction that decides it, so a crash cannot lose it. 12
   * attempts with graphile-worker's backoff span about 16 hours of Stripe outage; then the job
   * records why on the charge (refundOrRecordRefusal).
   */
  async queue(em: EntityManager, id: string, source: RefundSource, userId: string | null, reason: string | null): Promise<void> {
    await enqueue(
      em,
      'refund_consultation',
      { consultationId: id, source, userId, reason },
      { delayMs: 30_000, jobKey: `refund:${id}`, maxAttempts: 12 },
    );
  }

  async refundRemainingSafely(id: string, source: RefundSource, userId: string | null, reason: string | null): Promise<void> {
    try {
      await this.refundRemaining(id, source, userId, reason);
    } catch (err) {
      // The queued job retries with the same idempotency key.
      this.deps.log.error({ err, consultationId: id }, 'refund failed; the job queue will retry it');
    }
  }

  /** Refunds whatever of the charge is not refunded yet, once; safe to call again and again. */
  async refundRemaining(id: string, source: RefundSource, userId: string | null, reason: string | null): Promise<void> {
    const charge = await this.deps.em().findOne(ConsultationCharge, { consultation: id });
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
      const c = await this.deps.lifecycle.lock(tx, id);
      const fresh = await tx.findOneOrFail(ConsultationCharge, { consultation: id });
      await this.record(tx, c, fresh, { stripeRefundId: refund.id, amountCents: refund.amountCents, source, reason, userId });
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
        .nativeUpdate(ConsultationCharge, { consultation: id }, { failureMessage: why.slice(0, 1000), updatedAt: new Date() });
    }
  }

  /**
   * Records one Stripe refund exactly once (unique Stripe id), keeps the charge's refunded total,
   * and applies the ledger rule. The caller holds the consultation's lock.
   */
  async record(
    em: EntityManager,
    c: Consultation,
    charge: ConsultationCharge,
    r: { stripeRefundId: string; amountCents: number; source: RefundSource; reason: string | null; userId: string | null },
  ): Promise<boolean> {
    const inserted = await consultationRepository.insertRefundOnce(em, { chargeId: charge.id, ...r });
    if (!inserted) return false;
    const before = { chargeStatus: charge.status, refundedCents: charge.refundedCents };
    charge.refundedCents = Math.min(charge.totalAmountCents, charge.refundedCents + r.amountCents);
    if (charge.refundedCents >= charge.totalAmountCents) {
      charge.status = ChargeStatus.REFUNDED;
      await this.deps.ledger.reverseEarningForRefund(em, c.id, `refund ${r.stripeRefundId}`);
    }
    auditLog.recordFor(em, r.userId, STRIPE, {
      action: 'refund.recorded',
      subjectType: 'consultation',
      subjectId: c.id,
      reason: r.reason,
      before,
      after: {
        chargeStatus: charge.status,
        refundedCents: charge.refundedCents,
        stripeRefundId: r.stripeRefundId,
        amountCents: r.amountCents,
        source: r.source,
      },
      advisorId: c.advisor.id,
    });
    await this.deps.notifications.refundIssued(em, c, r.stripeRefundId, r.amountCents, r.source);
    return true;
  }
}
