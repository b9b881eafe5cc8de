/**
 * An offline stand-in for the slice of Stripe's REST API this app uses.
 *
 * The real `stripe` SDK is pointed at it with
 * `new Stripe('sk_test_…', { host: '127.0.0.1', port: sim.port, protocol: 'http' })`,
 * so the code under test exercises the same request encoding, error classes and
 * webhook verification it would against Stripe, without the network.
 *
 * Besides the API it offers controls for things only Stripe (or its dashboard)
 * can cause — disputes, dashboard refunds, onboarding progress, faults and
 * slow responses — and records every request and event for assertions.
 */
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

// ---------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------

export type FormValue = string | FormValue[] | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

export type Metadata = Record<string, string>;

export interface StripeList<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  total_count: number;
  url: string;
}

export type PaymentIntentStatus =
  'requires_payment_method' | 'requires_confirmation' | 'requires_action' | 'processing' | 'requires_capture' | 'canceled' | 'succeeded';

export interface SimPaymentError {
  type: 'card_error';
  code: string;
  decline_code: string;
  message: string;
  charge: string;
  payment_method: SimPaymentMethod;
}

export interface SimPaymentMethod {
  id: string;
  object: 'payment_method';
  type: 'card';
}

export interface SimPaymentIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_capturable: number;
  amount_received: number;
  automatic_payment_methods: { enabled: boolean } | null;
  canceled_at: number | null;
  cancellation_reason: string | null;
  capture_method: 'automatic' | 'automatic_async' | 'manual';
  client_secret: string;
  confirmation_method: 'automatic';
  created: number;
  currency: string;
  description: string | null;
  last_payment_error: SimPaymentError | null;
  latest_charge: string | null;
  livemode: false;
  metadata: Metadata;
  payment_method: string | null;
  payment_method_types: string[];
  status: PaymentIntentStatus;
  transfer_group: string | null;
}

export interface SimCharge {
  id: string;
  object: 'charge';
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  balance_transaction: string | null;
  captured: boolean;
  created: number;
  currency: string;
  description: string | null;
  disputed: boolean;
  failure_code: string | null;
  failure_message: string | null;
  livemode: false;
  metadata: Metadata;
  paid: boolean;
  payment_intent: string;
  payment_method: string;
  refunded: boolean;
  refunds: StripeList<SimRefund>;
  status: 'succeeded' | 'failed';
  transfer_group: string | null;
}

export interface SimRefund {
  id: string;
  object: 'refund';
  amount: number;
  balance_transaction: string | null;
  charge: string;
  created: number;
  currency: string;
  metadata: Metadata;
  payment_intent: string;
  reason: string | null;
  status: 'succeeded';
}

export interface SimAccount {
  id: string;
  object: 'account';
  business_type: string | null;
  capabilities: Record<string, 'active' | 'inactive' | 'pending'>;
  charges_enabled: boolean;
  country: string;
  created: number;
  details_submitted: boolean;
  email: string | null;
  metadata: Metadata;
  payouts_enabled: boolean;
  type: 'express' | 'standard' | 'custom';
}

export interface SimTransferReversal {
  id: string;
  object: 'transfer_reversal';
  amount: number;
  balance_transaction: string | null;
  created: number;
  currency: string;
  metadata: Metadata;
  transfer: string;
}

export interface SimTransfer {
  id: string;
  object: 'transfer';
  amount: number;
  amount_reversed: number;
  balance_transaction: string | null;
  created: number;
  currency: string;
  description: string | null;
  destination: string;
  livemode: false;
  metadata: Metadata;
  reversals: StripeList<SimTransferReversal>;
  reversed: boolean;
  source_transaction: string | null;
  transfer_group: string | null;
}

export type DisputeStatus = 'needs_response' | 'under_review' | 'won' | 'lost';

export interface SimDispute {
  id: string;
  object: 'dispute';
  amount: number;
  charge: string;
  created: number;
  currency: string;
  is_charge_refundable: boolean;
  livemode: false;
  metadata: Metadata;
  payment_intent: string;
  reason: string;
  status: DisputeStatus;
}

export interface SimEvent {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: Record<string, unknown>; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

export interface WebhookTarget {
  url: string;
  secret: string;
}

export interface WebhookDelivery {
  eventId: string;
  type: string;
  url: string;
  /** HTTP status of the receiver's answer; null when no answer arrived. */
  status: number | null;
  error: string | null;
  responseBody: string | null;
  deliveredAt: number;
}

export interface DeliverOptions {
  /** Sign with this secret instead of the target's (to forge a bad signature). */
  secret?: string;
  timestamp?: number;
  /** Send this Stripe-Signature header verbatim. */
  signature?: string;
  /** Deliver somewhere other than the configured target. */
  target?: WebhookTarget;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: FormObject;
  body: FormObject;
  idempotencyKey: string | null;
  headers: http.IncomingHttpHeaders;
  receivedAt: number;
}

export interface InjectedError {
  status: number;
  type: string;
  code?: string;
  message: string;
}

export interface AccountChanges {
  details_submitted?: boolean;
  payouts_enabled?: boolean;
  charges_enabled?: boolean;
}

export interface StripeSimulatorOptions {
  port?: number;
  host?: string;
  webhook?: WebhookTarget;
  autoDeliverWebhooks?: boolean;
}

// ---------------------------------------------------------------------------
// Errors in Stripe's envelope
// ---------------------------------------------------------------------------

interface StripeErrorBody {
  type: string;
  message: string;
  code?: string;
  param?: string;
  decline_code?: string;
  doc_url?: string;
  charge?: string;
  payment_intent?: unknown;
  payment_method?: unknown;
}

class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
  ) {
    super(body.message);
  }
}

function invalidRequest(
  message: string,
  details: { code?: string; param?: string; status?: number; payment_intent?: unknown } = {},
): StripeApiError {
  const { status = 400, ...rest } = details;
  return new StripeApiError(status, {
    type: 'invalid_request_error',
    message,
    ...rest,
    doc_url: rest.code ? `https://stripe.com/docs/error-codes/${rest.code.replace(/_/g, '-')}` : undefined,
  });
}

function missingParam(param: string): StripeApiError {
  return invalidRequest(`Missing required param: ${param}.`, { code: 'parameter_missing', param });
}

