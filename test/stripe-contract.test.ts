/**
 * The Stripe contract: one set of scenarios, run against the simulator by `npm test`, and against
 * Stripe's test mode when STRIPE_CONTRACT_SECRET_KEY (an sk_test_ key) is set, so anyone with a
 * Stripe account can prove the simulator answers as Stripe does. Scenarios go through our
 * gateway, and through the raw SDK where the shape itself is the point. Both legs use the client
 * `createStripeClient` makes, at the pinned API version.
 *
 * Stripe does some things asynchronously (a dispute from pm_card_createDispute, events), so
 * those are polled for, within a bound. Transfers need a connected account that can receive
 * them: a fresh Express account cannot until it is onboarded, so without
 * STRIPE_CONTRACT_CONNECTED_ACCOUNT the Stripe leg checks Stripe's refusal only.
 */
import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { createStripeClient, PaymentGateway, STRIPE_API_VERSION } from '../src/payments/gateway';
import { SIMULATED_API_VERSION, startStripeSimulator, type StripeSimulator } from '../src/payments/stripe-simulator';

const STRIPE_KEY = process.env.STRIPE_CONTRACT_SECRET_KEY;
if (STRIPE_KEY && !STRIPE_KEY.startsWith('sk_test_')) {
  throw new Error('STRIPE_CONTRACT_SECRET_KEY must be a test-mode secret key (sk_test_…); the contract suite never runs in live mode');
}

interface Leg {
  name: string;
  stripe: Stripe;
  gateway: PaymentGateway;
  /** How long Stripe may take to do what it does asynchronously. */
  asyncMs: number;
  /** A connected account transfers can be made to, when the leg has one. */
  payableAccount(): Promise<string | null>;
  /** The API version events are rendered at: the pinned one, or whatever the account uses. */
  eventApiVersion: RegExp;
}

const WEBHOOK_SECRET = 'whsec_contract_test';
/** Server-side confirmation without a return URL, as the gateway confirms. */
const NO_REDIRECTS = { enabled: true, allow_redirects: 'never' } as const;

async function rejectionOf(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) return error;
    throw error;
  }
  throw new Error('expected Stripe to refuse the request');
}

async function eventually<T>(leg: Leg, what: string, fn: () => Promise<T | undefined | null | false>): Promise<T> {
  const deadline = Date.now() + leg.asyncMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Stripe did not ${what} within ${leg.asyncMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, leg.asyncMs > 10_000 ? 2000 : 25));
  }
}

/** What a booking with a card does through the gateway: create the PaymentIntent unconfirmed, then confirm it, each under a key from the consultation. */
async function payThroughGateway(
  gateway: PaymentGateway,
  input: {
    consultationId: string;
    advisorId: string;
    durationMinutes: number;
    amountCents: number;
    currency: string;
    paymentMethodId: string;
  },
) {
  const { paymentMethodId, ...request } = input;
  const key = `consultation:${input.consultationId}:payment-intent`;
  const created = await gateway.createConsultationIntent({ ...request, confirmOnServer: true, idempotencyKey: key });
  return gateway.confirmConsultationIntent(created.id, paymentMethodId, `${key}:confirm`);
}

