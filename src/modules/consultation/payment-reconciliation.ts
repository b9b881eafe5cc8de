import type { EntityManager } from '@mikro-orm/postgresql';
import type { PaymentGateway } from '../../payments/gateway';
import type { LedgerService } from '../ledger/ledger.service';
import type { NotificationService } from '../notifications/notification.service';
import { ChargeStatus, RefundSource } from './charge.entity';
import { Consultation, ConsultationStatus as S } from './consultation.entity';
import type { ConsultationBooking } from './booking';
import { consultationRepository } from './consultation.repository';
import { STRIPE_ACTING, type ConsultationLifecycle } from './lifecycle';
import type { ConsultationRefunds } from './refunds';
import type { SqlFragment } from '../../db/sql';

export type PaymentState = Awaited<ReturnType<PaymentGateway['paymentState']>>;

/**
 * What the Stripe webhook handler calls: a consultation brought in line with its payment and
 * disputes as Stripe has them now (re-read from Stripe, not taken from the event), so webhooks
 * delivered twice or in any order end in the same state.
 */
export class PaymentReconciliation {
  constructor(
    private readonly deps: {
      ledger: LedgerService;
      notifications: NotificationService;
      lifecycle: ConsultationLifecycle;
      booking: ConsultationBooking;
      refunds: ConsultationRefunds;
      em: () => EntityManager;
    },
  ) {}

  /** The consultation a PaymentIntent pays for: by our metadata when it names one of ours, else by the recorded id. */
  async consultationFor(paymentIntentId: string, metadataId?: string | null): Promise<string | null> {
    const em = this.deps.em();
    const id = metadataId ?? (await this.deps.booking.consultationIdForIntent(em, paymentIntentId));
    if (!id || (await em.count(Consultation, { id })) === 0) return null;
    return id;
  }

  /** The condition under which a report that `paymentIntentId` paid for the consultation changes nothing. */
  paymentRecordedSql(consultationId: string, paymentIntentId: string): SqlFragment {
    return consultationRepository.paymentRecordedSql(consultationId, paymentIntentId);
  }

  /** Paid or not, every refund recorded once, and a fully refunded booking never left scheduled. */
  async reconcilePayment(consultationId: string, state: PaymentState): Promise<'processed' | 'ignored'> {
    const { intent, charge } = state;
    const { lifecycle, booking, refunds } = this.deps;
    if (intent.status === 'succeeded') {
      await booking.paymentSucceeded(intent.id, intent.chargeId, consultationId);
      for (const r of charge?.refunds ?? []) {
        if (r.status === 'failed' || r.status === 'canceled') continue;
        await this.deps.em().transactional(async (em) => {
          const { c, charge: ch } = await lifecycle.lockWithCharge(em, consultationId);
          const source = Object.values(RefundSource).includes(r.source as RefundSource)
            ? (r.source as RefundSource)
            : RefundSource.STRIPE_OUTSIDE;
          await refunds.record(em, c, ch, {
            stripeRefundId: r.id,
            amountCents: r.amountCents,
            source,
            reason: 'Refund reported by Stripe',
            userId: null,
          });
          if (ch.status === ChargeStatus.REFUNDED && (c.status === S.SCHEDULED || c.status === S.PENDING_PAYMENT)) {
            await lifecycle.cancel(em, c, STRIPE_ACTING, 'Refunded in Stripe');
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
      await booking.releaseUnpaid(consultationId, 'The payment was cancelled', STRIPE_ACTING);
      return 'processed';
    }
    if (intent.status === 'requires_payment_method' && intent.failureMessage) {
      await booking.paymentFailed(consultationId, intent.id, intent.failureMessage);
      return 'processed';
    }
    return 'ignored';
  }

  /**
   * The charge and the ledger in line with a dispute as Stripe has it now (see the chargeback rule
   * in ledger.service.ts). A dispute won makes an earning held back meanwhile payable again, as
   * earning-policy.ts decides from the row.
   */
  async reconcileDispute(consultationId: string, dispute: { id: string; status: string }): Promise<'processed' | 'ignored'> {
    await this.deps.em().transactional(async (em) => {
      const { c, charge } = await this.deps.lifecycle.lockWithCharge(em, consultationId);
      const outcome = dispute.status === 'won' ? 'won' : dispute.status === 'lost' ? 'lost' : 'open';
      charge.disputeStatus = outcome;
      if (outcome === 'won') {
        await this.deps.ledger.reverseChargeback(em, c.id, dispute.id);
        await this.deps.lifecycle.settleEarning(em, c, charge);
      } else {
        await this.deps.ledger.recordChargeback(em, c.id, dispute.id);
      }
    });
    return 'processed';
  }
}