function unexpectedPaymentIntentState(message: string, pi: SimPaymentIntent): StripeApiError {
  return invalidRequest(message, { code: 'payment_intent_unexpected_state', payment_intent: snapshot(pi) });
}

// ---------------------------------------------------------------------------
// Form decoding and parameter access
// ---------------------------------------------------------------------------

/**
 * Decodes Stripe's `application/x-www-form-urlencoded` bracket notation
 * (`metadata[a]=1&expand[0]=x&items[0][price]=p`) into nested objects, with
 * `[0]`, `[1]`… (or `[]`) becoming arrays.
 */
export function parseFormBody(body: string): FormObject {
  const root: FormObject = {};
  for (const [key, value] of new URLSearchParams(body)) {
    assignPath(root, splitKey(key), value);
  }
  return indexedObjectsToArrays(root) as FormObject;
}

function splitKey(key: string): string[] {
  const open = key.indexOf('[');
  if (open <= 0 || !key.endsWith(']')) return [key];
  const segments = [key.slice(0, open)];
  for (const match of key.slice(open).matchAll(/\[([^\]]*)\]/g)) segments.push(match[1]);
  return segments;
}

function assignPath(root: FormObject, segments: string[], value: string): void {
  let node = root;
  segments.forEach((rawSegment, i) => {
    const segment = rawSegment === '' ? String(Object.keys(node).length) : rawSegment;
    if (i === segments.length - 1) {
      node[segment] = value;
      return;
    }
    const child = node[segment];
    if (typeof child !== 'object' || Array.isArray(child)) node[segment] = {};
    node = node[segment] as FormObject;
  });
}

function indexedObjectsToArrays(value: FormValue, key = ''): FormValue {
  if (typeof value === 'string' || Array.isArray(value)) return value;
  const converted: FormObject = {};
  for (const [k, v] of Object.entries(value)) converted[k] = indexedObjectsToArrays(v, k);
  // Metadata keys are the caller's own strings, so `metadata[0]` must stay a key.
  const keys = Object.keys(converted);
  const isIndexed = key !== 'metadata' && keys.length > 0 && keys.every((k) => /^\d+$/.test(k));
  if (!isIndexed) return converted;
  return keys.sort((a, b) => Number(a) - Number(b)).map((k) => converted[k]);
}

function optionalString(params: FormObject, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') {
    throw invalidRequest(`Invalid string: ${JSON.stringify(value)}`, { code: 'parameter_invalid_string', param: name });
  }
  return value;
}

function requiredString(params: FormObject, name: string): string {
  const value = optionalString(params, name);
  if (value === undefined) throw missingParam(name);
  return value;
}

function optionalEnum<T extends string>(params: FormObject, name: string, allowed: readonly T[]): T | undefined {
  const value = optionalString(params, name);
  if (value !== undefined && !(allowed as readonly string[]).includes(value)) {
    throw invalidRequest(`Invalid ${name}: must be one of ${allowed.join(', ')}`, { param: name });
  }
  return value as T | undefined;
}

function requiredEnum<T extends string>(params: FormObject, name: string, allowed: readonly T[]): T {
  const value = optionalEnum(params, name, allowed);
  if (value === undefined) throw missingParam(name);
  return value;
}

function optionalPositiveInteger(params: FormObject, name: string): number | undefined {
  const value = optionalString(params, name);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) <= 0) {
    throw invalidRequest(`Invalid positive integer: ${value}`, { code: 'parameter_invalid_integer', param: name });
  }
  return Number(value);
}

function requiredPositiveInteger(params: FormObject, name: string): number {
  const value = optionalPositiveInteger(params, name);
  if (value === undefined) throw missingParam(name);
  return value;
}

function optionalBoolean(params: FormObject, name: string): boolean | undefined {
  const value = optionalString(params, name);
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false') {
    throw invalidRequest(`Invalid boolean: ${value}`, { code: 'parameter_invalid_boolean', param: name });
  }
  return value === 'true';
}

function requiredCurrency(params: FormObject): string {
  const currency = requiredString(params, 'currency').toLowerCase();
  if (!/^[a-z]{3}$/.test(currency)) {
    throw invalidRequest(`Invalid currency: ${currency}.`, { param: 'currency' });
  }
  return currency;
}

function metadataParam(params: FormObject): Metadata {
  const value = params.metadata;
  if (value === undefined || value === '') return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalidRequest('Invalid object', { code: 'parameter_invalid_object', param: 'metadata' });
  }
  const metadata: Metadata = {};
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') {
      throw invalidRequest('Metadata values must be strings.', { param: `metadata[${key}]` });
    }
    // An empty value means "unset" in Stripe, so it never ends up stored.
    if (entry !== '') metadata[key] = entry;
  }
  return metadata;
}

function expandParam(params: FormObject): string[] {
  const value = params.expand;
  if (value === undefined) return [];
  const paths = Array.isArray(value) ? value : [value];
  return paths.map((path) => {
    if (typeof path !== 'string') throw invalidRequest('Invalid expand path.', { param: 'expand' });
    return path;
  });
}

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

const DEFAULT_API_VERSION = '2026-10-28.endive';
const WEBHOOK_TIMEOUT_MS = 10_000;

