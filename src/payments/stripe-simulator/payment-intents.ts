/**
 * PaymentIntents: create, confirm (charging the test card), capture, cancel and list.
 */
import { createCharge } from './charges';
import { find, route, type Route, type SimContext } from './context';
import { createDispute } from './disputes';
import { docUrl, invalidParam, invalidRequest, StripeApiError } from './errors';
import { createdFilter, equals, paginate } from './lists';
import {
  metadataParam,
  optionalBoolean,
  optionalEnum,
  optionalObject,
  optionalPositiveInteger,
  optionalString,
  requiredCurrency,
  requiredPositiveInteger,
  stringArray,
} from './params';
import { resolvePaymentMethod, TEST_CARDS } from './payment-methods';
import { toWire } from './render';
import type { FormObject, PaymentIntentStatus, SimPaymentIntent, SimPaymentMethod } from './types';
import { generateId, nowSeconds, snapshot } from './util';

const CONFIRMABLE_STATES: PaymentIntentStatus[] = ['requires_payment_method', 'requires_confirmation', 'requires_action'];
const CANCELABLE_STATES: PaymentIntentStatus[] = [
  'requires_payment_method',
  'requires_capture',
  'requires_confirmation',
  'requires_action',
  'processing',
];
const DISPUTE_DELAY_MS = 25;
const BALANCE_TRANSACTION_DELAY_MS = 10;

const PI_CREATE_PARAMS = [
  'amount',
  'currency',
  'allowed_payment_method_types',
  'automatic_payment_methods',
  'capture_method',
  'confirm',
  'confirmation_method',
  'customer',
  'description',
  'error_on_requires_action',
  'excluded_payment_method_types',
  'metadata',
  'off_session',
  'on_behalf_of',
  'payment_method',
  'payment_method_options',
  'payment_method_types',
  'receipt_email',
  'return_url',
  'setup_future_usage',
  'shipping',
  'statement_descriptor',
  'statement_descriptor_suffix',
  'transfer_data',
  'transfer_group',
  'use_stripe_sdk',
] as const;
const PI_CONFIRM_PARAMS = [
  'allowed_payment_method_types',
  'capture_method',
  'error_on_requires_action',
  'excluded_payment_method_types',
  'off_session',
  'payment_method',
  'payment_method_options',
  'payment_method_types',
  'receipt_email',
  'return_url',
  'setup_future_usage',
  'shipping',
  'use_stripe_sdk',
] as const;

export function paymentIntentRoutes(ctx: SimContext): Route[] {
  return [
    route('POST', '/v1/payment_intents', PI_CREATE_PARAMS, (p) => createPaymentIntent(ctx, p)),
    route('GET', '/v1/payment_intents', 'list', (p) =>
      paginate(ctx.store.paymentIntents.values(), p, {
        url: '/v1/payment_intents',
        label: 'payment_intent',
        filters: { created: createdFilter, customer: equals('customer'), customer_account: () => false },
      }),
    ),
    route('GET', '/v1/payment_intents/:id', ['client_secret'], (_p, id) => find(ctx.store.paymentIntents, 'payment_intent', id)),
    route('POST', '/v1/payment_intents/:id/confirm', PI_CONFIRM_PARAMS, (p, id) => confirmPaymentIntent(ctx, p, id)),
    route('POST', '/v1/payment_intents/:id/capture', ['amount_to_capture', 'metadata', 'statement_descriptor'], (p, id) =>
      capturePaymentIntent(ctx, p, id),
    ),
    route('POST', '/v1/payment_intents/:id/cancel', ['cancellation_reason'], (p, id) => cancelPaymentIntent(ctx, p, id)),
  ];
}