function contract(name: string, timeoutMs: number, setUp: () => Promise<Leg & { close(): Promise<void> }>) {
  describe(name, () => {
    let leg: Leg & { close(): Promise<void> };
    const startedAt = new Date(Date.now() - 60_000);
    const period = () => ({ from: startedAt, to: new Date(Date.now() + 60_000) });
    const paid = async (paymentMethodId = 'pm_card_visa', amountCents = 1900) =>
      payThroughGateway(leg.gateway, {
        consultationId: randomUUID(),
        advisorId: randomUUID(),
        durationMinutes: 30,
        amountCents,
        currency: 'USD',
        paymentMethodId,
      });

    beforeAll(async () => {
      leg = await setUp();
    }, timeoutMs);
    afterAll(() => leg?.close());

    it(
      'creates, confirms and cancels PaymentIntents, with ids where objects are not expanded',
      async () => {
        const created = await leg.stripe.paymentIntents.create({
          amount: 1900,
          currency: 'usd',
          automatic_payment_methods: NO_REDIRECTS,
          metadata: { consultation_id: 'contract' },
        });
        expect(created).toMatchObject({ object: 'payment_intent', status: 'requires_payment_method', amount: 1900, latest_charge: null });
        expect(created).not.toHaveProperty('charges');
        expect(created.client_secret).toEqual(expect.stringMatching(/^pi_\w+_secret_\w+$/));

        const confirmed = await leg.stripe.paymentIntents.confirm(created.id, { payment_method: 'pm_card_visa' });
        expect(confirmed.status).toBe('succeeded');
        expect(confirmed.latest_charge).toEqual(expect.stringMatching(/^ch_/));
        expect(confirmed.payment_method).toEqual(expect.stringMatching(/^pm_/));
        expect(confirmed.payment_method).not.toBe('pm_card_visa');
        expect(confirmed).not.toHaveProperty('charges');
        const expanded = await leg.stripe.paymentIntents.retrieve(created.id, { expand: ['latest_charge'] });
        expect(expanded.latest_charge).toMatchObject({ object: 'charge', id: confirmed.latest_charge, payment_intent: created.id });

        const viaGateway = await paid();
        expect(viaGateway).toMatchObject({ status: 'succeeded', chargeId: expect.stringMatching(/^ch_/), failureMessage: null });
        expect(await leg.gateway.retrievePaymentIntent(viaGateway.id)).toMatchObject({ id: viaGateway.id, status: 'succeeded' });

        const open = await leg.stripe.paymentIntents.create({ amount: 900, currency: 'usd', automatic_payment_methods: NO_REDIRECTS });
        expect(await leg.gateway.cancelPaymentIntent(open.id, randomUUID())).toMatchObject({ id: open.id, status: 'canceled' });
        // Cancelling again is answered with the state it is in, not an error.
        expect(await leg.gateway.cancelPaymentIntent(open.id, randomUUID())).toMatchObject({ status: 'canceled' });
        const again = await rejectionOf(leg.stripe.paymentIntents.cancel(open.id));
        expect(again).toMatchObject({ rawType: 'invalid_request_error', statusCode: 400, code: 'payment_intent_unexpected_state' });
        expect(again.payment_intent).toMatchObject({ id: open.id, status: 'canceled' });
        expect((await rejectionOf(leg.stripe.paymentIntents.cancel(viaGateway.id))).code).toBe('payment_intent_unexpected_state');

        const missing = await rejectionOf(leg.stripe.paymentIntents.retrieve('pi_contractDoesNotExist'));
        expect(missing).toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'id', rawType: 'invalid_request_error' });
      },
      timeoutMs,
    );

    it(
      'declines pm_card_chargeDeclined with a card_error carrying the PaymentIntent',
      async () => {
        const error = await rejectionOf(
          leg.stripe.paymentIntents.create({
            amount: 1900,
            currency: 'usd',
            automatic_payment_methods: NO_REDIRECTS,
            payment_method: 'pm_card_chargeDeclined',
            confirm: true,
          }),
        );
        expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
        expect(error).toMatchObject({ rawType: 'card_error', statusCode: 402, code: 'card_declined', decline_code: 'generic_decline' });
        expect(error.message).toBe('Your card was declined.');
        expect(error.doc_url).toEqual(expect.stringMatching(/error-codes\/card-declined$/));
        expect(error.charge).toEqual(expect.stringMatching(/^ch_/));
        expect(error.payment_intent).toMatchObject({
          object: 'payment_intent',
          status: 'requires_payment_method',
          latest_charge: error.charge,
          last_payment_error: { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline' },
        });

        const viaGateway = await paid('pm_card_chargeDeclined');
        expect(viaGateway).toMatchObject({
          id: expect.stringMatching(/^pi_/),
          status: 'requires_payment_method',
          failureMessage: 'Your card was declined.',
        });
      },
      timeoutMs,
    );

    it(
      'refunds in part and in full, lists the refunds, and keeps them off the charge unless expanded',
      async () => {
        const pi = await paid();
        const partial = await leg.gateway.refund({
          paymentIntentId: pi.id,
          amountCents: 500,
          idempotencyKey: randomUUID(),
          metadata: { source: 'admin' },
        });
        expect(partial).toMatchObject({ id: expect.stringMatching(/^re_/), amountCents: 500, status: 'succeeded' });
        const rest = await leg.stripe.refunds.create({ payment_intent: pi.id });
        expect(rest).toMatchObject({ object: 'refund', amount: 1400, charge: pi.chargeId, payment_intent: pi.id, status: 'succeeded' });

        const charge = await leg.stripe.charges.retrieve(pi.chargeId!);
        expect(charge).toMatchObject({ object: 'charge', amount_refunded: 1900, refunded: true, payment_intent: pi.id });
        expect(charge.refunds).toBeUndefined();
        const withRefunds = await leg.stripe.charges.retrieve(pi.chargeId!, { expand: ['refunds'] });
        expect(withRefunds.refunds).toMatchObject({ object: 'list', has_more: false });
        expect(withRefunds.refunds!.data.map((r) => r.id).sort()).toEqual([partial.id, rest.id].sort());

        const listed = await leg.stripe.refunds.list({ payment_intent: pi.id });
        expect(listed).toMatchObject({ object: 'list', has_more: false, url: '/v1/refunds' });
        expect(listed.data.map((r) => r.id).sort()).toEqual([partial.id, rest.id].sort());
        expect(listed.data.find((r) => r.id === partial.id)!.metadata).toEqual({ source: 'admin' });

        const state = await leg.gateway.paymentState(pi.id);
        expect(state.charge).toMatchObject({ id: pi.chargeId, amountRefunded: 1900 });
        expect(state.charge!.refunds.map((r) => [r.id, r.amountCents, r.source]).sort()).toEqual(
          [
            [partial.id, 500, 'admin'],
            [rest.id, 1400, null],
          ].sort(),
        );
        expect(await leg.gateway.listRefunds({ chargeId: pi.chargeId! })).toHaveLength(2);
        expect((await leg.gateway.listRefunds(period())).map((r) => r.id)).toEqual(expect.arrayContaining([partial.id, rest.id]));
        expect((await leg.gateway.listPaymentIntents(period())).map((p) => p.id)).toContain(pi.id);
        expect((await leg.gateway.listCharges(period())).find((c) => c.id === pi.chargeId)).toMatchObject({
          paymentIntentId: pi.id,
          refunded: true,
          amountRefundedCents: 1900,
        });

        const more = await rejectionOf(leg.stripe.refunds.create({ payment_intent: pi.id, amount: 1 }));
        expect(more).toMatchObject({ rawType: 'invalid_request_error', statusCode: 400, code: 'charge_already_refunded' });
      },
      timeoutMs,
    );

    it(
      'pages lists with limit and created, and refuses a limit over 100',
      async () => {
        const a = await paid();
        const b = await paid();
        const page = await leg.stripe.paymentIntents.list({ limit: 1, created: { gte: Math.floor(startedAt.getTime() / 1000) } });
        expect(page).toMatchObject({ object: 'list', url: '/v1/payment_intents', has_more: true });
        expect(page.data).toHaveLength(1);
        expect(page).not.toHaveProperty('total_count');
        const next = await leg.stripe.paymentIntents.list({ limit: 100, starting_after: page.data[0].id });
        expect(next.data.map((p) => p.id)).not.toContain(page.data[0].id);
        expect([page.data[0].id, ...next.data.map((p) => p.id)]).toEqual(expect.arrayContaining([a.id, b.id]));
        const tooMany = await rejectionOf(leg.stripe.paymentIntents.list({ limit: 101 }));
        expect(tooMany).toMatchObject({ statusCode: 400, rawType: 'invalid_request_error' });
      },
      timeoutMs,
    );

    it(
      'opens a dispute for pm_card_createDispute, then closes it lost',
      async () => {
        const pi = await paid('pm_card_createDispute');
        expect(pi.status).toBe('succeeded');
        const dispute = await eventually(
          leg,
          'open the dispute',
          async () => (await leg.stripe.disputes.list({ payment_intent: pi.id })).data[0],
        );
        expect(dispute).toMatchObject({
          object: 'dispute',
          amount: 1900,
          charge: pi.chargeId,
          payment_intent: pi.id,
          status: 'needs_response',
          reason: 'fraudulent',
          is_charge_refundable: false,
          evidence_details: { has_evidence: false, submission_count: 0 },
        });
        expect(await leg.gateway.dispute(dispute.id)).toEqual({
          id: dispute.id,
          status: 'needs_response',
          amountCents: 1900,
          paymentIntentId: pi.id,
        });
        expect((await leg.stripe.charges.retrieve(pi.chargeId!)).disputed).toBe(true);
        const refund = await rejectionOf(leg.stripe.refunds.create({ payment_intent: pi.id }));
        expect(refund).toMatchObject({ rawType: 'invalid_request_error', code: 'charge_disputed' });

        const closed = await leg.stripe.disputes.close(dispute.id);
        expect(closed).toMatchObject({ id: dispute.id, status: 'lost' });
        expect((await leg.gateway.listDisputes(period())).find((d) => d.id === dispute.id)).toMatchObject({
          status: 'lost',
          chargeId: pi.chargeId,
          paymentIntentId: pi.id,
        });
      },
      timeoutMs,
    );

    it(
      'creates an Express account and an onboarding link',
      async () => {
        const advisorId = randomUUID();
        const account = await leg.gateway.createExpressAccount({ advisorId, email: `advisor+${advisorId.slice(0, 8)}@example.com` });
        expect(account).toEqual({ id: expect.stringMatching(/^acct_/), detailsSubmitted: false, payoutsEnabled: false });
        const raw = await leg.stripe.accounts.retrieve(account.id);
        expect(raw).toMatchObject({ object: 'account', type: 'express', charges_enabled: false, metadata: { advisor_id: advisorId } });
        expect(['inactive', 'pending']).toContain(raw.capabilities?.transfers);
        // The same key, the same account.
        expect((await leg.gateway.createExpressAccount({ advisorId, email: `advisor+${advisorId.slice(0, 8)}@example.com` })).id).toBe(
          account.id,
        );

        const link = await leg.gateway.createOnboardingLink({
          accountId: account.id,
          refreshUrl: 'https://app.example.com/advisor/payouts/refresh',
          returnUrl: 'https://app.example.com/advisor/payouts/done',
        });
        expect(link.url).toEqual(expect.stringMatching(/^https?:\/\//));
        expect(link.expiresAt.getTime()).toBeGreaterThan(Date.now());
      },
      timeoutMs,
    );

    it(
      'refuses a transfer to an account not onboarded; transfers and reverses to one that is',
      async () => {
        const fresh = await leg.gateway.createExpressAccount({ advisorId: randomUUID(), email: 'fresh@example.com' });
        const refused = await rejectionOf(
          leg.gateway.createTransfer({
            amountCents: 100,
            currency: 'USD',
            destination: fresh.id,
            transferGroup: `contract:${randomUUID()}`,
            idempotencyKey: randomUUID(),
            description: 'contract',
            metadata: {},
          }),
        );
        expect(refused).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
        expect(refused).toMatchObject({ statusCode: 400, code: 'insufficient_capabilities_for_transfer', param: 'destination' });

        const destination = await leg.payableAccount();
        if (!destination) return; // Stripe leg without STRIPE_CONTRACT_CONNECTED_ACCOUNT: the refusal is all it can check.
        await paid('pm_card_bypassPending', 2000); // funds available at once in test mode
        const group = `contract:${randomUUID()}`;
        const transfer = await leg.gateway.createTransfer({
          amountCents: 1000,
          currency: 'USD',
          destination,
          transferGroup: group,
          idempotencyKey: randomUUID(),
          description: 'contract transfer',
          metadata: { payout_id: 'contract' },
        });
        expect(transfer).toMatchObject({
          amountCents: 1000,
          amountReversedCents: 0,
          transferGroup: group,
          metadata: { payout_id: 'contract' },
        });
        const raw = await leg.stripe.transfers.retrieve(transfer.id);
        expect(raw).toMatchObject({ object: 'transfer', destination, reversed: false, reversals: { object: 'list', data: [] } });

        const reversal = await leg.stripe.transfers.createReversal(transfer.id, { amount: 400 });
        expect(reversal).toMatchObject({ object: 'transfer_reversal', amount: 400, transfer: transfer.id });
        expect(await leg.gateway.retrieveTransfer(transfer.id)).toMatchObject({ amountCents: 1000, amountReversedCents: 400 });
        expect((await leg.gateway.listTransferReversals(transfer.id)).map((r) => [r.id, r.amountCents])).toEqual([[reversal.id, 400]]);
        expect((await leg.gateway.listTransfers(period())).find((t) => t.id === transfer.id)).toMatchObject({
          destination,
          amountReversedCents: 400,
          reversed: false,
        });
      },
      timeoutMs,
    );

    it(
      'replays a request with the same Idempotency-Key and refuses the key with other parameters',
      async () => {
        const key = `contract-${randomUUID()}`;
        const params = { amount: 1234, currency: 'usd', automatic_payment_methods: NO_REDIRECTS };
        const first = await leg.stripe.paymentIntents.create(params, { idempotencyKey: key });
        const second = await leg.stripe.paymentIntents.create(params, { idempotencyKey: key });
        expect(second.id).toBe(first.id);
        expect(second.lastResponse.headers['idempotent-replayed']).toBe('true');
        expect(first.lastResponse.headers['idempotent-replayed']).toBeUndefined();

        const conflict = await rejectionOf(leg.stripe.paymentIntents.create({ ...params, amount: 4321 }, { idempotencyKey: key }));
        expect(conflict).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
        expect(conflict).toMatchObject({ rawType: 'idempotency_error', statusCode: 400 });

        const consultation = {
          consultationId: randomUUID(),
          advisorId: randomUUID(),
          durationMinutes: 30,
          amountCents: 1900,
          currency: 'USD',
        };
        const booked = await payThroughGateway(leg.gateway, { ...consultation, paymentMethodId: 'pm_card_visa' });
        expect((await payThroughGateway(leg.gateway, { ...consultation, paymentMethodId: 'pm_card_visa' })).id).toBe(booked.id);
      },
      timeoutMs,
    );

    it(
      'renders events in Stripe’s envelope, and signed payloads verify while bad signatures do not',
      async () => {
        const consultationId = randomUUID();
        const pi = await payThroughGateway(leg.gateway, {
          consultationId,
          advisorId: randomUUID(),
          durationMinutes: 30,
          amountCents: 1900,
          currency: 'USD',
          paymentMethodId: 'pm_card_visa',
        });
        await leg.stripe.refunds.create({ payment_intent: pi.id, amount: 700 });
        const created = { gte: Math.floor(startedAt.getTime() / 1000) };
        const succeeded = await eventually(leg, 'record payment_intent.succeeded', async () =>
          (await leg.stripe.events.list({ type: 'payment_intent.succeeded', created, limit: 100 })).data.find(
            (e) => (e.data.object as { id: string }).id === pi.id,
          ),
        );
        expect(succeeded).toMatchObject({
          id: expect.stringMatching(/^evt_/),
          object: 'event',
          api_version: expect.stringMatching(leg.eventApiVersion),
          created: expect.any(Number),
          livemode: false,
          pending_webhooks: expect.any(Number),
          request: { id: expect.stringMatching(/^req_/), idempotency_key: `consultation:${consultationId}:payment-intent:confirm` },
          type: 'payment_intent.succeeded',
          data: { object: { object: 'payment_intent', id: pi.id, status: 'succeeded', latest_charge: pi.chargeId } },
        });
        const refunded = await eventually(leg, 'record charge.refunded', async () =>
          (await leg.stripe.events.list({ type: 'charge.refunded', created, limit: 100 })).data.find(
            (e) => (e.data.object as { id: string }).id === pi.chargeId,
          ),
        );
        expect(refunded.data.object).toMatchObject({ object: 'charge', amount_refunded: 700, refunded: false, payment_intent: pi.id });
        // Since 2022-11-15 a charge carries no refunds unless expanded (events use the account's version).
        if (refunded.api_version! >= '2022-11-15') expect(refunded.data.object).not.toHaveProperty('refunds');
        expect(refunded.data.previous_attributes).toMatchObject({ amount_refunded: 0 });

        const payload = JSON.stringify(succeeded, null, 2);
        const header = leg.stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
        expect(leg.gateway.verifyWebhook(Buffer.from(payload), header, WEBHOOK_SECRET).id).toBe(succeeded.id);
        expect(() => leg.gateway.verifyWebhook(Buffer.from(payload), header, 'whsec_not_the_secret')).toThrow(
          Stripe.errors.StripeSignatureVerificationError,
        );
        expect(() => leg.gateway.verifyWebhook(Buffer.from(payload.replace(pi.id, 'pi_forged')), header, WEBHOOK_SECRET)).toThrow(
          Stripe.errors.StripeSignatureVerificationError,
        );
        const stale = leg.stripe.webhooks.generateTestHeaderString({
          payload,
          secret: WEBHOOK_SECRET,
          timestamp: Math.floor(Date.now() / 1000) - 3600,
        });
        expect(() => leg.gateway.verifyWebhook(Buffer.from(payload), stale, WEBHOOK_SECRET)).toThrow(
          Stripe.errors.StripeSignatureVerificationError,
        );
      },
      timeoutMs,
    );
  });
}

contract('the Stripe simulator', 30_000, async () => {
  const sim: StripeSimulator = await startStripeSimulator();
  const stripe = createStripeClient('sk_test_contract', sim.url);
  const gateway = new PaymentGateway(stripe);
  return {
    name: 'simulator',
    stripe,
    gateway,
    asyncMs: 5000,
    eventApiVersion: new RegExp(`^${SIMULATED_API_VERSION.replace(/\./g, '\\.')}$`),
    async payableAccount() {
      const account = await gateway.createExpressAccount({ advisorId: randomUUID(), email: 'onboarded@example.com' });
      sim.updateAccount(account.id, { details_submitted: true, payouts_enabled: true, charges_enabled: true });
      return account.id;
    },
    close: () => sim.close(),
  };
});

if (STRIPE_KEY) {
  contract("Stripe's test mode", 180_000, async () => {
    const stripe = createStripeClient(STRIPE_KEY, undefined);
    return {
      name: 'stripe',
      stripe,
      gateway: new PaymentGateway(stripe),
      asyncMs: 90_000,
      // Events are rendered at the account's API version, which may differ from the pinned one.
      eventApiVersion: /^\d{4}-\d{2}-\d{2}/,
      payableAccount: async () => process.env.STRIPE_CONTRACT_CONNECTED_ACCOUNT ?? null,
      close: async () => {},
    };
  });
} else {
  process.stdout.write("stripe-contract: Stripe's test-mode leg skipped (set STRIPE_CONTRACT_SECRET_KEY=sk_test_… to run it)\n");
  describe("Stripe's test mode", () => {
    it.skip('runs only with STRIPE_CONTRACT_SECRET_KEY', () => undefined);
  });
}

describe('the pinned API version', () => {
  it('is the one the installed SDK is typed for, and the one the simulator renders', () => {
    expect(STRIPE_API_VERSION).toBe(Stripe.API_VERSION);
    expect(SIMULATED_API_VERSION).toBe(STRIPE_API_VERSION);
  });
});
