/**
 * Refunds: through the API (by PaymentIntent or charge) or from the dashboard, and their lists.
 */
import { find, findParam, route, succeededCharge, type Route, type SimContext } from './context';
import { invalidRequest } from './errors';
import { createdFilter, equals, paginate } from './lists';
import { metadataParam, optionalEnum, optionalPositiveInteger, optionalString } from './params';
import { refundsOf } from './render';
import type { FormObject, Metadata, SimCharge, SimRefund } from './types';
import { generateId, nowSeconds } from './util';

export function refundRoutes(ctx: SimContext): Route[] {
  const filters = { created: createdFilter, charge: equals<SimRefund>('charge'), payment_intent: equals<SimRefund>('payment_intent') };
  return [
    route(
      'POST',
      '/v1/refunds',
      [
        'amount',
        'charge',
        'currency',
        'customer',
        'instructions_email',
        'metadata',
        'origin',
        'payment_intent',
        'reason',
        'refund_application_fee',
        'reverse_transfer',
      ],
      (p) => createRefundFromApi(ctx, p),
    ),
    route('GET', '/v1/refunds', 'list', (p) => paginate(ctx.store.refunds.values(), p, { url: '/v1/refunds', label: 'refund', filters })),
    route('GET', '/v1/refunds/:id', [], (_p, id) => find(ctx.store.refunds, 'refund', id)),
    route('GET', '/v1/charges/:id/refunds', 'list', (p, id) => {
      find(ctx.store.charges, 'charge', id);
      return paginate(refundsOf(ctx, id).reverse(), p, { url: `/v1/charges/${id}/refunds`, label: 'refund' });
    }),
  ];
}

function createRefundFromApi(ctx: SimContext, params: FormObject): SimRefund {
  const paymentIntentId = optionalString(params, 'payment_intent');
  const chargeId = optionalString(params, 'charge');
  const amount = optionalPositiveInteger(params, 'amount');
  const reason = optionalEnum(params, 'reason', ['duplicate', 'fraudulent', 'requested_by_customer'] as const);
  const metadata = metadataParam(params);

  let charge: SimCharge;
  if (paymentIntentId) {
    charge = succeededCharge(ctx, paymentIntentId);
    if (chargeId && chargeId !== charge.id) {
      throw invalidRequest(`Charge ${chargeId} does not belong to PaymentIntent ${paymentIntentId}.`, { param: 'charge' });
    }
  } else if (chargeId) {
    charge = findParam(ctx.store.charges, 'charge', chargeId, 'charge');
    if (!charge.captured) {
      throw invalidRequest(`Charge ${charge.id} has not been captured and cannot be refunded.`, { param: 'charge' });
    }
  } else {
    throw invalidRequest('One of the following params should be provided for this request: payment_intent or charge.', {
      beforeExecution: true,
    });
  }
  // Like Stripe: a charge under dispute cannot also be refunded (the dispute returns the money).
  const openDispute = [...ctx.store.disputes.values()].some((d) => d.charge === charge.id && d.status !== 'won');
  if (charge.disputed && openDispute) {
    throw invalidRequest(`Charge ${charge.id} has been charged back; cannot issue a refund.`, { code: 'charge_disputed' });
  }
  return createRefund(ctx, { charge, amount, reason: reason ?? null, metadata });
}

export function createRefund(
  ctx: SimContext,
  input: { charge: SimCharge; amount: number | undefined; reason: string | null; metadata: Metadata },
): SimRefund {
  const { charge } = input;
  const remaining = charge.amount_captured - charge.amount_refunded;
  if (remaining <= 0) {
    throw invalidRequest(`Charge ${charge.id} has already been refunded.`, { code: 'charge_already_refunded' });
  }
  const amount = input.amount ?? remaining;
  if (amount > remaining) {
    throw invalidRequest(
      `Refund amount ($${(amount / 100).toFixed(2)}) is greater than unrefunded amount on charge ($${(remaining / 100).toFixed(2)})`,
      {
        param: 'amount',
      },
    );
  }

  const refund: SimRefund = {
    id: generateId('re'),
    object: 'refund',
    amount,
    balance_transaction: generateId('txn'),
    charge: charge.id,
    created: nowSeconds(),
    currency: charge.currency,
    customer: null,
    customer_account: null,
    destination_details: {
      card: { reference: null, reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' },
      type: 'card',
    },
    metadata: input.metadata,
    payment_intent: charge.payment_intent,
    payment_method: charge.payment_method,
    reason: input.reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: 'succeeded',
    transfer_reversal: null,
  };
  ctx.store.refunds.set(refund.id, refund);

  const previous = { amount_refunded: charge.amount_refunded, refunded: charge.refunded };
  charge.amount_refunded += amount;
  charge.refunded = charge.amount_refunded >= charge.amount_captured;
  ctx.emit('charge.refunded', charge, previous);
  return refund;
}
