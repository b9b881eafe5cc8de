import Stripe from 'stripe';

/** What the gateway answers with: our own shapes of Stripe's objects, and the mappers that make them. */

export interface PaymentIntentResult {
  id: string;
  status: Stripe.PaymentIntent.Status;
  clientSecret: string | null;
  chargeId: string | null;
  /** Why the card was declined, when it was. */
  failureMessage: string | null;
}

export interface RefundResult {
  id: string;
  amountCents: number;
  status: string | null;
  /** Our own label, from the refund's metadata, when we made it. */
  source?: string | null;
}

export interface ConnectAccountState {
  id: string;
  detailsSubmitted: boolean;
  payoutsEnabled: boolean;
}

export interface TransferResult {
  id: string;
  amountCents: number;
  amountReversedCents: number;
  transferGroup: string | null;
  metadata: Record<string, string>;
}

/** Objects created in [from, to), by Stripe's whole-second `created`. */
export interface Period {
  from: Date;
  to: Date;
}

export interface PaymentIntentRecord {
  id: string;
  status: Stripe.PaymentIntent.Status;
  amountCents: number;
  amountReceivedCents: number;
  currency: string;
  createdAt: Date;
  latestChargeId: string | null;
  metadata: Record<string, string>;
}

export interface ChargeRecord {
  id: string;
  paymentIntentId: string | null;
  status: string;
  amountCents: number;
  amountCapturedCents: number;
  amountRefundedCents: number;
  refunded: boolean;
  disputed: boolean;
  currency: string;
  createdAt: Date;
  metadata: Record<string, string>;
}

export interface RefundRecord extends RefundResult {
  source: string | null;
  chargeId: string | null;
  paymentIntentId: string | null;
  currency: string;
  createdAt: Date;
  reason: string | null;
  metadata: Record<string, string>;
}

export interface DisputeRecord {
  id: string;
  status: string;
  amountCents: number;
  currency: string;
  chargeId: string;
  paymentIntentId: string | null;
  reason: string;
  createdAt: Date;
}

export interface TransferRecord extends TransferResult {
  destination: string | null;
  currency: string;
  reversed: boolean;
  createdAt: Date;
}

export interface TransferReversalRecord {
  id: string;
  transferId: string;
  amountCents: number;
  currency: string;
  createdAt: Date;
  metadata: Record<string, string>;
}

export const idOf = (v: string | { id: string } | null | undefined): string | null => (typeof v === 'string' ? v : (v?.id ?? null));
export const dateOf = (created: number) => new Date(created * 1000);

/** Stripe's `created` range for a period. */
export function createdIn(period: Period): Stripe.RangeQueryParam {
  if (!(period.from.getTime() < period.to.getTime())) throw new RangeError('A period must end after it starts');
  return { gte: Math.floor(period.from.getTime() / 1000), lt: Math.ceil(period.to.getTime() / 1000) };
}

/** Every item of a list, page after page (100 a page, the most Stripe gives). */
export async function everything<T>(list: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of list) items.push(item);
  return items;
}

export const toRefundRecord = (r: Stripe.Refund): RefundRecord => ({
  id: r.id,
  amountCents: r.amount,
  status: r.status,
  source: r.metadata?.source ?? null,
  chargeId: idOf(r.charge),
  paymentIntentId: idOf(r.payment_intent),
  currency: r.currency,
  createdAt: dateOf(r.created),
  reason: r.reason ?? null,
  metadata: r.metadata ?? {},
});

export const toAccountState = (a: Stripe.Account): ConnectAccountState => ({
  id: a.id,
  detailsSubmitted: !!a.details_submitted,
  payoutsEnabled: !!a.payouts_enabled,
});

export const toTransferResult = (t: Stripe.Transfer): TransferResult => ({
  id: t.id,
  amountCents: t.amount,
  amountReversedCents: t.amount_reversed,
  transferGroup: t.transfer_group ?? null,
  metadata: t.metadata ?? {},
});

export const toPaymentIntentResult = (pi: Stripe.PaymentIntent): PaymentIntentResult => ({
  id: pi.id,
  status: pi.status,
  clientSecret: pi.client_secret,
  chargeId: typeof pi.latest_charge === 'string' ? pi.latest_charge : (pi.latest_charge?.id ?? null),
  failureMessage: pi.last_payment_error?.message ?? null,
});

/** Stripe's answer, or null for a 404 `resource_missing` (an id Stripe does not know). */
export async function orNullIfMissing<T>(request: Promise<T>): Promise<T | null> {
  try {
    return await request;
  } catch (err) {
    if (err instanceof Stripe.errors.StripeInvalidRequestError && (err.statusCode === 404 || err.code === 'resource_missing')) return null;
    throw err;
  }
}

export const toPaymentIntentRecord = (pi: Stripe.PaymentIntent): PaymentIntentRecord => ({
  id: pi.id,
  status: pi.status,
  amountCents: pi.amount,
  amountReceivedCents: pi.amount_received,
  currency: pi.currency,
  createdAt: dateOf(pi.created),
  latestChargeId: idOf(pi.latest_charge),
  metadata: pi.metadata ?? {},
});

export const toTransferRecord = (t: Stripe.Transfer): TransferRecord => ({
  ...toTransferResult(t),
  destination: idOf(t.destination),
  currency: t.currency,
  reversed: t.reversed,
  createdAt: dateOf(t.created),
});

export const toDisputeRecord = (d: Stripe.Dispute): DisputeRecord => ({
  id: d.id,
  status: d.status,
  amountCents: d.amount,
  currency: d.currency,
  chargeId: idOf(d.charge)!,
  paymentIntentId: idOf(d.payment_intent),
  reason: d.reason,
  createdAt: dateOf(d.created),
});
