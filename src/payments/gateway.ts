import Stripe from 'stripe';
import {
  createdIn,
  dateOf,
  everything,
  idOf,
  orNullIfMissing,
  toAccountState,
  toDisputeRecord,
  toPaymentIntentRecord,
  toPaymentIntentResult,
  toRefundRecord,
  toTransferRecord,
  toTransferResult,
  type ChargeRecord,
  type ConnectAccountState,
  type DisputeRecord,
  type PaymentIntentRecord,
  type PaymentIntentResult,
  type Period,
  type RefundRecord,
  type RefundResult,
  type TransferRecord,
  type TransferResult,
  type TransferReversalRecord,
} from './stripe-records';

export type {
  ChargeRecord,
  ConnectAccountState,
  DisputeRecord,
  PaymentIntentRecord,
  PaymentIntentResult,
  Period,
  RefundRecord,
  RefundResult,
  TransferRecord,
  TransferResult,
  TransferReversalRecord,
} from './stripe-records';

/**
 * True when Stripe may have done what was asked even though we got an error: no answer at all
 * (timeout, network), a 5xx, a rate limit or a concurrent request with the same key (409). Only
 * then may a retry reuse the Idempotency-Key; after a definite refusal (other 4xx) Stripe would
 * replay the refusal.
 */
export function isAmbiguousStripeError(err: unknown): boolean {
  if (!(err instanceof Stripe.errors.StripeError)) return true;
  if (err instanceof Stripe.errors.StripeConnectionError) return true;
  const status = err.statusCode;
  return status === undefined || status >= 500 || status === 409 || status === 429;
}

/**
 * The Stripe API version every request is made at, and the one the Stripe webhook endpoint must be
 * created with (webhook payloads are rendered at the endpoint's version, not the request's). It is
 * the version the installed `stripe` SDK is typed for; pinning it means an SDK upgrade that moves
 * the version fails the type check here instead of silently changing the shapes we read.
 */
export const STRIPE_API_VERSION = '2026-10-28.endive' as const;

export function createStripeClient(secretKey: string, apiBase: string | undefined): Stripe {
  const options: Stripe.StripeConfig = { apiVersion: STRIPE_API_VERSION, maxNetworkRetries: 2, timeout: 20_000, telemetry: false };
  if (apiBase) {
    const u = new URL(apiBase);
    options.host = u.hostname;
    options.port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
    options.protocol = u.protocol.replace(':', '') as 'http' | 'https';
  }
  return new Stripe(secretKey, options);
}

/** What we ask Stripe for a consultation's payment; recorded on the charge before the call. */
export interface ConsultationPaymentRequest {
  consultationId: string;
  advisorId: string;
  durationMinutes: number;
  amountCents: number;
  currency: string;
  /** A card was given and the server confirms with it (else the client confirms with the client secret). */
  confirmOnServer: boolean;
  idempotencyKey: string;
}

/**
 * The one file the rest of the code talks to Stripe through. Every call that changes something
 * carries an Idempotency-Key derived from our own ids, so a retry (ours, the SDK's or a job's)
 * can never charge, refund or pay twice.
 */
export class PaymentGateway {
  constructor(private readonly stripe: Stripe) {}

  /**
   * Creates the consultation's PaymentIntent unconfirmed, so no money moves. Everything sent is
   * derived from the consultation, so recovery can send this very request again under the same
   * key: for 24 h Stripe answers it with the same PaymentIntent (as it was when created), which
   * is how an id that was never recorded is found again.
   */
  async createConsultationIntent(input: ConsultationPaymentRequest): Promise<PaymentIntentResult> {
    const params: Stripe.PaymentIntentCreateParams = {
      amount: input.amountCents,
      currency: input.currency.toLowerCase(),
      metadata: {
        consultation_id: input.consultationId,
        advisor_id: input.advisorId,
        duration_minutes: String(input.durationMinutes),
      },
      transfer_group: input.consultationId,
      description: `Consultation ${input.consultationId} (${input.durationMinutes} min)`,
      // Confirmed by us with a card already collected: nothing may redirect the client.
      automatic_payment_methods: input.confirmOnServer ? { enabled: true, allow_redirects: 'never' } : { enabled: true },
    };
    return toPaymentIntentResult(await this.stripe.paymentIntents.create(params, { idempotencyKey: input.idempotencyKey }));
  }

