/**
 * Disputes: opened by the cardholder (a control, or `pm_card_createDispute`), answered with
 * evidence or accepted through the API, decided by the bank (a control, or test evidence).
 */
import { find, route, succeededCharge, type Route, type SimContext } from './context';
import { invalidParam, invalidRequest } from './errors';
import { createdFilter, equals, paginate } from './lists';
import { metadataParam, optionalBoolean, optionalObject } from './params';
import type { FormObject, SimDispute } from './types';
import { generateId, nowSeconds } from './util';

const EVIDENCE_FIELDS = [
  'access_activity_log',
  'billing_address',
  'cancellation_policy',
  'cancellation_policy_disclosure',
  'cancellation_rebuttal',
  'customer_communication',
  'customer_email_address',
  'customer_name',
  'customer_purchase_ip',
  'customer_signature',
  'duplicate_charge_documentation',
  'duplicate_charge_explanation',
  'duplicate_charge_id',
  'product_description',
  'receipt',
  'refund_policy',
  'refund_policy_disclosure',
  'refund_refusal_explanation',
  'service_date',
  'service_documentation',
  'shipping_address',
  'shipping_carrier',
  'shipping_date',
  'shipping_documentation',
  'shipping_tracking_number',
  'uncategorized_file',
  'uncategorized_text',
] as const;
const DISPUTE_DECISION_MS = 50;

export function disputeRoutes(ctx: SimContext): Route[] {
  const filters = { created: createdFilter, charge: equals<SimDispute>('charge'), payment_intent: equals<SimDispute>('payment_intent') };
  return [
    route('GET', '/v1/disputes', 'list', (p) =>
      paginate(ctx.store.disputes.values(), p, { url: '/v1/disputes', label: 'dispute', filters }),
    ),
    route('GET', '/v1/disputes/:id', [], (_p, id) => find(ctx.store.disputes, 'dispute', id)),
    route('POST', '/v1/disputes/:id', ['evidence', 'metadata', 'submit', 'intended_submission_method'], (p, id) =>
      updateDispute(ctx, p, id),
    ),
    route('POST', '/v1/disputes/:id/close', [], (_p, id) => closeDisputeFromApi(ctx, id)),
  ];
}

/** The cardholder disputes the PaymentIntent's charge (in test mode: `pm_card_createDispute`). */
export function createDispute(ctx: SimContext, paymentIntentId: string): SimDispute {
  const charge = succeededCharge(ctx, paymentIntentId);
  const created = nowSeconds();
  const dispute: SimDispute = {
    id: generateId('dp'),
    object: 'dispute',
    amount: charge.amount_captured,
    balance_transactions: [
      {
        id: generateId('txn'),
        object: 'balance_transaction',
        amount: -charge.amount_captured,
        created,
        currency: charge.currency,
        description: `Chargeback withdrawal for ${charge.id}`,
        fee: 1500,
        net: -charge.amount_captured - 1500,
        reporting_category: 'dispute',
        status: 'available',
        type: 'adjustment',
      },
    ],
    charge: charge.id,
    created,
    currency: charge.currency,
    enhanced_eligibility_types: [],
    evidence: { ...Object.fromEntries(EVIDENCE_FIELDS.map((f) => [f, null])), enhanced_evidence: {} },
    evidence_details: { due_by: created + 7 * 86_400, enhanced_eligibility: {}, has_evidence: false, past_due: false, submission_count: 0 },
    intended_submission_method: null,
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    payment_intent: paymentIntentId,
    payment_method_details: {
      card: { brand: charge.payment_method_details.card.brand, case_type: 'chargeback', network_reason_code: '10.4' },
      type: 'card',
    },
    reason: 'fraudulent',
    status: 'needs_response',
  };
  ctx.store.disputes.set(dispute.id, dispute);
  charge.disputed = true;
  ctx.emit('charge.dispute.created', dispute);
  return dispute;
}

export function settleDispute(ctx: SimContext, dispute: SimDispute, outcome: 'won' | 'lost'): SimDispute {
  if (dispute.status === 'won' || dispute.status === 'lost') {
    throw invalidRequest(`This dispute is already closed (${dispute.status}).`);
  }
  const previous = { status: dispute.status };
  dispute.status = outcome;
  ctx.emit('charge.dispute.closed', dispute, previous);
  return dispute;
}

/** Accepting the dispute: Stripe closes it as lost. */
function closeDisputeFromApi(ctx: SimContext, id: string): SimDispute {
  return settleDispute(ctx, find(ctx.store.disputes, 'dispute', id), 'lost');
}

/**
 * Saves evidence; `submit=true` sends it (the dispute goes under review). In test mode the text
 * `winning_evidence` / `losing_evidence` decides the outcome shortly after, as here.
 */
function updateDispute(ctx: SimContext, params: FormObject, id: string): SimDispute {
  const dispute = find(ctx.store.disputes, 'dispute', id);
  const evidence = optionalObject(params, 'evidence') ?? {};
  for (const key of Object.keys(evidence)) {
    if (!(EVIDENCE_FIELDS as readonly string[]).includes(key)) {
      throw invalidParam(`Received unknown parameter: evidence[${key}]`, `evidence[${key}]`, 'parameter_unknown');
    }
  }
  const submit = optionalBoolean(params, 'submit') ?? true;
  const metadata = metadataParam(params);
  if (dispute.status !== 'needs_response') {
    throw invalidRequest(`This dispute is ${dispute.status} and can no longer be updated.`);
  }
  const previous: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(evidence)) {
    if (typeof value === 'string') dispute.evidence[key] = value;
  }
  if (Object.keys(evidence).length) dispute.evidence_details.has_evidence = true;
  if (Object.keys(metadata).length) {
    previous.metadata = { ...dispute.metadata };
    dispute.metadata = { ...dispute.metadata, ...metadata };
  }
  if (submit) {
    previous.status = dispute.status;
    dispute.status = 'under_review';
    dispute.evidence_details.submission_count += 1;
    const text = dispute.evidence.uncategorized_text;
    if (text === 'winning_evidence' || text === 'losing_evidence') {
      ctx.later(() => settleDispute(ctx, dispute, text === 'winning_evidence' ? 'won' : 'lost'), DISPUTE_DECISION_MS);
    }
  }
  ctx.emit('charge.dispute.updated', dispute, previous);
  return dispute;
}
