import type Stripe from 'stripe';
import type { PaymentReconciliation } from '../consultation/payment-reconciliation';
import type { PaymentGateway } from '../../payments/gateway';
import type { WebhookEvent } from './webhook-event.entity';
import type { Outcome } from './webhook.service';
import type { SqlFragment } from '../../db/sql';
import { isUuid } from '../../common/ids';

/** What the payouts module does when Stripe reports on Connect accounts and transfers. */
export interface PayoutHooks {
  onAccountUpdated(accountId: string, state: { detailsSubmitted: boolean; payoutsEnabled: boolean }): Promise<void>;
  onTransferReversed(transferId: string, amountReversedCents: number): Promise<void>;
}

/**
 * Stripe events never decide on their own: where the order of events could matter, the object is
 * re-read from Stripe and the consultation brought in line with it, so two deliveries, or any
 * order of deliveries, end in the same rows as one in-order delivery.
 */
export class StripeHandler {
  constructor(
    private readonly consultations: PaymentReconciliation,
    private readonly payments: PaymentGateway,
    private readonly payouts: PayoutHooks | null,
  ) {}

  /**
   * A payment_intent.succeeded for a consultation whose payment is already recorded under that
   * PaymentIntent (the booking's own answer came first, as it usually does) would change nothing:
   * the condition under which it is recorded as processed with no job. Refunds and disputes have
   * their own events, which always run.
   */
  settled = (payload: unknown): SqlFragment | null => {
    const event = payload as Stripe.Event;
    if (event.type !== 'payment_intent.succeeded') return null;
    const intent = event.data.object;
    const consultationId = intent.metadata?.consultation_id;
    if (typeof intent.id !== 'string' || typeof consultationId !== 'string' || !isUuid(consultationId)) return null;
    return this.consultations.paymentRecordedSql(consultationId, intent.id);
  };

  handle = async (record: WebhookEvent): Promise<Outcome> => {
    const event = record.payload as Stripe.Event;
    const object = event.data?.object as unknown as Record<string, unknown>;
    switch (event.type) {
      case 'payment_intent.succeeded':
      case 'payment_intent.payment_failed':
      case 'payment_intent.canceled':
        return this.payment(object.id as string);
      case 'charge.refunded':
        return this.payment(idOf(object.payment_intent));
      case 'charge.dispute.created':
      case 'charge.dispute.updated':
      case 'charge.dispute.closed':
        return this.dispute(object.id as string);
      case 'account.updated': {
        if (!this.payouts) return 'ignored';
        const account = await this.payments.retrieveAccount(object.id as string);
        await this.payouts.onAccountUpdated(account.id, {
          detailsSubmitted: account.detailsSubmitted,
          payoutsEnabled: account.payoutsEnabled,
        });
        return 'processed';
      }
      case 'transfer.reversed': {
        if (!this.payouts) return 'ignored';
        const transfer = await this.payments.retrieveTransfer(object.id as string);
        await this.payouts.onTransferReversed(transfer.id, transfer.amountReversedCents);
        return 'processed';
      }
      default:
        return 'ignored';
    }
  };

  private async payment(paymentIntentId: string | null): Promise<Outcome> {
    if (!paymentIntentId) return 'ignored';
    const state = await this.payments.paymentState(paymentIntentId);
    const consultationId = await this.consultations.consultationFor(paymentIntentId, state.metadata.consultation_id);
    if (!consultationId) return 'ignored'; // not one of ours
    return this.consultations.reconcilePayment(consultationId, state);
  }

  private async dispute(disputeId: string): Promise<Outcome> {
    const dispute = await this.payments.dispute(disputeId);
    if (!dispute.paymentIntentId) return 'ignored';
    const consultationId = await this.consultations.consultationFor(dispute.paymentIntentId);
    if (!consultationId) return 'ignored';
    return this.consultations.reconcileDispute(consultationId, dispute);
  }
}

function idOf(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { id?: unknown }).id === 'string') return (v as { id: string }).id;
  return null;
}
