import Stripe from 'stripe';

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

const toAccountState = (a: Stripe.Account): ConnectAccountState => ({
  id: a.id,
  detailsSubmitted: !!a.details_submitted,
  payoutsEnabled: !!a.payouts_enabled,
});

const toTransferResult = (t: Stripe.Transfer): TransferResult => ({
  id: t.id,
  amountCents: t.amount,
  amountReversedCents: t.amount_reversed,
  transferGroup: t.transfer_group ?? null,
  metadata: t.metadata ?? {},
});

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

export function createStripeClient(secretKey: string, apiBase: string | undefined): Stripe {
  const options: Stripe.StripeConfig = { maxNetworkRetries: 2, timeout: 20_000, telemetry: false };
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

const toResult = (pi: Stripe.PaymentIntent): PaymentIntentResult => ({
  id: pi.id,
  status: pi.status,
  clientSecret: pi.client_secret,
  chargeId: typeof pi.latest_charge === 'string' ? pi.latest_charge : (pi.latest_charge?.id ?? null),
  failureMessage: pi.last_payment_error?.message ?? null,
});

/**
 * The one file the rest of the code talks to Stripe through. Every call that changes something
 * carries an Idempotency-Key derived from our own ids, so a retry (ours, the SDK's or a job's)
 * can never charge, refund or pay twice.
 */
export class PaymentGateway {
  constructor(readonly stripe: Stripe) {}

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
    return toResult(await this.stripe.paymentIntents.create(params, { idempotencyKey: input.idempotencyKey }));
  }

  /** Charges the card; a decline is an answer (requires_payment_method with its message), not an error. */
  async confirmConsultationIntent(id: string, paymentMethodId: string, idempotencyKey: string): Promise<PaymentIntentResult> {
    try {
      return toResult(await this.stripe.paymentIntents.confirm(id, { payment_method: paymentMethodId }, { idempotencyKey }));
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
    return toResult(await this.stripe.paymentIntents.retrieve(id));
  }

  /** Cancels a PaymentIntent; one already cancelled or already paid is reported as it is, not as an error. */
  async cancelPaymentIntent(id: string, idempotencyKey: string): Promise<PaymentIntentResult> {
    try {
      return toResult(await this.stripe.paymentIntents.cancel(id, {}, { idempotencyKey }));
    } catch (err) {
      if (err instanceof Stripe.errors.StripeInvalidRequestError && err.code === 'payment_intent_unexpected_state') {
        return this.retrievePaymentIntent(id);
      }
      throw err;
    }
  }

  /** The PaymentIntent as Stripe has it now, with its charge and the charge's refunds. */
  async paymentState(id: string): Promise<{
    intent: PaymentIntentResult;
    metadata: Record<string, string>;
    charge: { id: string; amountRefunded: number; refunds: RefundResult[] } | null;
  }> {
    const pi = await this.stripe.paymentIntents.retrieve(id, { expand: ['latest_charge'] });
    const ch = typeof pi.latest_charge === 'object' ? pi.latest_charge : null;
    let refunds: RefundResult[] = [];
    if (ch) {
      const full = await this.stripe.charges.retrieve(ch.id);
      refunds = (full.refunds?.data ?? []).map((r) => ({
        id: r.id,
        amountCents: r.amount,
        status: r.status,
        source: r.metadata?.source ?? null,
      }));
    }
    return {
      intent: toResult(pi),
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
}