  /** Charges the card; a decline is an answer (requires_payment_method with its message), not an error. */
  async confirmConsultationIntent(id: string, paymentMethodId: string, idempotencyKey: string): Promise<PaymentIntentResult> {
    try {
      return toPaymentIntentResult(await this.stripe.paymentIntents.confirm(id, { payment_method: paymentMethodId }, { idempotencyKey }));
    } catch (err) {
      if (err instanceof Stripe.errors.StripeCardError) {
        return {
          id,
          status: 'requires_payment_method',
          clientSecret: null,
          chargeId: null,
          failureMessage: err.message || 'Your card was declined.',
        };
      }
      throw err;
    }
  }

  async retrievePaymentIntent(id: string): Promise<PaymentIntentResult> {
    return toPaymentIntentResult(await this.stripe.paymentIntents.retrieve(id));
  }

  /** Cancels a PaymentIntent; one already cancelled or already paid is reported as it is, not as an error. */
  async cancelPaymentIntent(id: string, idempotencyKey: string): Promise<PaymentIntentResult> {
    try {
      return toPaymentIntentResult(await this.stripe.paymentIntents.cancel(id, {}, { idempotencyKey }));
    } catch (err) {
      if (err instanceof Stripe.errors.StripeInvalidRequestError && err.code === 'payment_intent_unexpected_state') {
        return this.retrievePaymentIntent(id);
      }
      throw err;
    }
  }

  /**
   * The PaymentIntent as Stripe has it now, with its charge and every refund of it. Refunds are
   * listed, not read off the charge: since 2022-11-15 a Charge carries no `refunds` unless expanded.
   */
  async paymentState(id: string): Promise<{
    intent: PaymentIntentResult;
    metadata: Record<string, string>;
    charge: { id: string; amountRefunded: number; refunds: RefundResult[] } | null;
  }> {
    const pi = await this.stripe.paymentIntents.retrieve(id, { expand: ['latest_charge'] });
    const ch = typeof pi.latest_charge === 'object' ? pi.latest_charge : null;
    const refunds = ch ? await this.listRefunds({ paymentIntentId: id }) : [];
    return {
      intent: toPaymentIntentResult(pi),
      metadata: pi.metadata ?? {},
      charge: ch ? { id: ch.id, amountRefunded: ch.amount_refunded, refunds } : null,
    };
  }

  async dispute(id: string): Promise<{ id: string; status: string; amountCents: number; paymentIntentId: string | null }> {
    const d = await this.stripe.disputes.retrieve(id);
    const pi = typeof d.payment_intent === 'string' ? d.payment_intent : (d.payment_intent?.id ?? null);
    return { id: d.id, status: d.status, amountCents: d.amount, paymentIntentId: pi };
  }

  /** Verifies a webhook's signature on its raw body (300 s tolerance) and returns the event. */
  verifyWebhook(rawBody: Buffer, signature: string, secret: string): Stripe.Event {
    return this.stripe.webhooks.constructEvent(rawBody, signature, secret, 300);
  }

  async refund(input: {
    paymentIntentId: string;
    amountCents: number;
    idempotencyKey: string;
    metadata: Record<string, string>;
  }): Promise<RefundResult> {
    const refund = await this.stripe.refunds.create(
      { payment_intent: input.paymentIntentId, amount: input.amountCents, metadata: input.metadata },
      { idempotencyKey: input.idempotencyKey },
    );
    return { id: refund.id, amountCents: refund.amount, status: refund.status };
  }

  // ---------------------------------------------------------------- Connect: accounts and transfers

  /** An Express account for an advisor; the key makes a double click create one account, not two. */
  async createExpressAccount(input: { advisorId: string; email: string }): Promise<ConnectAccountState> {
    // No country: Stripe's onboarding asks for it, and a wrong guess could not be changed later.
    const params: Stripe.AccountCreateParams = {
      type: 'express',
      email: input.email,
      capabilities: { transfers: { requested: true } },
      metadata: { advisor_id: input.advisorId },
    };
    const account = await this.stripe.accounts.create(params, { idempotencyKey: `advisor:${input.advisorId}:connect-account` });
    return toAccountState(account);
  }

  async retrieveAccount(accountId: string): Promise<ConnectAccountState> {
    return toAccountState(await this.stripe.accounts.retrieve(accountId));
  }

  /** A single-use onboarding link; a fresh one is made each time the advisor asks. */
  async createOnboardingLink(input: {
    accountId: string;
    refreshUrl: string;
    returnUrl: string;
  }): Promise<{ url: string; expiresAt: Date }> {
    const link = await this.stripe.accountLinks.create({
      account: input.accountId,
      refresh_url: input.refreshUrl,
      return_url: input.returnUrl,
      type: 'account_onboarding',
    });
    return { url: link.url, expiresAt: new Date(link.expires_at * 1000) };
  }

