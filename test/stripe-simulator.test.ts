/**
 * Drives the Stripe simulator with the real `stripe` SDK, and verifies every
 * webhook it sends with `stripe.webhooks.constructEvent`, so the simulator is
 * held to what the SDK and Stripe's signing scheme actually expect.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import Stripe from 'stripe';
import { PaymentGateway } from '../src/payments/gateway';
import {
  parseFormBody,
  startStandaloneSimulator,
  startStripeSimulator,
  StripeSimulatorControl,
  type SimEvent,
  type StripeSimulator,
} from '../src/payments/stripe-simulator';

const WEBHOOK_SECRET = 'whsec_simulator_test_secret';

interface WebhookReceiver {
  url: string;
  /** Events whose signature verified. */
  received: Stripe.Event[];
  /** Verification failures, one message per rejected delivery. */
  rejected: string[];
  close(): Promise<void>;
}

/** Verifies what arrives; `failFirst` deliveries are answered 500 first, as a receiver that is down. */
async function startWebhookReceiver(secret: string, failFirst = 0): Promise<WebhookReceiver> {
  const received: Stripe.Event[] = [];
  const rejected: string[] = [];
  let toFail = failFirst;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (toFail > 0) {
        toFail -= 1;
        res.writeHead(500).end('down');
        return;
      }
      const rawBody = Buffer.concat(chunks).toString('utf8');
      try {
        received.push(Stripe.webhooks.constructEvent(rawBody, String(req.headers['stripe-signature']), secret));
        res.writeHead(200).end('ok');
      } catch (error) {
        rejected.push((error as Error).message);
        res.writeHead(400).end('bad signature');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/stripe`,
    received,
    rejected,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function stripeClient(sim: StripeSimulator, config: Stripe.StripeConfig = {}): Stripe {
  return new Stripe('sk_test_simulator', {
    host: '127.0.0.1',
    port: sim.port,
    protocol: 'http',
    maxNetworkRetries: 0,
    ...config,
  });
}

async function rejectionOf(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await promise;
  } catch (error) {
    return error as Stripe.errors.StripeError;
  }
  throw new Error('expected the call to be rejected');
}

function objectId(event: Stripe.Event | SimEvent): unknown {
  return (event.data.object as { id?: unknown }).id;
}

let sim: StripeSimulator;
let stripe: Stripe;
let receiver: WebhookReceiver;

/** Verified webhooks about one object, once every pending delivery has landed. */
async function webhooksFor(id: string): Promise<Stripe.Event[]> {
  await sim.flushWebhooks();
  return receiver.received.filter((event) => objectId(event) === id);
}

async function succeededPaymentIntent(amount = 5000): Promise<Stripe.PaymentIntent> {
  return stripe.paymentIntents.create({ amount, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
}

async function connectedAccount(payoutsEnabled: boolean): Promise<Stripe.Account> {
  const account = await stripe.accounts.create({ type: 'express', country: 'US', email: 'advisor@example.com' });
  if (payoutsEnabled) sim.updateAccount(account.id, { details_submitted: true, payouts_enabled: true, charges_enabled: true });
  return account;
}

beforeAll(async () => {
  receiver = await startWebhookReceiver(WEBHOOK_SECRET);
  sim = await startStripeSimulator({ webhook: { url: receiver.url, secret: WEBHOOK_SECRET } });
  stripe = stripeClient(sim);
});

afterAll(async () => {
  await sim.close();
  await receiver.close();
});

describe('form decoding', () => {
  it('turns bracket notation into nested objects and indexed keys into arrays', () => {
    const body = parseFormBody(
      'amount=100&metadata[consultation_id]=c_1&metadata[0]=zero&expand[0]=latest_charge&expand[1]=customer' +
        '&items[0][price]=p_1&items[1][price]=p_2&capabilities[transfers][requested]=true&note=a%20b+c',
    );
    expect(body).toEqual({
      amount: '100',
      metadata: { consultation_id: 'c_1', '0': 'zero' },
      expand: ['latest_charge', 'customer'],
      items: [{ price: 'p_1' }, { price: 'p_2' }],
      capabilities: { transfers: { requested: 'true' } },
      note: 'a b c',
    });
  });
});

describe('payment intents', () => {
  it('creates and confirms a payment with pm_card_visa, then sends a verified payment_intent.succeeded', async () => {
    const created = await stripe.paymentIntents.create({
      amount: 5000,
      currency: 'usd',
      metadata: { consultation_id: 'consultation-1' },
      transfer_group: 'consultation-1',
      automatic_payment_methods: { enabled: true },
    });
    expect(created).toMatchObject({
      object: 'payment_intent',
      status: 'requires_payment_method',
      amount: 5000,
      currency: 'usd',
      livemode: false,
      metadata: { consultation_id: 'consultation-1' },
    });
    expect(created.id).toMatch(/^pi_/);
    expect(created.client_secret).toMatch(new RegExp(`^${created.id}_secret_\\w+$`));

    // Explicit automatic payment methods may redirect, so Stripe wants a return_url to confirm.
    const noReturn = await rejectionOf(stripe.paymentIntents.confirm(created.id, { payment_method: 'pm_card_visa' }));
    expect(noReturn).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(noReturn.message).toMatch(/return_url/);
    const confirmed = await stripe.paymentIntents.confirm(created.id, {
      payment_method: 'pm_card_visa',
      return_url: 'https://app.example.com/paid',
    });
    expect(confirmed.status).toBe('succeeded');
    expect(confirmed.amount_received).toBe(5000);
    expect(confirmed.latest_charge).toMatch(/^ch_/);

    const charge = await stripe.charges.retrieve(confirmed.latest_charge as string);
    expect(charge).toMatchObject({
      paid: true,
      captured: true,
      amount: 5000,
      amount_refunded: 0,
      refunded: false,
      payment_intent: created.id,
      metadata: { consultation_id: 'consultation-1' },
      transfer_group: 'consultation-1',
    });

    const events = await webhooksFor(created.id);
    expect(events.map((event) => event.type)).toEqual(['payment_intent.succeeded']);
    expect(events[0].data.object).toMatchObject({ status: 'succeeded', amount_received: 5000 });
    expect(events[0].request?.idempotency_key).toBe(confirmed.lastResponse.idempotencyKey);
    expect(sim.deliveries.find((delivery) => delivery.eventId === events[0].id)?.status).toBe(200);
  });

  it('is requires_confirmation with a payment method but no confirm, and expands latest_charge on request', async () => {
    const pending = await stripe.paymentIntents.create({
      amount: 1200,
      currency: 'usd',
      payment_method: 'pm_card_visa',
    });
    expect(pending.status).toBe('requires_confirmation');

    await stripe.paymentIntents.confirm(pending.id);
    const retrieved = await stripe.paymentIntents.retrieve(pending.id, { expand: ['latest_charge'] });
    expect(retrieved.status).toBe('succeeded');
    expect(retrieved.latest_charge).toMatchObject({ object: 'charge', amount: 1200, payment_intent: pending.id });
  });

  it('raises StripeCardError for a declined card and leaves the intent requiring a payment method', async () => {
    const error = await rejectionOf(
      stripe.paymentIntents.create({
        amount: 3000,
        currency: 'usd',
        payment_method: 'pm_card_chargeDeclined',
        confirm: true,
      }),
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(error.statusCode).toBe(402);
    expect(error.code).toBe('card_declined');
    expect(error.decline_code).toBe('generic_decline');
    expect(error.payment_intent?.status).toBe('requires_payment_method');

    const id = error.payment_intent!.id;
    const retrieved = await stripe.paymentIntents.retrieve(id);
    expect(retrieved.status).toBe('requires_payment_method');
    expect(retrieved.last_payment_error).toMatchObject({ code: 'card_declined', decline_code: 'generic_decline' });

    expect((await webhooksFor(id)).map((event) => event.type)).toEqual(['payment_intent.payment_failed']);
  });

  it('refuses to confirm an intent that already succeeded', async () => {
    const pi = await succeededPaymentIntent();
    const error = await rejectionOf(stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error.code).toBe('payment_intent_unexpected_state');
  });

  it('cancels an open intent once, and never a succeeded one', async () => {
    const open = await stripe.paymentIntents.create({ amount: 2500, currency: 'usd' });
    const canceled = await stripe.paymentIntents.cancel(open.id, { cancellation_reason: 'requested_by_customer' });
    expect(canceled).toMatchObject({ status: 'canceled', cancellation_reason: 'requested_by_customer' });
    expect((await webhooksFor(open.id)).map((event) => event.type)).toEqual(['payment_intent.canceled']);

    const again = await rejectionOf(stripe.paymentIntents.cancel(open.id));
    expect(again.code).toBe('payment_intent_unexpected_state');

    const succeeded = await succeededPaymentIntent();
    const error = await rejectionOf(stripe.paymentIntents.cancel(succeeded.id));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('payment_intent_unexpected_state');
  });

  it('answers 404 resource_missing for an unknown intent', async () => {
    const error = await rejectionOf(stripe.paymentIntents.retrieve('pi_does_not_exist'));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe('resource_missing');
  });
});

describe('what is left out unless asked for', () => {
  it('keeps references as ids and expands only the paths asked for', async () => {
    const pi = await succeededPaymentIntent(2100);
    expect(pi).not.toHaveProperty('charges');
    expect(pi.payment_method).toMatch(/^pm_/);
    expect(pi.payment_method).not.toBe('pm_card_visa');
    const charge = await stripe.charges.retrieve(pi.latest_charge as string);
    expect(charge.payment_intent).toBe(pi.id);
    expect(charge).not.toHaveProperty('refunds');
    const deep = await stripe.paymentIntents.retrieve(pi.id, { expand: ['latest_charge.payment_intent', 'payment_method'] });
    expect(deep.latest_charge).toMatchObject({ object: 'charge', payment_intent: { object: 'payment_intent', id: pi.id } });
    expect(deep.payment_method).toMatchObject({ object: 'payment_method', type: 'card', card: { last4: '4242' } });

    const refund = await stripe.refunds.create({ payment_intent: pi.id, amount: 100 });
    expect(refund).toMatchObject({ charge: charge.id, payment_intent: pi.id });
    expect((await stripe.refunds.retrieve(refund.id, { expand: ['charge'] })).charge).toMatchObject({
      object: 'charge',
      amount_refunded: 100,
    });

    const refused = await rejectionOf(stripe.paymentIntents.retrieve(pi.id, { expand: ['customer_details'] }));
    expect(refused).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(refused.message).toMatch(/cannot be expanded/);
  });

  it('sends charge.refunded with the charge as Stripe renders it: no refunds list', async () => {
    const pi = await succeededPaymentIntent(1500);
    sim.refundOutsideApi(pi.id);
    const [event] = await webhooksFor(pi.latest_charge as string);
    expect(event.data.object).not.toHaveProperty('refunds');
    expect(event.data.previous_attributes).toEqual({ amount_refunded: 0, refunded: false });
    expect(event).toMatchObject({ object: 'event', api_version: '2026-10-28.endive', livemode: false, pending_webhooks: 1 });
  });
});

describe('lists', () => {
  it('pages newest first with limit, starting_after and ending_before, and filters by created and by parent', async () => {
    const group = `list-${randomUUID()}`;
    const made: Stripe.Transfer[] = [];
    const account = await connectedAccount(true);
    for (let i = 0; i < 5; i++)
      made.push(await stripe.transfers.create({ amount: 100 + i, currency: 'usd', destination: account.id, transfer_group: group }));
    const newestFirst = made.map((t) => t.id).reverse();

    const first = await stripe.transfers.list({ transfer_group: group, limit: 2 });
    expect(first).toMatchObject({ object: 'list', has_more: true, url: '/v1/transfers' });
    expect(first.data.map((t) => t.id)).toEqual(newestFirst.slice(0, 2));
    const second = await stripe.transfers.list({ transfer_group: group, limit: 2, starting_after: first.data[1].id });
    expect(second.data.map((t) => t.id)).toEqual(newestFirst.slice(2, 4));
    const back = await stripe.transfers.list({ transfer_group: group, limit: 2, ending_before: second.data[0].id });
    expect(back.data.map((t) => t.id)).toEqual(newestFirst.slice(0, 2));
    expect(back.has_more).toBe(false);
    const all = await stripe.transfers.list({ transfer_group: group, limit: 2 }).autoPagingToArray({ limit: 100 });
    expect(all.map((t) => t.id)).toEqual(newestFirst);

    const created = made[0].created;
    expect((await stripe.transfers.list({ transfer_group: group, created: { gte: created, lte: created + 60 } })).data).toHaveLength(5);
    expect((await stripe.transfers.list({ transfer_group: group, created: { gt: created + 60 } })).data).toHaveLength(0);
    expect((await stripe.transfers.list({ transfer_group: group, created: { lt: created } })).data).toHaveLength(0);
    expect((await stripe.transfers.list({ destination: account.id })).data).toHaveLength(5);

    const reversal = await stripe.transfers.createReversal(made[0].id, { amount: 10 });
    expect((await stripe.transfers.listReversals(made[0].id)).data.map((r) => r.id)).toEqual([reversal.id]);
    expect(await stripe.transfers.retrieve(made[0].id)).toMatchObject({
      reversals: { object: 'list', data: [{ id: reversal.id }], has_more: false, url: `/v1/transfers/${made[0].id}/reversals` },
    });
  });

  it('defaults to 10, refuses a limit over 100, both cursors at once, unknown parameters, and needs data. to expand', async () => {
    for (let i = 0; i < 11; i++)
      await stripe.paymentIntents.create({ amount: 100, currency: 'usd', allowed_payment_method_types: ['card'] });
    const page = await stripe.paymentIntents.list();
    expect(page.data).toHaveLength(10);
    expect(page.has_more).toBe(true);
    expect(page).not.toHaveProperty('total_count');

    const tooMany = await rejectionOf(stripe.paymentIntents.list({ limit: 101 }));
    expect(tooMany).toMatchObject({ statusCode: 400, param: 'limit', rawType: 'invalid_request_error' });
    const both = await rejectionOf(stripe.paymentIntents.list({ starting_after: page.data[0].id, ending_before: page.data[1].id }));
    expect(both.statusCode).toBe(400);
    const unknown = await rejectionOf(stripe.paymentIntents.list({ payment_intent: 'pi_1' } as Stripe.PaymentIntentListParams));
    expect(unknown).toMatchObject({ statusCode: 400, code: 'parameter_unknown', param: 'payment_intent' });
    const removed = await rejectionOf(
      stripe.paymentIntents.create({ amount: 100, currency: 'usd', payment_method_types: ['card'] } as Stripe.PaymentIntentCreateParams),
    );
    expect(removed).toMatchObject({ statusCode: 400, code: 'payment_method_types_no_longer_supported' });
    const cursor = await rejectionOf(stripe.paymentIntents.list({ starting_after: 'pi_missing' }));
    expect(cursor).toMatchObject({ code: 'resource_missing', param: 'starting_after' });

    const flat = await rejectionOf(stripe.paymentIntents.list({ expand: ['latest_charge'] }));
    expect(flat.message).toMatch(/data\.latest_charge/);
    const paid = await succeededPaymentIntent(700);
    const expanded = await stripe.paymentIntents.list({ limit: 1, expand: ['data.latest_charge'] });
    expect(expanded.data[0]).toMatchObject({ id: paid.id, latest_charge: { object: 'charge', payment_intent: paid.id } });
  });

  it('lists refunds by PaymentIntent and by charge, and events by type', async () => {
    const pi = await succeededPaymentIntent(3000);
    const a = await stripe.refunds.create({ payment_intent: pi.id, amount: 1000 });
    const b = sim.refundOutsideApi(pi.id, 500);
    expect((await stripe.refunds.list({ payment_intent: pi.id })).data.map((r) => r.id)).toEqual([b.id, a.id]);
    expect((await stripe.refunds.list({ charge: pi.latest_charge as string })).data.map((r) => r.id)).toEqual([b.id, a.id]);
    const events = await stripe.events.list({ type: 'charge.refunded', limit: 2 });
    expect(events.data.map((e) => (e.data.object as { id: string }).id)).toEqual([pi.latest_charge, pi.latest_charge]);
    expect(await stripe.events.retrieve(events.data[0].id)).toMatchObject({ id: events.data[0].id, type: 'charge.refunded' });
  });

  it('gives the gateway every object of a period, page after page', async () => {
    const gateway = new PaymentGateway(stripe);
    const from = new Date(Math.floor(Date.now() / 1000) * 1000);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await succeededPaymentIntent(400 + i)).id);
    sim.refundOutsideApi(ids[0]);
    const period = { from, to: new Date(Date.now() + 1000) };
    const intents = await gateway.listPaymentIntents(period);
    expect(intents.map((p) => p.id)).toEqual(expect.arrayContaining(ids));
    expect(intents.find((p) => p.id === ids[2])).toMatchObject({ status: 'succeeded', amountCents: 402, currency: 'usd' });
    const charges = await gateway.listCharges(period);
    expect(charges.find((c) => c.paymentIntentId === ids[0])).toMatchObject({ refunded: true, amountRefundedCents: 400 });
    const refunds = await gateway.listRefunds({ paymentIntentId: ids[0] });
    expect(refunds).toEqual([expect.objectContaining({ amountCents: 400, paymentIntentId: ids[0], source: null })]);
    expect((await gateway.listRefunds(period)).map((r) => r.id)).toContain(refunds[0].id);
    expect(await gateway.listRefunds({ chargeId: refunds[0].chargeId! })).toHaveLength(1);
    expect(await gateway.listPaymentIntents({ from: new Date(Date.now() + 3_600_000), to: new Date(Date.now() + 7_200_000) })).toEqual([]);
  });
});

describe('errors as Stripe sends them', () => {
  it('a decline carries type, code, decline_code, doc_url, the charge, the PaymentIntent and the PaymentMethod', async () => {
    const error = await rejectionOf(
      stripe.paymentIntents.create({
        amount: 900,
        currency: 'usd',
        payment_method: 'pm_card_chargeDeclinedInsufficientFunds',
        confirm: true,
      }),
    );
    expect(error).toMatchObject({
      type: 'StripeCardError',
      rawType: 'card_error',
      statusCode: 402,
      code: 'card_declined',
      decline_code: 'insufficient_funds',
      doc_url: 'https://docs.stripe.com/error-codes/card-declined',
      message: 'Your card has insufficient funds.',
    });
    expect(error.charge).toMatch(/^ch_/);
    expect(error.payment_intent).toMatchObject({
      object: 'payment_intent',
      status: 'requires_payment_method',
      latest_charge: error.charge,
    });
    expect(error.payment_method).toMatchObject({ object: 'payment_method', type: 'card' });
    expect((error.raw as { request_log_url?: string }).request_log_url).toMatch(/^https:\/\/dashboard\.stripe\.com\/test\/logs\/req_/);
  });

  it('refuses a request at another API version rather than answer it in this one', async () => {
    const other = stripeClient(sim, { apiVersion: '2024-06-20' as Stripe.LatestApiVersion });
    const error = await rejectionOf(other.paymentIntents.create({ amount: 100, currency: 'usd' }));
    expect(error.statusCode).toBe(400);
    expect(error.message).toMatch(/2026-10-28\.endive/);
  });
});

describe('idempotency', () => {
  const params = { amount: 4200, currency: 'usd', metadata: { consultation_id: 'idem' } };

  it('replays the stored response for a repeated key instead of creating another intent', async () => {
    const key = `create-${randomUUID()}`;
    const countBefore = sim.paymentIntents.size;

    const first = await stripe.paymentIntents.create(params, { idempotencyKey: key });
    const second = await stripe.paymentIntents.create(params, { idempotencyKey: key });

    expect(second.id).toBe(first.id);
    expect(second.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(first.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    expect(second.lastResponse.headers['original-request']).toBe(first.lastResponse.requestId);
    expect(sim.paymentIntents.size).toBe(countBefore + 1);
    expect(sim.requestLog.filter((request) => request.idempotencyKey === key)).toHaveLength(2);
  });

  it('rejects a key reused with different parameters', async () => {
    const key = `create-${randomUUID()}`;
    await stripe.paymentIntents.create(params, { idempotencyKey: key });
    const error = await rejectionOf(stripe.paymentIntents.create({ ...params, amount: 9999 }, { idempotencyKey: key }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(error.statusCode).toBe(400);
    expect(error.rawType).toBe('idempotency_error');
  });

  it('replays a decline as it was, and saves nothing for a request refused by validation', async () => {
    const key = `decline-${randomUUID()}`;
    const declined = { amount: 500, currency: 'usd', payment_method: 'pm_card_chargeDeclined', confirm: true };
    const first = await rejectionOf(stripe.paymentIntents.create(declined, { idempotencyKey: key }));
    const again = await rejectionOf(stripe.paymentIntents.create(declined, { idempotencyKey: key }));
    expect(again.payment_intent?.id).toBe(first.payment_intent?.id);
    expect(again.headers?.['idempotent-replayed']).toBe('true');

    const invalidKey = `invalid-${randomUUID()}`;
    const invalid = await rejectionOf(
      stripe.paymentIntents.create({ amount: 500 } as Stripe.PaymentIntentCreateParams, { idempotencyKey: invalidKey }),
    );
    expect(invalid).toMatchObject({ code: 'parameter_missing', param: 'currency' });
    const fixed = await stripe.paymentIntents.create({ amount: 500, currency: 'usd' }, { idempotencyKey: invalidKey });
    expect(fixed.lastResponse.headers['idempotent-replayed']).toBeUndefined();
  });

  it('creates a single object for concurrent requests sharing a key', async () => {
    const key = `create-${randomUUID()}`;
    const countBefore = sim.paymentIntents.size;
    const results = await Promise.all(Array.from({ length: 5 }, () => stripe.paymentIntents.create(params, { idempotencyKey: key })));
    expect(new Set(results.map((pi) => pi.id)).size).toBe(1);
    expect(sim.paymentIntents.size).toBe(countBefore + 1);
  });
});

describe('refunds', () => {
  it('refunds the remaining amount by default and rejects refunding more', async () => {
    const pi = await succeededPaymentIntent(5000);
    const chargeId = pi.latest_charge as string;

    const partial = await stripe.refunds.create({
      payment_intent: pi.id,
      amount: 2000,
      reason: 'requested_by_customer',
    });
    const rest = await stripe.refunds.create({ payment_intent: pi.id, metadata: { why: 'rest' } });
    expect(partial).toMatchObject({ object: 'refund', amount: 2000, status: 'succeeded', charge: chargeId });
    expect(rest).toMatchObject({ amount: 3000, payment_intent: pi.id, metadata: { why: 'rest' } });
    expect(await stripe.refunds.retrieve(rest.id)).toMatchObject({ id: rest.id, amount: 3000 });

    // Since 2022-11-15 a charge carries its refunds only when asked to; a list reads them.
    const charge = await stripe.charges.retrieve(chargeId);
    expect(charge).toMatchObject({ amount_refunded: 5000, refunded: true });
    expect(charge).not.toHaveProperty('refunds');
    const expanded = await stripe.charges.retrieve(chargeId, { expand: ['refunds'] });
    expect(expanded.refunds).toMatchObject({ object: 'list', has_more: false, url: `/v1/charges/${chargeId}/refunds` });
    expect(expanded.refunds!.data.map((refund) => refund.id)).toEqual([rest.id, partial.id]);
    const listed = await stripe.refunds.list({ payment_intent: pi.id });
    expect(listed.data.map((refund) => refund.id)).toEqual([rest.id, partial.id]);

    const error = await rejectionOf(stripe.refunds.create({ charge: chargeId, amount: 1 }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error.code).toBe('charge_already_refunded');

    const events = await webhooksFor(chargeId);
    expect(events.map((event) => event.type)).toEqual(['charge.refunded', 'charge.refunded']);
    expect(events[1].data.object).toMatchObject({ amount_refunded: 5000, refunded: true });
  });

  it('reports dashboard refunds made outside the API', async () => {
    const pi = await succeededPaymentIntent(5000);
    sim.refundOutsideApi(pi.id, 1500);

    const [event] = await webhooksFor(pi.latest_charge as string);
    expect(event.type).toBe('charge.refunded');
    expect(event.data.object).toMatchObject({ amount_refunded: 1500, refunded: false });
    expect(event.request).toEqual({ id: null, idempotency_key: null });
  });
});

describe('connected accounts and transfers', () => {
  it('creates an express account and onboarding link, and emits account.updated when onboarding completes', async () => {
    const account = await stripe.accounts.create({
      type: 'express',
      country: 'US',
      email: 'advisor@example.com',
      capabilities: { transfers: { requested: true } },
      metadata: { advisor_id: 'advisor-1' },
    });
    expect(account).toMatchObject({
      object: 'account',
      type: 'express',
      details_submitted: false,
      payouts_enabled: false,
      charges_enabled: false,
      metadata: { advisor_id: 'advisor-1' },
    });
    expect(account.id).toMatch(/^acct_/);

    const link = await stripe.accountLinks.create({
      account: account.id,
      refresh_url: 'https://app.example.com/onboarding/refresh',
      return_url: 'https://app.example.com/onboarding/done',
      type: 'account_onboarding',
    });
    expect(link.object).toBe('account_link');
    expect(link.url).toBe(`${sim.url}/connect/onboarding/${account.id}`);
    expect(link.expires_at).toBeGreaterThan(Date.now() / 1000);

    sim.updateAccount(account.id, { details_submitted: true, payouts_enabled: true });
    const events = await webhooksFor(account.id);
    expect(events.map((event) => event.type)).toEqual(['account.updated']);
    expect(events[0].data.object).toMatchObject({ details_submitted: true, payouts_enabled: true });
    expect(events[0].data.previous_attributes).toMatchObject({ details_submitted: false, payouts_enabled: false });

    const retrieved = await stripe.accounts.retrieve(account.id);
    expect(retrieved).toMatchObject({ payouts_enabled: true, capabilities: { transfers: 'active' } });
  });

  it('refuses transfers to unknown accounts or accounts that cannot receive payouts', async () => {
    const unknown = await rejectionOf(stripe.transfers.create({ amount: 1000, currency: 'usd', destination: 'acct_does_not_exist' }));
    expect(unknown).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(unknown.param).toBe('destination');

    const account = await connectedAccount(false);
    const transfersBefore = sim.transfers.size;
    const error = await rejectionOf(stripe.transfers.create({ amount: 1000, currency: 'usd', destination: account.id }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error.statusCode).toBe(400);
    expect(error.message).toMatch(/capabilities enabled: transfers/);
    expect(sim.transfers.size).toBe(transfersBefore);
  });

  it('transfers to an enabled account and reverses through the API and outside it', async () => {
    const account = await connectedAccount(true);
    const transfer = await stripe.transfers.create({
      amount: 4000,
      currency: 'usd',
      destination: account.id,
      transfer_group: 'consultation-9',
      metadata: { consultation_id: 'consultation-9' },
    });
    expect(transfer).toMatchObject({
      object: 'transfer',
      amount: 4000,
      destination: account.id,
      reversed: false,
      amount_reversed: 0,
      transfer_group: 'consultation-9',
    });
    expect(transfer.id).toMatch(/^tr_/);
    expect((await stripe.transfers.retrieve(transfer.id)).id).toBe(transfer.id);

    const reversal = await stripe.transfers.createReversal(transfer.id, { amount: 1000 });
    expect(reversal).toMatchObject({ object: 'transfer_reversal', amount: 1000, transfer: transfer.id });
    sim.reverseTransferOutsideApi(transfer.id);
    expect(sim.transfers.get(transfer.id)).toMatchObject({ amount_reversed: 4000, reversed: true });

    const events = await webhooksFor(transfer.id);
    expect(events.map((event) => event.type)).toEqual(['transfer.created', 'transfer.reversed', 'transfer.reversed']);
    expect(events[2].data.object).toMatchObject({ reversed: true, amount_reversed: 4000 });
  });
});

describe('disputes', () => {
  it('emits charge.dispute.created and charge.dispute.closed', async () => {
    const pi = await succeededPaymentIntent(7000);
    const dispute = sim.createDispute(pi.id);
    expect(dispute).toMatchObject({
      object: 'dispute',
      amount: 7000,
      charge: pi.latest_charge,
      payment_intent: pi.id,
      status: 'needs_response',
      reason: 'fraudulent',
    });
    expect(dispute.id).toMatch(/^dp_/);
    expect((await stripe.charges.retrieve(pi.latest_charge as string)).disputed).toBe(true);

    sim.closeDispute(dispute.id, 'lost');
    const events = await webhooksFor(dispute.id);
    expect(events.map((event) => [event.type, (event.data.object as { status: string }).status])).toEqual([
      ['charge.dispute.created', 'needs_response'],
      ['charge.dispute.closed', 'lost'],
    ]);
  });
});

describe('fault injection', () => {
  it('fails the next matching requests without side effects', async () => {
    const key = `create-${randomUUID()}`;
    const countBefore = sim.paymentIntents.size;
    sim.failNextRequests('/v1/payment_intents', 1);

    const error = await rejectionOf(stripe.paymentIntents.create({ amount: 100, currency: 'usd' }, { idempotencyKey: key }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(error.statusCode).toBe(500);
    expect(sim.paymentIntents.size).toBe(countBefore);

    // A failure that had no effect is not stored, so retrying the key does the work.
    const retried = await stripe.paymentIntents.create({ amount: 100, currency: 'usd' }, { idempotencyKey: key });
    expect(retried.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    expect(sim.paymentIntents.size).toBe(countBefore + 1);
  });

  it('fails with a custom error', async () => {
    sim.failNextRequests('/v1/refunds', 2, {
      status: 429,
      type: 'invalid_request_error',
      code: 'rate_limit',
      message: 'Slow down',
    });
    const pi = await succeededPaymentIntent();
    for (let attempt = 0; attempt < 2; attempt++) {
      const error = await rejectionOf(stripe.refunds.create({ payment_intent: pi.id }));
      expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
      expect(error.message).toBe('Slow down');
    }
    expect((await stripe.refunds.create({ payment_intent: pi.id })).amount).toBe(5000);
  });

  it('holds back a response after doing the work, so a retry with the same key replays it', async () => {
    const account = await connectedAccount(true);
    const impatient = stripeClient(sim, { timeout: 200 });
    const key = `transfer-${randomUUID()}`;
    const params = { amount: 2500, currency: 'usd', destination: account.id };
    sim.delayNextResponses('/v1/transfers', 1, 1000);

    const timeout = await rejectionOf(impatient.transfers.create(params, { idempotencyKey: key }));
    expect(timeout).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    const done = [...sim.transfers.values()].filter((transfer) => transfer.destination === account.id);
    expect(done).toHaveLength(1);

    const retried = await impatient.transfers.create(params, { idempotencyKey: key });
    expect(retried.id).toBe(done[0].id);
    expect(retried.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect([...sim.transfers.values()].filter((transfer) => transfer.destination === account.id)).toHaveLength(1);
  });
});

describe('authentication and routing', () => {
  it('answers 401 without a Bearer secret key', async () => {
    const response = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = http.request(`${sim.url}/v1/payment_intents`, { method: 'POST', agent: false }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      request.on('error', reject);
      request.end('amount=100&currency=usd');
    });
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body)).toMatchObject({ error: { type: 'invalid_request_error' } });

    const badKey = new Stripe('pk_test_not_a_secret', {
      host: '127.0.0.1',
      port: sim.port,
      protocol: 'http',
      maxNetworkRetries: 0,
    });
    const error = await rejectionOf(badKey.paymentIntents.create({ amount: 100, currency: 'usd' }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
  });

  it('answers 404 for endpoints it does not implement', async () => {
    const error = await rejectionOf(stripe.customers.create({ email: 'someone@example.com' }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error.statusCode).toBe(404);
    expect(error.message).toContain('/v1/customers');
  });
});

describe('webhook delivery controls', () => {
  it('re-sends, forges and records failed deliveries without throwing', async () => {
    const pi = await succeededPaymentIntent();
    await sim.flushWebhooks();
    const event = sim.events.find((candidate) => objectId(candidate) === pi.id)!;

    expect((await sim.deliver(event)).status).toBe(200);
    expect(receiver.received.filter((received) => received.id === event.id)).toHaveLength(2);

    const rejectedBefore = receiver.rejected.length;
    expect((await sim.deliver(event, { secret: 'whsec_wrong' })).status).toBe(400);
    expect((await sim.deliver(event, { timestamp: Math.floor(Date.now() / 1000) - 3600 })).status).toBe(400);
    expect(receiver.rejected.length).toBe(rejectedBefore + 2);

    const payload = JSON.stringify({ id: 'evt_forged', object: 'event', type: 'ping', data: { object: {} } });
    expect(Stripe.webhooks.constructEvent(payload, sim.signPayload(payload), WEBHOOK_SECRET).id).toBe('evt_forged');

    const closedPort = await new Promise<number>((resolve) => {
      const server = http.createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const failed = await sim.deliver(event, {
      target: { url: `http://127.0.0.1:${closedPort}/`, secret: WEBHOOK_SECRET },
    });
    expect(failed).toMatchObject({ status: null, error: 'ECONNREFUSED' });
  });

  it('only records events when automatic delivery is off, and closes promptly with keep-alive sockets open', async () => {
    const quiet = await startStripeSimulator({
      webhook: { url: receiver.url, secret: WEBHOOK_SECRET },
      autoDeliverWebhooks: false,
    });
    const client = stripeClient(quiet);
    const pi = await client.paymentIntents.create({
      amount: 100,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    await quiet.flushWebhooks();
    expect(quiet.events.map((event) => event.type)).toEqual(['payment_intent.succeeded']);
    expect(quiet.deliveries).toHaveLength(0);
    expect(receiver.received.some((event) => objectId(event) === pi.id)).toBe(false);

    const started = Date.now();
    await quiet.close();
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('in its own process', () => {
  it('takes its options from arguments and is driven over HTTP: faults, dashboard refunds, disputes, retries', async () => {
    const down = await startWebhookReceiver(WEBHOOK_SECRET, 2);
    const standalone = await startStandaloneSimulator(
      ['--port', '0', '--webhook-url', down.url, '--webhook-secret', WEBHOOK_SECRET, '--webhook-retries', '50,50,50'],
      {},
    );
    try {
      const control = new StripeSimulatorControl(standalone.url);
      const client = stripeClient(standalone);
      const pi = await client.paymentIntents.create({ amount: 800, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
      // Answered 500 twice, then delivered on the second retry, as Stripe retries.
      await waitForCondition(() => down.received.some((e) => objectId(e) === pi.id));
      expect(standalone.deliveries.filter((d) => d.eventId === standalone.events[0].id).map((d) => d.status)).toEqual([500, 500, 200]);

      await control.failNextRequests('/v1/refunds', 1, { status: 500, type: 'api_error', message: 'down' });
      expect((await rejectionOf(client.refunds.create({ payment_intent: pi.id }))).statusCode).toBe(500);
      const refund = await control.refundOutsideApi(pi.id, 300);
      expect(refund).toMatchObject({ object: 'refund', amount: 300, metadata: {} });
      const dispute = await control.createDispute(pi.id);
      expect((await control.closeDispute(dispute.id, 'lost')).status).toBe('lost');
      await control.flushWebhooks();
      expect(await control.state()).toMatchObject({
        apiVersion: '2026-10-28.endive',
        webhookUrl: down.url,
        counts: { paymentIntents: 1, refunds: 1, disputes: 1 },
        pendingWebhooks: 0,
      });

      // While nobody listens, events wait; redelivery sends them once someone does.
      await control.setWebhookTarget({ url: 'http://127.0.0.1:1/webhooks/stripe', secret: WEBHOOK_SECRET });
      await control.refundOutsideApi(pi.id, 100);
      await control.flushWebhooks();
      expect((await control.state()).pendingWebhooks).toBe(1);
      await control.setWebhookTarget({ url: down.url, secret: WEBHOOK_SECRET });
      expect(await control.redeliverPendingWebhooks()).toBe(1);
      expect((await control.state()).pendingWebhooks).toBe(0);
      await expect(control.closeDispute('dp_missing', 'won')).rejects.toThrow(/Unknown dispute/);
    } finally {
      await standalone.close();
      await down.close();
    }
  });

  it('runs from scripts/stripe-simulator.ts, prints its URL, delivers signed webhooks and stops on SIGTERM', async () => {
    const up = await startWebhookReceiver(WEBHOOK_SECRET);
    const child = spawn(
      process.execPath,
      [require.resolve('ts-node/dist/bin.js'), '--transpile-only', 'scripts/stripe-simulator.ts', '--port', '0', '--webhook-url', up.url],
      {
        cwd: path.resolve(__dirname, '..'),
        env: { ...process.env, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /Stripe simulator listening at (\S+)\n/.exec(out);
          if (match) resolve(match[1]);
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
      });
      const port = Number(new URL(url).port);
      const client = new Stripe('sk_test_child', { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0 });
      const pi = await client.paymentIntents.create({ amount: 600, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
      await new StripeSimulatorControl(url).flushWebhooks();
      expect(up.received.map((e) => [e.type, objectId(e)])).toEqual([['payment_intent.succeeded', pi.id]]);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await up.close();
    }
  }, 60_000);
});

async function waitForCondition(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
