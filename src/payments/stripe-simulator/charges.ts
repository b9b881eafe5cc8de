/**
 * Charges: made by confirming a PaymentIntent; retrieved and listed. A charge carries no
 * `refunds` unless expanded (render.ts).
 */
import { find, route, type Route, type SimContext, type TestCard } from './context';
import { createdFilter, equals, paginate } from './lists';
import type { SimCharge, SimPaymentIntent, SimPaymentMethod } from './types';
import { emptyBillingDetails, generateId, nowSeconds } from './util';

export function createCharge(ctx: SimContext, pi: SimPaymentIntent, paymentMethod: SimPaymentMethod, card: TestCard): SimCharge {
  const id = generateId('ch');
  const decline = card.decline;
  const captured = !decline && pi.capture_method !== 'manual';
  const charge: SimCharge = {
    id,
    object: 'charge',
    amount: pi.amount,
    amount_captured: captured ? pi.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: decline || pi.capture_method === 'automatic_async' ? null : generateId('txn'),
    billing_details: emptyBillingDetails(),
    calculated_statement_descriptor: 'STRIPE SIMULATOR',
    captured,
    created: nowSeconds(),
    currency: pi.currency,
    customer: null,
    description: pi.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: decline?.code ?? null,
    failure_message: decline?.message ?? null,
    fraud_details: {},
    livemode: false,
    metadata: { ...pi.metadata },
    on_behalf_of: null,
    outcome: decline
      ? {
          network_status: 'declined_by_network',
          reason: decline.decline_code,
          risk_level: 'normal',
          seller_message: 'The bank did not return any further details with this decline.',
          type: 'issuer_declined',
        }
      : {
          network_status: 'approved_by_network',
          reason: null,
          risk_level: 'normal',
          seller_message: 'Payment complete.',
          type: 'authorized',
        },
    paid: !decline,
    payment_intent: pi.id,
    payment_method: paymentMethod.id,
    payment_method_details: { card: { ...paymentMethod.card }, type: 'card' },
    receipt_email: null,
    receipt_number: null,
    receipt_url: `${ctx.url}/receipts/payment/${id}`,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: decline ? 'failed' : 'succeeded',
    transfer_data: null,
    transfer_group: pi.transfer_group,
  };
  ctx.store.charges.set(id, charge);
  return charge;
}

export function chargeRoutes(ctx: SimContext): Route[] {
  return [
    route('GET', '/v1/charges', 'list', (p) =>
      paginate(ctx.store.charges.values(), p, {
        url: '/v1/charges',
        label: 'charge',
        filters: {
          created: createdFilter,
          customer: equals('customer'),
          payment_intent: equals('payment_intent'),
          transfer_group: equals('transfer_group'),
        },
      }),
    ),
    route('GET', '/v1/charges/:id', [], (_p, id) => find(ctx.store.charges, 'charge', id)),
  ];
}