  /**
   * Moves money from the platform to a connected account. The caller derives `idempotencyKey`
   * from its own payout, so a retry after a timeout replays the transfer Stripe already made.
   */
  async createTransfer(input: {
    amountCents: number;
    currency: string;
    destination: string;
    transferGroup: string;
    idempotencyKey: string;
    description: string;
    metadata: Record<string, string>;
  }): Promise<TransferResult> {
    const transfer = await this.stripe.transfers.create(
      {
        amount: input.amountCents,
        currency: input.currency.toLowerCase(),
        destination: input.destination,
        transfer_group: input.transferGroup,
        description: input.description,
        metadata: input.metadata,
      },
      { idempotencyKey: input.idempotencyKey },
    );
    return toTransferResult(transfer);
  }

  async retrieveTransfer(id: string): Promise<TransferResult> {
    return toTransferResult(await this.stripe.transfers.retrieve(id));
  }

  // ---------------------------------------------------------------- reading for reconciliation

  async listPaymentIntents(period: Period): Promise<PaymentIntentRecord[]> {
    return (await everything(this.stripe.paymentIntents.list({ created: createdIn(period), limit: 100 }))).map(toPaymentIntentRecord);
  }

  async listCharges(period: Period): Promise<ChargeRecord[]> {
    const items = await everything(this.stripe.charges.list({ created: createdIn(period), limit: 100 }));
    return items.map((ch) => ({
      id: ch.id,
      paymentIntentId: idOf(ch.payment_intent),
      status: ch.status,
      amountCents: ch.amount,
      amountCapturedCents: ch.amount_captured,
      amountRefundedCents: ch.amount_refunded,
      refunded: ch.refunded,
      disputed: ch.disputed,
      currency: ch.currency,
      createdAt: dateOf(ch.created),
      metadata: ch.metadata ?? {},
    }));
  }

  /** Refunds created in a period, or every refund of one PaymentIntent or charge. */
  async listRefunds(filter: Period | { paymentIntentId: string } | { chargeId: string }): Promise<RefundRecord[]> {
    const params: Stripe.RefundListParams = { limit: 100 };
    if ('paymentIntentId' in filter) params.payment_intent = filter.paymentIntentId;
    else if ('chargeId' in filter) params.charge = filter.chargeId;
    else params.created = createdIn(filter);
    return (await everything(this.stripe.refunds.list(params))).map(toRefundRecord);
  }

  async listDisputes(period: Period): Promise<DisputeRecord[]> {
    return (await everything(this.stripe.disputes.list({ created: createdIn(period), limit: 100 }))).map(toDisputeRecord);
  }

  async listTransfers(period: Period): Promise<TransferRecord[]> {
    return (await everything(this.stripe.transfers.list({ created: createdIn(period), limit: 100 }))).map(toTransferRecord);
  }

  /** Every reversal of one transfer (Stripe lists them per transfer, with no date filter). */
  async listTransferReversals(transferId: string): Promise<TransferReversalRecord[]> {
    const items = await everything(this.stripe.transfers.listReversals(transferId, { limit: 100 }));
    return items.map((r) => ({
      id: r.id,
      transferId: idOf(r.transfer)!,
      amountCents: r.amount,
      currency: r.currency,
      createdAt: dateOf(r.created),
      metadata: r.metadata ?? {},
    }));
  }

  // ---------------------------------------------------------------- single objects for reconciliation

  /** One PaymentIntent, or null when Stripe has no such object (the ledger check asks about our ids). */
  async findPaymentIntent(id: string): Promise<PaymentIntentRecord | null> {
    const pi = await orNullIfMissing(this.stripe.paymentIntents.retrieve(id));
    return pi && toPaymentIntentRecord(pi);
  }

  /** One transfer, or null when Stripe has no such object. */
  async findTransfer(id: string): Promise<TransferRecord | null> {
    const t = await orNullIfMissing(this.stripe.transfers.retrieve(id));
    return t && toTransferRecord(t);
  }

  /** Every dispute of one PaymentIntent's charges, whenever made. */
  async listDisputesOfPaymentIntent(paymentIntentId: string): Promise<DisputeRecord[]> {
    return (await everything(this.stripe.disputes.list({ payment_intent: paymentIntentId, limit: 100 }))).map(toDisputeRecord);
  }
}
