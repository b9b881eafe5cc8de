/**
 * The simulator: the stores, the HTTP server answering Stripe's API, webhook delivery, and the
 * controls for what only Stripe or its dashboard can do.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { accountRoutes, updateAccount } from './accounts';
import { chargeRoutes } from './charges';
import { succeededCharge, type SimContext } from './context';
import { DEFAULT_INJECTED_ERROR, Faults, Timers } from './controls';
import { createDispute, disputeRoutes, settleDispute } from './disputes';
import { eventRoutes } from './events';
import { IdempotencyStore } from './idempotency';
import { paymentIntentRoutes } from './payment-intents';
import { paymentMethodRoutes } from './payment-methods';
import { createRefund, refundRoutes } from './refunds';
import { handleControl } from './remote';
import { toWire } from './render';
import { ApiServer } from './server';
import { reverseTransfer, transferRoutes } from './transfers';
import {
  SIMULATED_API_VERSION,
  type AccountChanges,
  type DeliverOptions,
  type InjectedError,
  type LoggedRequest,
  type SimAccount,
  type SimCharge,
  type SimDispute,
  type SimEvent,
  type SimPaymentIntent,
  type SimPaymentMethod,
  type SimRefund,
  type SimTransfer,
  type SimTransferReversal,
  type StripeSimulatorOptions,
  type WebhookDelivery,
  type WebhookTarget,
  type Wire,
} from './types';
import { generateId, nowSeconds } from './util';
import { signPayload, WebhookSender } from './webhooks';

export class StripeSimulator {
  readonly paymentIntents = new Map<string, SimPaymentIntent>();
  readonly charges = new Map<string, SimCharge>();
  readonly refunds = new Map<string, SimRefund>();
  readonly paymentMethods = new Map<string, SimPaymentMethod>();
  readonly accounts = new Map<string, SimAccount>();
  readonly transfers = new Map<string, SimTransfer>();
  readonly transferReversals = new Map<string, SimTransferReversal>();
  readonly disputes = new Map<string, SimDispute>();

  readonly events: SimEvent[] = [];
  readonly requestLog: LoggedRequest[] = [];

  private readonly ctx: SimContext;
  private readonly faults = new Faults();
  private readonly timers = new Timers();
  private readonly webhooks: WebhookSender;
  private readonly api: ApiServer;

  constructor(
    server: http.Server,
    readonly url: string,
    readonly port: number,
    options: StripeSimulatorOptions,
  ) {
    this.webhooks = new WebhookSender(this.events, {
      target: options.webhook,
      autoDeliver: options.autoDeliverWebhooks,
      retryDelaysMs: options.webhookRetryDelaysMs,
    });
    this.ctx = {
      store: {
        paymentIntents: this.paymentIntents,
        charges: this.charges,
        refunds: this.refunds,
        paymentMethods: this.paymentMethods,
        testCards: new Map(),
        redirectable: new Set(),
        accounts: this.accounts,
        transfers: this.transfers,
        reversals: this.transferReversals,
        disputes: this.disputes,
        events: this.events,
      },
      url,
      emit: (type, object, previous, extra) => this.emit(type, object, previous, extra),
      later: (fn, ms) => this.timers.later(fn, ms),
      request: null,
    };
    this.api = new ApiServer(server, url, {
      ctx: this.ctx,
      routes: [
        ...paymentIntentRoutes(this.ctx),
        ...chargeRoutes(this.ctx),
        ...paymentMethodRoutes(this.ctx),
        ...refundRoutes(this.ctx),
        ...disputeRoutes(this.ctx),
        ...accountRoutes(this.ctx),
        ...transferRoutes(this.ctx),
        ...eventRoutes(this.ctx),
      ],
      faults: this.faults,
      timers: this.timers,
      idempotency: new IdempotencyStore(),
      requestLog: this.requestLog,
      control: (method, path, body) => handleControl(this, method, path, body),
    });
  }

  /** Every webhook delivery attempted, in order, with the receiver's answer. */
  get deliveries(): WebhookDelivery[] {
    return this.webhooks.deliveries;
  }

  /** Off: events are recorded but not sent until `deliver` or `redeliverPendingWebhooks`. */
  get autoDeliverWebhooks(): boolean {
    return this.webhooks.autoDeliver;
  }

  set autoDeliverWebhooks(on: boolean) {
    this.webhooks.autoDeliver = on;
  }

  setWebhookTarget(target: WebhookTarget | null): void {
    this.webhooks.target = target;
  }

  get webhookTarget(): WebhookTarget | null {
    return this.webhooks.target;
  }

  // -------------------------------------------------------------------------
  // Test controls
  // -------------------------------------------------------------------------

  /** The next `count` requests whose path starts with `pathPrefix` fail with `error` and change nothing. */
  failNextRequests(pathPrefix: string, count: number, error: InjectedError = DEFAULT_INJECTED_ERROR): void {
    this.faults.failNext(pathPrefix, count, error);
  }

  /** Forgets every injected failure still pending (Stripe is healthy again). */
  clearFaults(): void {
    this.faults.clearFailures();
  }

  /**
   * The next `count` matching requests take effect immediately but their
   * responses are held for `ms`, as when Stripe did the work but the client
   * gave up waiting.
   */
  delayNextResponses(pathPrefix: string, count: number, ms: number): void {
    this.faults.delayNext(pathPrefix, count, ms);
  }

  /**
   * A refund made outside the API, as in the dashboard: no metadata of ours, no idempotency key.
   * Defaults to the remaining refundable amount.
   */
  refundOutsideApi(paymentIntentId: string, amount?: number): SimRefund {
    return createRefund(this.ctx, { charge: succeededCharge(this.ctx, paymentIntentId), amount, reason: null, metadata: {} });
  }

  /** The cardholder disputes the PaymentIntent's charge. */
  createDispute(paymentIntentId: string): SimDispute {
    return createDispute(this.ctx, paymentIntentId);
  }

  /** The bank decides a dispute. */
  closeDispute(disputeId: string, outcome: 'won' | 'lost'): SimDispute {
    const dispute = this.disputes.get(disputeId);
    if (!dispute) throw new Error(`Unknown dispute ${disputeId}`);
    if (dispute.status === 'won' || dispute.status === 'lost') {
      throw new Error(`Dispute ${disputeId} is already closed (${dispute.status})`);
    }
    return settleDispute(this.ctx, dispute, outcome);
  }

  /** Simulates onboarding progress on the connected account's side. */
  updateAccount(accountId: string, changes: AccountChanges): SimAccount {
    return updateAccount(this.ctx, accountId, changes);
  }

  /** Reverses whatever is left of a transfer, as if done from the dashboard. */
  reverseTransferOutsideApi(transferId: string): SimTransferReversal {
    const transfer = this.transfers.get(transferId);
    if (!transfer) throw new Error(`Unknown transfer ${transferId}`);
    return reverseTransfer(this.ctx, transfer, undefined, {});
  }

  /** An object as the API would answer it now (its wire form), e.g. a charge without `refunds`. */
  wire(object: object): Wire {
    return toWire(this.ctx, object);
  }

  // -------------------------------------------------------------------------
  // Webhooks
  // -------------------------------------------------------------------------

  /** Builds a `Stripe-Signature` header value for `payload`, as Stripe signs webhooks. */
  signPayload(payload: string, secret: string | undefined = this.webhookTarget?.secret, timestamp = nowSeconds()): string {
    if (!secret) throw new Error('signPayload needs a secret: none given and no webhook target is set');
    return signPayload(payload, secret, timestamp);
  }

  /** POSTs one event to the webhook target now; the outcome is recorded in `deliveries`, never thrown. */
  deliver(event: SimEvent, options: DeliverOptions = {}): Promise<WebhookDelivery> {
    return this.webhooks.deliver(event, options);
  }

  /** Sends every event whose webhook was never answered 2xx (Stripe retries those); returns how many. */
  redeliverPendingWebhooks(): Promise<number> {
    return this.webhooks.redeliverPending();
  }

  /** Resolves once every queued or in-flight webhook delivery has finished. */
  flushWebhooks(): Promise<void> {
    return this.webhooks.flush();
  }

  /** Stops the server at once: held responses, follow-ups and retries are dropped, open sockets destroyed. */
  async close(): Promise<void> {
    this.timers.clear();
    this.webhooks.close();
    await this.api.close();
  }

  private emit(type: string, object: object, previousAttributes?: Record<string, unknown>, extra: { account?: string } = {}): SimEvent {
    const data: SimEvent['data'] = { object: toWire(this.ctx, object) };
    if (previousAttributes && Object.keys(previousAttributes).length > 0) data.previous_attributes = previousAttributes;
    const event: SimEvent = {
      id: generateId('evt'),
      object: 'event',
      ...(extra.account ? { account: extra.account } : {}),
      api_version: SIMULATED_API_VERSION,
      created: nowSeconds(),
      data,
      livemode: false,
      pending_webhooks: this.webhooks.target ? 1 : 0,
      request: this.ctx.request ?? { id: null, idempotency_key: null },
      type,
    };
    this.events.push(event);
    this.webhooks.enqueue(event);
    return event;
  }
}

export async function startStripeSimulator(options: StripeSimulatorOptions = {}): Promise<StripeSimulator> {
  const host = options.host ?? '127.0.0.1';
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return new StripeSimulator(server, `http://${urlHost}:${port}`, port, options);
}