function generateId(prefix: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(24);
  let suffix = '';
  for (const byte of bytes) suffix += alphabet[byte % alphabet.length];
  return `${prefix}_${suffix}`;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function snapshot<T>(value: T): Record<string, unknown> {
  return structuredClone(value) as Record<string, unknown>;
}

function emptyList<T>(url: string): StripeList<T> {
  return { object: 'list', data: [], has_more: false, total_count: 0, url };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

// ---------------------------------------------------------------------------
// Test card behaviour
// ---------------------------------------------------------------------------

interface Decline {
  code: string;
  decline_code: string;
  message: string;
}

/** Stripe's test PaymentMethods that decline, keyed by id; other `pm_card_*` succeed. */
const DECLINING_PAYMENT_METHODS: Record<string, Decline> = {
  pm_card_chargeDeclined: {
    code: 'card_declined',
    decline_code: 'generic_decline',
    message: 'Your card was declined.',
  },
  pm_card_chargeDeclinedInsufficientFunds: {
    code: 'card_declined',
    decline_code: 'insufficient_funds',
    message: 'Your card has insufficient funds.',
  },
  pm_card_chargeDeclinedFraudulent: {
    code: 'card_declined',
    decline_code: 'fraudulent',
    message: 'Your card was declined.',
  },
  pm_card_chargeDeclinedLostCard: {
    code: 'card_declined',
    decline_code: 'lost_card',
    message: 'Your card was declined.',
  },
  pm_card_chargeDeclinedExpiredCard: {
    code: 'expired_card',
    decline_code: 'expired_card',
    message: 'Your card has expired.',
  },
  pm_card_chargeDeclinedIncorrectCvc: {
    code: 'incorrect_cvc',
    decline_code: 'incorrect_cvc',
    message: "Your card's security code is incorrect.",
  },
  pm_card_chargeDeclinedProcessingError: {
    code: 'processing_error',
    decline_code: 'processing_error',
    message: 'An error occurred while processing your card. Try again in a little bit.',
  },
};

/** Returns the decline for a test payment method, or null if it is charged successfully. */
function outcomeFor(paymentMethod: string): Decline | null {
  if (!paymentMethod.startsWith('pm_card_')) {
    throw invalidRequest(`No such PaymentMethod: '${paymentMethod}'`, {
      code: 'resource_missing',
      param: 'payment_method',
    });
  }
  return DECLINING_PAYMENT_METHODS[paymentMethod] ?? null;
}

const CONFIRMABLE_STATES: PaymentIntentStatus[] = ['requires_payment_method', 'requires_confirmation', 'requires_action'];
const CANCELABLE_STATES: PaymentIntentStatus[] = [
  'requires_payment_method',
  'requires_capture',
  'requires_confirmation',
  'requires_action',
  'processing',
];

// ---------------------------------------------------------------------------
// Routing
// ---------------------------------------------------------------------------

interface ApiResponse {
  status: number;
  body: string;
  headers: Record<string, string>;
}

type RouteHandler = (params: FormObject, ...pathParams: string[]) => object;

interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  handler: RouteHandler;
}

function route(method: Route['method'], path: string, handler: RouteHandler): Route {
  const pattern = new RegExp(`^${path.replace(/:[a-z_]+/g, '([^/]+)')}$`);
  return { method, pattern, handler };
}

interface StoredIdempotentResponse {
  endpoint: string;
  rawBody: string;
  response: ApiResponse;
}

interface PathRule {
  pathPrefix: string;
  remaining: number;
}

// ---------------------------------------------------------------------------
// The simulator
// ---------------------------------------------------------------------------

export class StripeSimulator {
  readonly paymentIntents = new Map<string, SimPaymentIntent>();
  readonly charges = new Map<string, SimCharge>();
  readonly refunds = new Map<string, SimRefund>();
  readonly accounts = new Map<string, SimAccount>();
  readonly transfers = new Map<string, SimTransfer>();
  readonly disputes = new Map<string, SimDispute>();

  readonly events: SimEvent[] = [];
  readonly deliveries: WebhookDelivery[] = [];
  readonly requestLog: LoggedRequest[] = [];

  autoDeliverWebhooks: boolean;

  private webhook: WebhookTarget | null;
  /** Follows the Stripe-Version the SDK sends, so events carry the shapes the app's handlers are typed for. */
  private apiVersion = DEFAULT_API_VERSION;
  private readonly idempotentResponses = new Map<string, StoredIdempotentResponse>();
  private readonly faults: (PathRule & { error: InjectedError })[] = [];
  private readonly slowdowns: (PathRule & { ms: number })[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly heldResponses = new Set<NodeJS.Timeout>();
  private readonly outgoingWebhooks = new Set<http.ClientRequest>();
  private readonly deliveriesInFlight = new Set<Promise<WebhookDelivery>>();
  private deliveryQueue: Promise<unknown> = Promise.resolve();
  /** The API request being handled, so events it causes can name it like Stripe's do. */
  private currentRequest: SimEvent['request'] | null = null;

  private readonly routes: Route[] = [
    route('POST', '/v1/payment_intents', (p) => this.createPaymentIntent(p)),
    route('GET', '/v1/payment_intents/:id', (_p, id) => this.find(this.paymentIntents, 'payment_intent', id)),
    route('POST', '/v1/payment_intents/:id/confirm', (p, id) => this.confirmPaymentIntent(p, id)),
    route('POST', '/v1/payment_intents/:id/capture', (p, id) => this.capturePaymentIntent(p, id)),
    route('POST', '/v1/payment_intents/:id/cancel', (p, id) => this.cancelPaymentIntent(p, id)),
    route('GET', '/v1/charges/:id', (_p, id) => this.find(this.charges, 'charge', id)),
    route('POST', '/v1/refunds', (p) => this.createRefundFromApi(p)),
    route('GET', '/v1/refunds/:id', (_p, id) => this.find(this.refunds, 'refund', id)),
    route('POST', '/v1/accounts', (p) => this.createAccount(p)),
    route('GET', '/v1/accounts/:id', (_p, id) => this.find(this.accounts, 'account', id)),
    route('POST', '/v1/account_links', (p) => this.createAccountLink(p)),
    route('POST', '/v1/transfers', (p) => this.createTransfer(p)),
    route('GET', '/v1/transfers/:id', (_p, id) => this.find(this.transfers, 'transfer', id)),
    route('POST', '/v1/transfers/:id/reversals', (p, id) => this.createReversalFromApi(p, id)),
    route('GET', '/v1/disputes/:id', (_p, id) => this.find(this.disputes, 'dispute', id)),
  ];

  constructor(
    private readonly server: http.Server,
    readonly url: string,
    readonly port: number,
    options: StripeSimulatorOptions,
  ) {
    this.webhook = options.webhook ?? null;
    this.autoDeliverWebhooks = options.autoDeliverWebhooks ?? true;
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.on('request', (req, res) => {
      this.handleHttp(req, res).catch((error: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ error: { type: 'api_error', message: String(error) } }));
        }
      });
    });
  }

  setWebhookTarget(target: WebhookTarget | null): void {
    this.webhook = target;
  }

  get webhookTarget(): WebhookTarget | null {
    return this.webhook;
  }

  // -------------------------------------------------------------------------
  // Test controls
  // -------------------------------------------------------------------------

  /** The next `count` requests whose path starts with `pathPrefix` fail with `error` and change nothing. */
  failNextRequests(
    pathPrefix: string,
    count: number,
    error: InjectedError = { status: 500, type: 'api_error', message: 'An unknown error occurred (simulated).' },
  ): void {
    this.faults.push({ pathPrefix, remaining: count, error });
  }

  /** Forgets every injected failure and delay still pending (Stripe is healthy again). */
  clearFaults(): void {
    this.faults.length = 0;
  }

  /**
   * The next `count` matching requests take effect immediately but their
   * responses are held for `ms`, as when Stripe did the work but the client
   * gave up waiting.
   */
  delayNextResponses(pathPrefix: string, count: number, ms: number): void {
    this.slowdowns.push({ pathPrefix, remaining: count, ms });
  }

  /** A refund made outside the API (e.g. in the dashboard). Defaults to the remaining refundable amount. */
  refundOutsideApi(paymentIntentId: string, amount?: number): SimRefund {
    return this.createRefund({ charge: this.succeededCharge(paymentIntentId), amount, reason: null, metadata: {} });
  }

  createDispute(paymentIntentId: string): SimDispute {
    const charge = this.succeededCharge(paymentIntentId);
    const dispute: SimDispute = {
      id: generateId('dp'),
      object: 'dispute',
      amount: charge.amount_captured,
      charge: charge.id,
      created: nowSeconds(),
      currency: charge.currency,
      is_charge_refundable: false,
      livemode: false,
      metadata: {},
      payment_intent: paymentIntentId,
      reason: 'fraudulent',
      status: 'needs_response',
    };
    this.disputes.set(dispute.id, dispute);
    charge.disputed = true;
    this.emit('charge.dispute.created', dispute);
    return dispute;
  }

  closeDispute(disputeId: string, outcome: 'won' | 'lost'): SimDispute {
    const dispute = this.disputes.get(disputeId);
    if (!dispute) throw new Error(`Unknown dispute ${disputeId}`);
    if (dispute.status === 'won' || dispute.status === 'lost') {
      throw new Error(`Dispute ${disputeId} is already closed (${dispute.status})`);
    }
    const previous = { status: dispute.status };
    dispute.status = outcome;
    this.emit('charge.dispute.closed', dispute, previous);
    return dispute;
  }

  /** Simulates onboarding progress on the connected account's side. */
  updateAccount(accountId: string, changes: AccountChanges): SimAccount {
    const account = this.accounts.get(accountId);
    if (!account) throw new Error(`Unknown account ${accountId}`);
    const previous: Record<string, unknown> = {};
    for (const key of ['details_submitted', 'payouts_enabled', 'charges_enabled'] as const) {
      const value = changes[key];
      if (value !== undefined && value !== account[key]) {
        previous[key] = account[key];
        account[key] = value;
      }
    }
    const previousCapabilities = { ...account.capabilities };
    refreshCapabilities(account);
    if (JSON.stringify(previousCapabilities) !== JSON.stringify(account.capabilities)) {
      previous.capabilities = previousCapabilities;
    }
    this.emit('account.updated', account, previous);
    return account;
  }

  /** Reverses whatever is left of a transfer, as if done from the dashboard. */
  reverseTransferOutsideApi(transferId: string): SimTransferReversal {
    const transfer = this.transfers.get(transferId);
    if (!transfer) throw new Error(`Unknown transfer ${transferId}`);
    return this.reverseTransfer(transfer, undefined, {});
  }

  // -------------------------------------------------------------------------
  // Webhooks
  // -------------------------------------------------------------------------

  /** Builds a `Stripe-Signature` header value for `payload`, as Stripe signs webhooks. */
  signPayload(payload: string, secret: string | undefined = this.webhook?.secret, timestamp = nowSeconds()): string {
    if (!secret) throw new Error('signPayload needs a secret: none given and no webhook target is set');
    const signature = createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
    return `t=${timestamp},v1=${signature}`;
  }

  /** POSTs one event to the webhook target now; the outcome is recorded in `deliveries`, never thrown. */
  deliver(event: SimEvent, options: DeliverOptions = {}): Promise<WebhookDelivery> {
    const target = options.target ?? this.webhook;
    if (!target) return Promise.reject(new Error('deliver needs a webhook target: none given and none is set'));
    const payload = JSON.stringify(event, null, 2);
    const signature = options.signature ?? this.signPayload(payload, options.secret ?? target.secret, options.timestamp);
    const delivery = this.post(target.url, payload, signature).then((result) => {
      const record: WebhookDelivery = {
        eventId: event.id,
        type: event.type,
        url: target.url,
        ...result,
        deliveredAt: Date.now(),
      };
      this.deliveries.push(record);
      return record;
    });
    this.deliveriesInFlight.add(delivery);
    void delivery.finally(() => this.deliveriesInFlight.delete(delivery));
    return delivery;
  }

  /** Resolves once every queued or in-flight webhook delivery has finished. */
  async flushWebhooks(): Promise<void> {
    for (;;) {
      const queue = this.deliveryQueue;
      await queue;
      await Promise.all(this.deliveriesInFlight);
      if (queue === this.deliveryQueue && this.deliveriesInFlight.size === 0) return;
    }
  }

  private emit(type: string, object: object, previousAttributes?: Record<string, unknown>): SimEvent {
    const event: SimEvent = {
      id: generateId('evt'),
      object: 'event',
      api_version: this.apiVersion,
      created: nowSeconds(),
      data: previousAttributes ? { object: snapshot(object), previous_attributes: previousAttributes } : { object: snapshot(object) },
      livemode: false,
      pending_webhooks: this.webhook ? 1 : 0,
      request: this.currentRequest ?? { id: null, idempotency_key: null },
      type,
    };
    this.events.push(event);
    if (this.autoDeliverWebhooks && this.webhook) {
      // Deliveries go one at a time, in order, and only after the current
      // response has been written, so receivers see a deterministic sequence.
      this.deliveryQueue = this.deliveryQueue
        .then(() => new Promise((resolve) => setImmediate(resolve)))
        .then(() => (this.webhook ? this.deliver(event) : undefined))
        .catch(() => undefined);
    }
    return event;
  }

  private post(url: string, payload: string, signature: string): Promise<Pick<WebhookDelivery, 'status' | 'error' | 'responseBody'>> {
    return new Promise((resolve) => {
      const target = new URL(url);
      const client = target.protocol === 'https:' ? https : http;
      const request = client.request(
        target,
        {
          method: 'POST',
          // A fresh connection per delivery, so no pooled socket outlives the simulator.
          agent: false,
          timeout: WEBHOOK_TIMEOUT_MS,
          headers: {
            'Content-Type': 'application/json; charset=utf-8',
            'Content-Length': Buffer.byteLength(payload),
            'Stripe-Signature': signature,
            'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          },
        },
        (response) => {
          readBody(response)
            .then((body) => resolve({ status: response.statusCode ?? null, error: null, responseBody: body }))
            .catch((error: Error) => resolve({ status: response.statusCode ?? null, error: error.message, responseBody: null }));
        },
      );
      this.outgoingWebhooks.add(request);
      request.on('close', () => this.outgoingWebhooks.delete(request));
      request.on('timeout', () => request.destroy(new Error(`timed out after ${WEBHOOK_TIMEOUT_MS}ms`)));
      request.on('error', (error: NodeJS.ErrnoException) =>
        resolve({ status: null, error: error.code ?? error.message, responseBody: null }),
      );
      request.end(payload);
    });
  }

  // -------------------------------------------------------------------------
  // HTTP handling
  // -------------------------------------------------------------------------

  private async handleHttp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    const requestUrl = new URL(req.url ?? '/', this.url);

    if (req.method === 'GET' && requestUrl.pathname.startsWith('/connect/onboarding/')) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><title>Simulated Stripe onboarding</title><p>Onboarding for ${requestUrl.pathname.split('/').pop()}</p>`);
      return;
    }

    // Everything from here to storing the idempotent response runs without
    // awaiting, so concurrent requests sharing an Idempotency-Key are handled
    // one after the other and only the first one does any work.
    const response = this.respond(req, requestUrl, rawBody);

    const holdMs = this.take(this.slowdowns, requestUrl.pathname)?.ms;
    if (holdMs !== undefined) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.heldResponses.delete(timer);
          resolve();
        }, holdMs);
        this.heldResponses.add(timer);
      });
    }
    // The client may have given up while the response was held back.
    if (req.socket.destroyed) return;
    res.writeHead(response.status, { 'Content-Type': 'application/json', ...response.headers });
    res.end(response.body);
  }

  private respond(req: http.IncomingMessage, requestUrl: URL, rawBody: string): ApiResponse {
    const method = req.method ?? 'GET';
    const path = requestUrl.pathname;
    const idempotencyKey = headerValue(req.headers['idempotency-key']);
    const query = parseFormBody(requestUrl.search.slice(1));
    const body = parseFormBody(rawBody);
    this.requestLog.push({ method, path, query, body, idempotencyKey, headers: req.headers, receivedAt: Date.now() });

    const requestId = generateId('req');
    const baseHeaders: Record<string, string> = { 'Request-Id': requestId, 'Stripe-Version': this.apiVersion };
    if (idempotencyKey) baseHeaders['Idempotency-Key'] = idempotencyKey;
    const errorResponse = (error: StripeApiError): ApiResponse => ({
      status: error.status,
      body: JSON.stringify({ error: error.body }, null, 2),
      headers: baseHeaders,
    });

    const authError = checkAuthorization(req.headers.authorization);
    if (authError) return errorResponse(authError);

    const fault = this.take(this.faults, path)?.error;
    if (fault) {
      return errorResponse(new StripeApiError(fault.status, { type: fault.type, code: fault.code, message: fault.message }));
    }

    const stripeVersion = headerValue(req.headers['stripe-version']);
    if (stripeVersion) this.apiVersion = stripeVersion;

    const usesIdempotency = method === 'POST' && idempotencyKey !== null;
    const endpoint = `${method} ${path}`;
    if (usesIdempotency) {
      const stored = this.idempotentResponses.get(idempotencyKey);
      if (stored) {
        const mismatch = idempotencyMismatch(idempotencyKey, stored, endpoint, rawBody);
        if (mismatch) return errorResponse(mismatch);
        return { ...stored.response, headers: { ...stored.response.headers, 'Idempotent-Replayed': 'true' } };
      }
    }

    const params = method === 'GET' ? query : { ...query, ...body };
    let response: ApiResponse;
    this.currentRequest = { id: requestId, idempotency_key: idempotencyKey };
    try {
      const result = this.dispatch(method, path, params);
      response = { status: 200, body: JSON.stringify(result, null, 2), headers: baseHeaders };
    } catch (error) {
      if (!(error instanceof StripeApiError)) throw error;
      response = errorResponse(error);
    } finally {
      this.currentRequest = null;
    }

    if (usesIdempotency) this.idempotentResponses.set(idempotencyKey, { endpoint, rawBody, response });
    return response;
  }

  private dispatch(method: string, path: string, params: FormObject): object {
    for (const candidate of this.routes) {
      if (candidate.method !== method) continue;
      const match = candidate.pattern.exec(path);
      if (match) return this.render(candidate.handler(params, ...match.slice(1)), expandParam(params));
    }
    throw invalidRequest(`Unrecognized request URL (${method}: ${path}). The Stripe simulator does not implement this endpoint.`, {
      status: 404,
    });
  }

  /** Consumes one use of the first rule matching `path`. */
  private take<T extends PathRule>(rules: T[], path: string): T | undefined {
    const index = rules.findIndex((rule) => path.startsWith(rule.pathPrefix));
    if (index === -1) return undefined;
    const rule = rules[index];
    rule.remaining -= 1;
    if (rule.remaining <= 0) rules.splice(index, 1);
    return rule;
  }

  /** Copies the object for the wire, replacing ids named in `expand` with the objects they refer to. */
  private render(resource: object, expand: string[]): Record<string, unknown> {
    const copy = snapshot(resource);
    for (const path of expand) this.expandPath(copy, path.split('.'), path);
    return copy;
  }

  private expandPath(value: unknown, segments: string[], fullPath: string): void {
    if (Array.isArray(value)) {
      value.forEach((item) => this.expandPath(item, segments, fullPath));
      return;
    }
    const [field, ...rest] = segments;
    if (!isRecord(value) || !(field in value)) {
      throw invalidRequest(`This property cannot be expanded (${fullPath}).`, { param: 'expand' });
    }
    const current = value[field];
    if (typeof current === 'string') {
      const referenced = this.lookupAnyById(current);
      if (!referenced) throw invalidRequest(`This property cannot be expanded (${fullPath}).`, { param: 'expand' });
      value[field] = referenced;
    }
    if (rest.length > 0 && value[field] !== null) this.expandPath(value[field], rest, fullPath);
  }

  private lookupAnyById(id: string): Record<string, unknown> | undefined {
    const stores: Map<string, object>[] = [this.paymentIntents, this.charges, this.refunds, this.accounts, this.transfers, this.disputes];
    for (const store of stores) {
      const found = store.get(id);
      if (found) return snapshot(found);
    }
    return undefined;
  }

  private find<T>(store: Map<string, T>, label: string, id: string): T {
    const found = store.get(id);
    if (!found) throw invalidRequest(`No such ${label}: '${id}'`, { code: 'resource_missing', param: 'id', status: 404 });
    return found;
  }

  /** Like `find`, for an id passed as a request parameter, which Stripe rejects with 400. */
  private findParam<T>(store: Map<string, T>, label: string, id: string, param: string): T {
    const found = store.get(id);
    if (!found) throw invalidRequest(`No such ${label}: '${id}'`, { code: 'resource_missing', param });
    return found;
  }

  // -------------------------------------------------------------------------
  // PaymentIntents and charges
  // -------------------------------------------------------------------------

  private createPaymentIntent(params: FormObject): SimPaymentIntent {
    const amount = requiredPositiveInteger(params, 'amount');
    const currency = requiredCurrency(params);
    const paymentMethod = optionalString(params, 'payment_method');
    const confirm = optionalBoolean(params, 'confirm') ?? false;
    const captureMethod = optionalEnum(params, 'capture_method', ['automatic', 'automatic_async', 'manual'] as const);
    const automatic = params.automatic_payment_methods;
    const automaticEnabled = isRecord(automatic) ? optionalBoolean(automatic, 'enabled') : undefined;
    if (paymentMethod) outcomeFor(paymentMethod);
    if (confirm && !paymentMethod) {
      throw invalidRequest(
        "You cannot confirm this PaymentIntent because it's missing a payment method. Specify a payment method with the payment_method parameter.",
        { code: 'payment_intent_unexpected_state' },
      );
    }

    const id = generateId('pi');
    const pi: SimPaymentIntent = {
      id,
      object: 'payment_intent',
      amount,
      amount_capturable: 0,
      amount_received: 0,
      automatic_payment_methods: automaticEnabled === undefined ? null : { enabled: automaticEnabled },
      canceled_at: null,
      cancellation_reason: null,
      capture_method: captureMethod ?? 'automatic',
      client_secret: `${id}_secret_${generateId('x').slice(2)}`,
      confirmation_method: 'automatic',
      created: nowSeconds(),
      currency,
      description: optionalString(params, 'description') ?? null,
      last_payment_error: null,
      latest_charge: null,
      livemode: false,
      metadata: metadataParam(params),
      payment_method: paymentMethod ?? null,
      payment_method_types: ['card'],
      status: paymentMethod ? 'requires_confirmation' : 'requires_payment_method',
      transfer_group: optionalString(params, 'transfer_group') ?? null,
    };
    this.paymentIntents.set(id, pi);
    if (confirm) this.confirm(pi, paymentMethod);
    return pi;
  }

  private confirmPaymentIntent(params: FormObject, id: string): SimPaymentIntent {
    const pi = this.find(this.paymentIntents, 'payment_intent', id);
    const paymentMethod = optionalString(params, 'payment_method');
    if (paymentMethod) outcomeFor(paymentMethod);
    this.confirm(pi, paymentMethod);
    return pi;
  }

  private confirm(pi: SimPaymentIntent, newPaymentMethod: string | undefined): void {
    if (pi.status === 'succeeded') {
      throw unexpectedPaymentIntentState(
        'You cannot confirm this PaymentIntent because it has already succeeded after being previously confirmed.',
        pi,
      );
    }
    if (!CONFIRMABLE_STATES.includes(pi.status)) {
      throw unexpectedPaymentIntentState(
        `You cannot confirm this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be confirmed: ${CONFIRMABLE_STATES.join(', ')}.`,
        pi,
      );
    }
    const paymentMethod = newPaymentMethod ?? pi.payment_method;
    if (!paymentMethod) {
      throw unexpectedPaymentIntentState(
        "You cannot confirm this PaymentIntent because it's missing a payment method. Specify a payment method with the payment_method parameter.",
        pi,
      );
    }

    const decline = outcomeFor(paymentMethod);
    const charge = this.createCharge(pi, paymentMethod, decline);
    pi.latest_charge = charge.id;

    if (decline) {
      const paymentMethodObject: SimPaymentMethod = { id: paymentMethod, object: 'payment_method', type: 'card' };
      pi.status = 'requires_payment_method';
      pi.payment_method = null;
      pi.last_payment_error = {
        type: 'card_error',
        ...decline,
        charge: charge.id,
        payment_method: paymentMethodObject,
      };
      this.emit('payment_intent.payment_failed', pi);
      throw new StripeApiError(402, {
        type: 'card_error',
        ...decline,
        charge: charge.id,
        doc_url: `https://stripe.com/docs/error-codes/${decline.code.replace(/_/g, '-')}`,
        payment_intent: snapshot(pi),
        payment_method: paymentMethodObject,
      });
    }

    pi.payment_method = paymentMethod;
    pi.last_payment_error = null;
    if (pi.capture_method === 'manual') {
      pi.status = 'requires_capture';
      pi.amount_capturable = pi.amount;
      return;
    }
    pi.status = 'succeeded';
    pi.amount_received = pi.amount;
    this.emit('payment_intent.succeeded', pi);
  }

  private createCharge(pi: SimPaymentIntent, paymentMethod: string, decline: Decline | null): SimCharge {
    const id = generateId('ch');
    const captured = !decline && pi.capture_method !== 'manual';
    const charge: SimCharge = {
      id,
      object: 'charge',
      amount: pi.amount,
      amount_captured: captured ? pi.amount : 0,
      amount_refunded: 0,
      balance_transaction: decline ? null : generateId('txn'),
      captured,
      created: nowSeconds(),
      currency: pi.currency,
      description: pi.description,
      disputed: false,
      failure_code: decline?.code ?? null,
      failure_message: decline?.message ?? null,
      livemode: false,
      metadata: { ...pi.metadata },
      paid: !decline,
      payment_intent: pi.id,
      payment_method: paymentMethod,
      refunded: false,
      refunds: emptyList(`/v1/charges/${id}/refunds`),
      status: decline ? 'failed' : 'succeeded',
      transfer_group: pi.transfer_group,
    };
    this.charges.set(id, charge);
    return charge;
  }

  private capturePaymentIntent(params: FormObject, id: string): SimPaymentIntent {
    const pi = this.find(this.paymentIntents, 'payment_intent', id);
    if (pi.status !== 'requires_capture') {
      throw unexpectedPaymentIntentState(
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
    const charge = this.find(this.charges, 'charge', pi.latest_charge ?? '');
    charge.captured = true;
    charge.amount_captured = amount;
    pi.status = 'succeeded';
    pi.amount_capturable = 0;
    pi.amount_received = amount;
    this.emit('payment_intent.succeeded', pi);
    return pi;
  }

  private cancelPaymentIntent(params: FormObject, id: string): SimPaymentIntent {
    const pi = this.find(this.paymentIntents, 'payment_intent', id);
    const reason = optionalEnum(params, 'cancellation_reason', ['duplicate', 'fraudulent', 'requested_by_customer', 'abandoned'] as const);
    if (!CANCELABLE_STATES.includes(pi.status)) {
      throw unexpectedPaymentIntentState(
        `You cannot cancel this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${CANCELABLE_STATES.join(', ')}.`,
        pi,
      );
    }
    pi.status = 'canceled';
    pi.canceled_at = nowSeconds();
    pi.cancellation_reason = reason ?? null;
    pi.amount_capturable = 0;
    this.emit('payment_intent.canceled', pi);
    return pi;
  }

  // -------------------------------------------------------------------------
  // Refunds
  // -------------------------------------------------------------------------

  private createRefundFromApi(params: FormObject): SimRefund {
    const paymentIntentId = optionalString(params, 'payment_intent');
    const chargeId = optionalString(params, 'charge');
    const amount = optionalPositiveInteger(params, 'amount');
    const reason = optionalEnum(params, 'reason', ['duplicate', 'fraudulent', 'requested_by_customer'] as const);
    const metadata = metadataParam(params);

    let charge: SimCharge;
    if (paymentIntentId) {
      charge = this.succeededCharge(paymentIntentId);
      if (chargeId && chargeId !== charge.id) {
        throw invalidRequest(`Charge ${chargeId} does not belong to PaymentIntent ${paymentIntentId}.`, {
          param: 'charge',
        });
      }
    } else if (chargeId) {
      charge = this.findParam(this.charges, 'charge', chargeId, 'charge');
      if (!charge.captured) {
        throw invalidRequest(`Charge ${charge.id} has not been captured and cannot be refunded.`, { param: 'charge' });
      }
    } else {
      throw invalidRequest('One of the following params should be provided for this request: payment_intent or charge.');
    }
    // Like Stripe: a charge under dispute cannot also be refunded (the dispute returns the money).
    const openDispute = [...this.disputes.values()].some((d) => d.charge === charge.id && d.status !== 'won');
    if (charge.disputed && openDispute) {
      throw invalidRequest(`Charge ${charge.id} has been charged back; cannot issue a refund.`, { code: 'charge_disputed' });
    }
    return this.createRefund({ charge, amount, reason: reason ?? null, metadata });
  }

  /** The successful charge behind a PaymentIntent, which refunds and disputes act on. */
  private succeededCharge(paymentIntentId: string): SimCharge {
    const pi = this.paymentIntents.get(paymentIntentId);
    if (!pi)
      throw invalidRequest(`No such payment_intent: '${paymentIntentId}'`, {
        code: 'resource_missing',
        param: 'payment_intent',
      });
    const charge = pi.latest_charge ? this.charges.get(pi.latest_charge) : undefined;
    if (pi.status !== 'succeeded' || !charge) {
      throw invalidRequest(`This PaymentIntent (${pi.id}) does not have a successful charge.`, {
        code: 'charge_not_refundable',
        param: 'payment_intent',
      });
    }
    return charge;
  }

  private createRefund(input: { charge: SimCharge; amount: number | undefined; reason: string | null; metadata: Metadata }): SimRefund {
    const { charge } = input;
    const remaining = charge.amount_captured - charge.amount_refunded;
    if (remaining <= 0) {
      throw invalidRequest(`Charge ${charge.id} has already been refunded.`, {
        code: 'charge_already_refunded',
        param: 'amount',
      });
    }
    const amount = input.amount ?? remaining;
    if (amount > remaining) {
      throw invalidRequest(`Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining}).`, {
        code: 'charge_already_refunded',
        param: 'amount',
      });
    }

    const refund: SimRefund = {
      id: generateId('re'),
      object: 'refund',
      amount,
      balance_transaction: generateId('txn'),
      charge: charge.id,
      created: nowSeconds(),
      currency: charge.currency,
      metadata: input.metadata,
      payment_intent: charge.payment_intent,
      reason: input.reason,
      status: 'succeeded',
    };
    this.refunds.set(refund.id, refund);

    const previous = { amount_refunded: charge.amount_refunded, refunded: charge.refunded };
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded >= charge.amount_captured;
    charge.refunds.data.unshift(refund);
    charge.refunds.total_count += 1;
    this.emit('charge.refunded', charge, previous);
    return refund;
  }

  // -------------------------------------------------------------------------
  // Connect: accounts, onboarding links, transfers
  // -------------------------------------------------------------------------

  private createAccount(params: FormObject): SimAccount {
    const type = optionalEnum(params, 'type', ['express', 'standard', 'custom'] as const) ?? 'standard';
    const requested = params.capabilities;
    const account: SimAccount = {
      id: generateId('acct'),
      object: 'account',
      business_type: optionalString(params, 'business_type') ?? null,
      capabilities: {},
      charges_enabled: false,
      country: (optionalString(params, 'country') ?? 'US').toUpperCase(),
      created: nowSeconds(),
      details_submitted: false,
      email: optionalString(params, 'email') ?? null,
      metadata: metadataParam(params),
      payouts_enabled: false,
      type,
    };
    if (isRecord(requested)) {
      for (const [name, settings] of Object.entries(requested)) {
        if (isRecord(settings) && settings.requested === 'true') account.capabilities[name] = 'inactive';
      }
    }
    this.accounts.set(account.id, account);
    return account;
  }

  private createAccountLink(params: FormObject): object {
    const accountId = requiredString(params, 'account');
    requiredEnum(params, 'type', ['account_onboarding', 'account_update'] as const);
    this.findParam(this.accounts, 'account', accountId, 'account');
    const created = nowSeconds();
    return {
      object: 'account_link',
      created,
      // Stripe's onboarding links are single-use and short-lived.
      expires_at: created + 300,
      url: `${this.url}/connect/onboarding/${accountId}`,
    };
  }

  private createTransfer(params: FormObject): SimTransfer {
    const amount = requiredPositiveInteger(params, 'amount');
    const currency = requiredCurrency(params);
    const destinationId = requiredString(params, 'destination');
    const sourceTransaction = optionalString(params, 'source_transaction');
    const destination = this.accounts.get(destinationId);
    if (!destination) {
      throw invalidRequest(`No such destination: '${destinationId}'`, {
        code: 'resource_missing',
        param: 'destination',
      });
    }
    if (!destination.payouts_enabled) {
      throw invalidRequest(
        'Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments',
        { code: 'insufficient_capabilities_for_transfer', param: 'destination' },
      );
    }
    if (sourceTransaction) this.findParam(this.charges, 'charge', sourceTransaction, 'source_transaction');

    // The simulator keeps no platform balance, so transfers never fail for insufficient funds.
    const id = generateId('tr');
    const transfer: SimTransfer = {
      id,
      object: 'transfer',
      amount,
      amount_reversed: 0,
      balance_transaction: generateId('txn'),
      created: nowSeconds(),
      currency,
      description: optionalString(params, 'description') ?? null,
      destination: destinationId,
      livemode: false,
      metadata: metadataParam(params),
      reversals: emptyList(`/v1/transfers/${id}/reversals`),
      reversed: false,
      source_transaction: sourceTransaction ?? null,
      transfer_group: optionalString(params, 'transfer_group') ?? null,
    };
    this.transfers.set(id, transfer);
    this.emit('transfer.created', transfer);
    return transfer;
  }

  private createReversalFromApi(params: FormObject, transferId: string): SimTransferReversal {
    const transfer = this.find(this.transfers, 'transfer', transferId);
    return this.reverseTransfer(transfer, optionalPositiveInteger(params, 'amount'), metadataParam(params));
  }

  private reverseTransfer(transfer: SimTransfer, requestedAmount: number | undefined, metadata: Metadata): SimTransferReversal {
    const remaining = transfer.amount - transfer.amount_reversed;
    const amount = requestedAmount ?? remaining;
    if (remaining <= 0 || amount > remaining) {
      throw invalidRequest(
        `You have already reversed ${transfer.amount_reversed} of transfer ${transfer.id}; at most ${remaining} can still be reversed.`,
        { param: 'amount' },
      );
    }
    const reversal: SimTransferReversal = {
      id: generateId('trr'),
      object: 'transfer_reversal',
      amount,
      balance_transaction: generateId('txn'),
      created: nowSeconds(),
      currency: transfer.currency,
      metadata,
      transfer: transfer.id,
    };
    const previous = { amount_reversed: transfer.amount_reversed, reversed: transfer.reversed };
    transfer.amount_reversed += amount;
    transfer.reversed = transfer.amount_reversed >= transfer.amount;
    transfer.reversals.data.unshift(reversal);
    transfer.reversals.total_count += 1;
    this.emit('transfer.reversed', transfer, previous);
    return reversal;
  }

  // -------------------------------------------------------------------------
  // Lifecycle
  // -------------------------------------------------------------------------

  /** Stops the server at once: held responses are dropped and open (keep-alive) sockets destroyed. */
  async close(): Promise<void> {
    for (const timer of this.heldResponses) clearTimeout(timer);
    this.heldResponses.clear();
    for (const request of this.outgoingWebhooks) request.destroy();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}

function headerValue(value: string | string[] | undefined): string | null {
  const first = Array.isArray(value) ? value[0] : value;
  return first ? first : null;
}

function checkAuthorization(header: string | undefined): StripeApiError | null {
  if (!header) {
    return invalidRequest(
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
      { status: 401 },
    );
  }
  const key = /^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? '';
  if (!/^(sk|rk)_/.test(key)) {
    return invalidRequest(`Invalid API Key provided: ${key.slice(0, 8)}***`, { status: 401 });
  }
  return null;
}

/** Stripe compares the encoded parameters, so any difference in the body counts as a different request. */
function idempotencyMismatch(key: string, stored: StoredIdempotentResponse, endpoint: string, rawBody: string): StripeApiError | null {
  const retry = `Try using a key other than '${key}' if you meant to execute a different request.`;
  if (stored.endpoint !== endpoint) {
    return new StripeApiError(400, {
      type: 'idempotency_error',
      message: `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${stored.endpoint}' vs '${endpoint}'). ${retry}`,
    });
  }
  if (stored.rawBody !== rawBody) {
    return new StripeApiError(400, {
      type: 'idempotency_error',
      message: `Keys for idempotent requests can only be used with the same parameters they were first used with. ${retry}`,
    });
  }
  return null;
}

/** Capabilities follow the account's enabled flags, the way Stripe activates them once onboarding completes. */
function refreshCapabilities(account: SimAccount): void {
  const enabledBy: Record<string, boolean> = {
    transfers: account.payouts_enabled,
    card_payments: account.charges_enabled,
  };
  for (const name of Object.keys(account.capabilities)) {
    if (name in enabledBy) account.capabilities[name] = enabledBy[name] ? 'active' : 'inactive';
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