function createPaymentIntent(ctx: SimContext, params: FormObject): SimPaymentIntent {
  const amount = requiredPositiveInteger(params, 'amount');
  const currency = requiredCurrency(params);
  const paymentMethodName = optionalString(params, 'payment_method');
  const confirm = optionalBoolean(params, 'confirm') ?? false;
  const captureMethod = optionalEnum(params, 'capture_method', ['automatic', 'automatic_async', 'manual'] as const);
  const automatic = optionalObject(params, 'automatic_payment_methods');
  refuseRemovedPaymentMethodTypes(params);
  const allowed = stringArray(params, 'allowed_payment_method_types');
  const excluded = stringArray(params, 'excluded_payment_method_types');
  if (allowed && (automatic || excluded)) {
    throw invalidParam(
      'You may only specify one of these parameters: allowed_payment_method_types, automatic_payment_methods, excluded_payment_method_types.',
      'allowed_payment_method_types',
    );
  }
  let automaticPaymentMethods: SimPaymentIntent['automatic_payment_methods'] = null;
  if (automatic) {
    automaticPaymentMethods = { enabled: optionalBoolean(automatic, 'enabled') ?? false };
    const allowRedirects = optionalEnum(automatic, 'allow_redirects', ['always', 'never'] as const);
    if (allowRedirects) automaticPaymentMethods.allow_redirects = allowRedirects;
  } else if (!allowed) {
    // Dynamic payment methods are the default: the dashboard's settings decide.
    automaticPaymentMethods = { enabled: true };
  }
  if (confirm && !paymentMethodName) {
    throw invalidRequest(
      "You cannot confirm this PaymentIntent because it's missing a payment method. Specify a payment method with the payment_method parameter.",
      { code: 'payment_intent_unexpected_state' },
    );
  }
  const paymentMethod = paymentMethodName ? resolvePaymentMethod(ctx, paymentMethodName) : undefined;

  const id = generateId('pi');
  const pi: SimPaymentIntent = {
    id,
    object: 'payment_intent',
    allowed_payment_method_types: allowed ?? null,
    amount,
    amount_capturable: 0,
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: automaticPaymentMethods,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: captureMethod ?? 'automatic_async',
    client_secret: `${id}_secret_${generateId('x').slice(2)}`,
    confirmation_method: 'automatic',
    created: nowSeconds(),
    currency,
    customer: null,
    customer_account: null,
    description: optionalString(params, 'description') ?? null,
    excluded_payment_method_types: excluded ?? null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: null,
    metadata: metadataParam(params),
    next_action: null,
    on_behalf_of: null,
    payment_method: paymentMethod?.id ?? null,
    payment_method_configuration_details: null,
    payment_method_options: { card: { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' } },
    // The simulator knows cards only: what is allowed is filtered to what works, as Stripe does.
    payment_method_types: allowed ? allowed.filter((t) => t === 'card') : ['card'],
    payment_record: null,
    processing: null,
    receipt_email: optionalString(params, 'receipt_email') ?? null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: paymentMethod ? 'requires_confirmation' : 'requires_payment_method',
    transfer_group: optionalString(params, 'transfer_group') ?? null,
  };
  ctx.store.paymentIntents.set(id, pi);
  if (automatic && automaticPaymentMethods?.enabled) ctx.store.redirectable.add(id);
  if (confirm) confirm_(ctx, pi, undefined, optionalString(params, 'return_url'));
  return pi;
}

/** Since 2026-09-30.endive a PaymentIntent's payment method types are no longer set by the caller. */
function refuseRemovedPaymentMethodTypes(params: FormObject): void {
  if (params.payment_method_types === undefined) return;
  throw invalidRequest(
    'The `payment_method_types` parameter is no longer supported on this API version. Use dynamic payment methods, `allowed_payment_method_types` or `excluded_payment_method_types` instead.',
    { code: 'payment_method_types_no_longer_supported', param: 'payment_method_types', beforeExecution: true },
  );
}

function confirmPaymentIntent(ctx: SimContext, params: FormObject, id: string): SimPaymentIntent {
  const pi = find(ctx.store.paymentIntents, 'payment_intent', id);
  refuseRemovedPaymentMethodTypes(params);
  const name = optionalString(params, 'payment_method');
  const paymentMethod = name ? resolvePaymentMethod(ctx, name) : undefined;
  confirm_(ctx, pi, paymentMethod, optionalString(params, 'return_url'));
  return pi;
}

function unexpectedState(ctx: SimContext, message: string, pi: SimPaymentIntent): StripeApiError {
  return invalidRequest(message, { code: 'payment_intent_unexpected_state', payment_intent: toWire(ctx, pi) });
}

function confirm_(
  ctx: SimContext,
  pi: SimPaymentIntent,
  newPaymentMethod: SimPaymentMethod | undefined,
  returnUrl: string | undefined,
): void {
  if (pi.status === 'succeeded') {
    throw unexpectedState(
      ctx,
      'You cannot confirm this PaymentIntent because it has already succeeded after being previously confirmed.',
      pi,
    );
  }
  if (!CONFIRMABLE_STATES.includes(pi.status)) {
    throw unexpectedState(
      ctx,
      `You cannot confirm this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be confirmed: ${CONFIRMABLE_STATES.join(', ')}.`,
      pi,
    );
  }
  const paymentMethodId = newPaymentMethod?.id ?? pi.payment_method;
  if (!paymentMethodId) {
    throw unexpectedState(
      ctx,
      "You cannot confirm this PaymentIntent because it's missing a payment method. Specify a payment method with the payment_method parameter.",
      pi,
    );
  }
  const apm = pi.automatic_payment_methods;
  if (apm?.enabled && apm.allow_redirects !== 'never' && ctx.store.redirectable.has(pi.id) && !returnUrl) {
    // Automatic payment methods asked for without allow_redirects=never may redirect (the default is always).
    throw invalidRequest(
      'A `return_url` must be specified because this Payment Intent is configured to automatically accept the payment methods enabled in the Dashboard, some of which may require a full page redirect to succeed. If you do not want to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and `automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and Payment Intents.',
    );
  }
  const paymentMethod = find(ctx.store.paymentMethods, 'payment_method', paymentMethodId);
  const card = ctx.store.testCards.get(paymentMethod.id) ?? TEST_CARDS.pm_card_visa;
  const charge = createCharge(ctx, pi, paymentMethod, card);
  pi.latest_charge = charge.id;

  if (card.decline) {
    pi.status = 'requires_payment_method';
    pi.payment_method = null;
    pi.last_payment_error = {
      type: 'card_error',
      charge: charge.id,
      ...card.decline,
      doc_url: docUrl(card.decline.code),
      payment_method: structuredClone(paymentMethod),
    };
    ctx.emit('payment_intent.payment_failed', pi);
    throw new StripeApiError(402, {
      type: 'card_error',
      charge: charge.id,
      ...card.decline,
      doc_url: docUrl(card.decline.code),
      payment_intent: toWire(ctx, pi),
      payment_method: snapshot(paymentMethod),
    });
  }

  pi.payment_method = paymentMethod.id;
  pi.last_payment_error = null;
  if (pi.capture_method === 'manual') {
    pi.status = 'requires_capture';
    pi.amount_capturable = pi.amount;
    return;
  }
  pi.status = 'succeeded';
  pi.amount_received = pi.amount;
  ctx.emit('payment_intent.succeeded', pi);
  if (pi.capture_method === 'automatic_async') {
    // Asynchronous capture: the balance transaction appears on the charge after the answer.
    ctx.later(() => {
      charge.balance_transaction = generateId('txn');
    }, BALANCE_TRANSACTION_DELAY_MS);
  }
  if (card.dispute) ctx.later(() => createDispute(ctx, pi.id), DISPUTE_DELAY_MS);
}

function capturePaymentIntent(ctx: SimContext, params: FormObject, id: string): SimPaymentIntent {
  const pi = find(ctx.store.paymentIntents, 'payment_intent', id);
  if (pi.status !== 'requires_capture') {
    throw unexpectedState(
      ctx,
      `This PaymentIntent could not be captured because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.`,
      pi,
    );
  }
  const amount = optionalPositiveInteger(params, 'amount_to_capture') ?? pi.amount_capturable;
  if (amount > pi.amount_capturable) {
    throw invalidRequest(`The amount to capture (${amount}) exceeds the capturable amount (${pi.amount_capturable}).`, {
      code: 'amount_too_large',
      param: 'amount_to_capture',
    });
  }
  const charge = find(ctx.store.charges, 'charge', pi.latest_charge ?? '');
  charge.captured = true;
  charge.amount_captured = amount;
  pi.status = 'succeeded';
  pi.amount_capturable = 0;
  pi.amount_received = amount;
  ctx.emit('payment_intent.succeeded', pi);
  return pi;
}

function cancelPaymentIntent(ctx: SimContext, params: FormObject, id: string): SimPaymentIntent {
  const pi = find(ctx.store.paymentIntents, 'payment_intent', id);
  const reason = optionalEnum(params, 'cancellation_reason', ['duplicate', 'fraudulent', 'requested_by_customer', 'abandoned'] as const);
  if (!CANCELABLE_STATES.includes(pi.status)) {
    throw unexpectedState(
      ctx,
      `You cannot cancel this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${CANCELABLE_STATES.join(', ')}.`,
      pi,
    );
  }
  pi.status = 'canceled';
  pi.canceled_at = nowSeconds();
  pi.cancellation_reason = reason ?? null;
  pi.amount_capturable = 0;
  ctx.emit('payment_intent.canceled', pi);
  return pi;
}
