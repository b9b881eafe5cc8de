/**
 * An offline stand-in for the slice of Stripe's REST API this app uses, answering as Stripe does
 * at one API version (SIMULATED_API_VERSION, the version the installed `stripe` SDK is typed for).
 *
 * The real `stripe` SDK is pointed at it with
 * `new Stripe('sk_test_…', { host: '127.0.0.1', port: sim.port, protocol: 'http' })`,
 * so the code under test exercises the same request encoding, error classes and
 * webhook verification it would against Stripe, without the network.
 *
 * It must never flatter its callers: what Stripe leaves out at this version it leaves out too.
 * A Charge carries no `refunds` unless `expand[]=refunds` asks, a PaymentIntent no `charges`,
 * and references (`latest_charge`, `payment_intent`, `charge`, `destination`, ...) stay ids unless
 * expanded. Lists are `{ object: 'list', data, has_more, url }` with `limit`, cursors and `created`
 * filters; unknown parameters are refused; errors carry Stripe's fields; idempotent replays and
 * conflicts behave as Stripe documents them. Test PaymentMethods (`pm_card_visa`, ...) become
 * fresh `pm_…` objects as they do in test mode.
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

/** The one API version whose shapes the simulator renders. */
export const SIMULATED_API_VERSION = '2026-10-28.endive';

export type FormValue = string | FormValue[] | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

export type Metadata = Record<string, string>;

/** An object as it goes over the wire. */
export type Wire = Record<string, unknown>;

export interface StripeList<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}

export type PaymentIntentStatus =
  'requires_payment_method' | 'requires_confirmation' | 'requires_action' | 'processing' | 'requires_capture' | 'canceled' | 'succeeded';

export interface SimPaymentError {
  type: 'card_error';
  charge: string;
  code: string;
  decline_code: string;
  doc_url: string;
  message: string;
  payment_method: SimPaymentMethod;
}

export interface SimPaymentMethod {
  id: string;
  object: 'payment_method';
  allow_redisplay: 'unspecified';
  billing_details: { address: Record<string, null>; email: null; name: null; phone: null };
  card: { brand: string; country: string; exp_month: number; exp_year: number; funding: string; last4: string };
  created: number;
  customer: null;
  livemode: false;
  metadata: Metadata;
  type: 'card';
}

export interface SimPaymentIntent {
  id: string;
  object: 'payment_intent';
  allowed_payment_method_types: string[] | null;
  amount: number;
  amount_capturable: number;
  amount_received: number;
  application: null;
  application_fee_amount: null;
  automatic_payment_methods: { enabled: boolean; allow_redirects?: 'always' | 'never' } | null;
  canceled_at: number | null;
  cancellation_reason: string | null;
  capture_method: 'automatic' | 'automatic_async' | 'manual';
  client_secret: string;
  confirmation_method: 'automatic' | 'manual';
  created: number;
  currency: string;
  customer: null;
  customer_account: null;
  description: string | null;
  excluded_payment_method_types: string[] | null;
  last_payment_error: SimPaymentError | null;
  latest_charge: string | null;
  livemode: false;
  managed_payments: null;
  metadata: Metadata;
  next_action: null;
  on_behalf_of: null;
  payment_method: string | null;
  payment_method_configuration_details: null;
  payment_method_options: { card: { installments: null; mandate_options: null; network: null; request_three_d_secure: 'automatic' } };
  payment_method_types: string[];
  payment_record: null;
  processing: null;
  receipt_email: string | null;
  review: null;
  setup_future_usage: null;
  shipping: null;
  source: null;
  statement_descriptor: null;
  statement_descriptor_suffix: null;
  status: PaymentIntentStatus;
  transfer_group: string | null;
}

/** A charge as stored; `refunds` is not part of it (Stripe includes it only when expanded). */
export interface SimCharge {
  id: string;
  object: 'charge';
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  application: null;
  application_fee: null;
  application_fee_amount: null;
  balance_transaction: string | null;
  billing_details: SimPaymentMethod['billing_details'];
  calculated_statement_descriptor: string;
  captured: boolean;
  created: number;
  currency: string;
  customer: null;
  description: string | null;
  disputed: boolean;
  failure_balance_transaction: null;
  failure_code: string | null;
  failure_message: string | null;
  fraud_details: Record<string, never>;
  livemode: false;
  metadata: Metadata;
  on_behalf_of: null;
  outcome: { network_status: string; reason: string | null; risk_level: string; seller_message: string; type: string };
  paid: boolean;
  payment_intent: string;
  payment_method: string;
  payment_method_details: { card: SimPaymentMethod['card']; type: 'card' };
  receipt_email: null;
  receipt_number: null;
  receipt_url: string;
  refunded: boolean;
  review: null;
  shipping: null;
  source: null;
  source_transfer: null;
  statement_descriptor: null;
  statement_descriptor_suffix: null;
  status: 'succeeded' | 'failed';
  transfer_data: null;
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
  customer: null;
  customer_account: null;
  destination_details: { card: { reference: null; reference_status: string; reference_type: string; type: 'refund' }; type: 'card' };
  metadata: Metadata;
  payment_intent: string;
  payment_method: string;
  reason: string | null;
  receipt_number: null;
  source_transfer_reversal: null;
  status: 'succeeded';
  transfer_reversal: null;
}

export interface SimAccount {
  id: string;
  object: 'account';
  business_profile: { mcc: null; name: null; product_description: null; support_email: null; support_url: null; url: null };
  business_type: string | null;
  capabilities: Record<string, 'active' | 'inactive' | 'pending'>;
  charges_enabled: boolean;
  controller: Record<string, unknown>;
  country: string;
  created: number;
  default_currency: string;
  details_submitted: boolean;
  email: string | null;
  metadata: Metadata;
  payouts_enabled: boolean;
  requirements: { currently_due: string[]; disabled_reason: string | null; eventually_due: string[]; past_due: string[] };
  type: 'express' | 'standard' | 'custom';
}

export interface SimTransferReversal {
  id: string;
  object: 'transfer_reversal';
  amount: number;
  balance_transaction: string | null;
  created: number;
  currency: string;
  destination_payment_refund: string;
  metadata: Metadata;
  source_refund: null;
  transfer: string;
}

/** A transfer as stored; its `reversals` sublist is added on the wire. */
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
  destination_payment: string;
  livemode: false;
  metadata: Metadata;
  reversed: boolean;
  source_transaction: string | null;
  source_type: 'card';
  transfer_group: string | null;
}

export type DisputeStatus = 'needs_response' | 'under_review' | 'won' | 'lost';

export interface SimDispute {
  id: string;
  object: 'dispute';
  amount: number;
  balance_transactions: Wire[];
  charge: string;
  created: number;
  currency: string;
  enhanced_eligibility_types: string[];
  evidence: Record<string, string | null | Record<string, never>>;
  evidence_details: {
    due_by: number | null;
    enhanced_eligibility: Record<string, never>;
    has_evidence: boolean;
    past_due: boolean;
    submission_count: number;
  };
  intended_submission_method: null;
  is_charge_refundable: boolean;
  livemode: false;
  metadata: Metadata;
  payment_intent: string;
  payment_method_details: { card: { brand: string; case_type: string; network_reason_code: string }; type: 'card' };
  reason: string;
  status: DisputeStatus;
}

export interface SimEvent {
  id: string;
  object: 'event';
  /** The connected account the event is about, on Connect events. */
  account?: string;
  api_version: string;
  created: number;
  data: { object: Wire; previous_attributes?: Record<string, unknown> };
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
  decline_code?: string;
  doc_url?: string;
  param?: string;
  charge?: string;
  payment_intent?: Wire;
  payment_method?: Wire;
}

export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
    /**
     * The request failed validation before any work began, so Stripe saves no idempotent result
     * for it: a retry with the same key runs afresh.
     */
    readonly beforeExecution = false,
  ) {
    super(body.message);
  }
}

const docUrl = (code: string) => `https://docs.stripe.com/error-codes/${code.replace(/_/g, '-')}`;

function invalidRequest(
  message: string,
  details: { code?: string; param?: string; status?: number; payment_intent?: Wire; beforeExecution?: boolean } = {},
): StripeApiError {
  const { status = 400, beforeExecution = false, ...rest } = details;
  const body: StripeErrorBody = { type: 'invalid_request_error', message, ...rest };
  if (rest.code) body.doc_url = docUrl(rest.code);
  return new StripeApiError(status, body, beforeExecution);
}

/** A parameter Stripe's validation refuses before the endpoint runs. */
function invalidParam(message: string, param: string, code?: string): StripeApiError {
  return invalidRequest(message, { code, param, beforeExecution: true });
}

function missingParam(param: string): StripeApiError {
  return invalidParam(`Missing required param: ${param}.`, param, 'parameter_missing');
}

function resourceMissing(label: string, id: string, param: string, status = 400): StripeApiError {
  return invalidRequest(`No such ${label}: '${id}'`, { code: 'resource_missing', param, status });
}

/** The body Stripe answers with: its fields in key order, plus the request's log URL. */
function errorJson(error: StripeApiError, requestId: string): string {
  const body: Record<string, unknown> = {
    ...error.body,
    request_log_url: `https://dashboard.stripe.com/test/logs/${requestId}?t=${nowSeconds()}`,
  };
  const sorted = Object.fromEntries(
    Object.keys(body)
      .sort()
      .map((k) => [k, body[k]]),
  );
  return JSON.stringify({ error: sorted }, null, 2);
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

/** Refuses any top-level parameter the endpoint does not take, as Stripe does. */
function checkKnownParams(params: FormObject, allowed: readonly string[]): void {
  for (const name of Object.keys(params)) {
    if (name !== 'expand' && !allowed.includes(name)) {
      throw invalidParam(`Received unknown parameter: ${name}`, name, 'parameter_unknown');
    }
  }
}

function optionalString(params: FormObject, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') {
    throw invalidParam(`Invalid string: ${JSON.stringify(value)}`, name, 'parameter_invalid_string');
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
    throw invalidParam(`Invalid ${name}: must be one of ${allowed.join(', ')}`, name);
  }
  return value as T | undefined;
}

function requiredEnum<T extends string>(params: FormObject, name: string, allowed: readonly T[]): T {
  const value = optionalEnum(params, name, allowed);
  if (value === undefined) throw missingParam(name);
  return value;
}

function optionalInteger(params: FormObject, name: string, label = name): number | undefined {
  const value = optionalString(params, name);
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw invalidParam(`Invalid integer: ${value}`, label, 'parameter_invalid_integer');
  return Number(value);
}

function optionalPositiveInteger(params: FormObject, name: string): number | undefined {
  const value = optionalInteger(params, name);
  if (value !== undefined && value <= 0) {
    throw invalidParam(`Invalid positive integer: ${value}`, name, 'parameter_invalid_integer');
  }
  return value;
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
    throw invalidParam(`Invalid boolean: ${value}`, name, 'parameter_invalid_boolean');
  }
  return value === 'true';
}

function optionalObject(params: FormObject, name: string): FormObject | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidParam('Invalid object', name, 'parameter_invalid_object');
  return value;
}

function requiredCurrency(params: FormObject): string {
  const currency = requiredString(params, 'currency').toLowerCase();
  if (!/^[a-z]{3}$/.test(currency)) throw invalidParam(`Invalid currency: ${currency}.`, 'currency');
  return currency;
}

function metadataParam(params: FormObject): Metadata {
  const value = optionalObject(params, 'metadata');
  const metadata: Metadata = {};
  for (const [key, entry] of Object.entries(value ?? {})) {
    if (typeof entry !== 'string') throw invalidParam('Metadata values must be strings.', `metadata[${key}]`);
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
    if (typeof path !== 'string') throw invalidParam('Invalid array', 'expand', 'parameter_invalid_array');
    return path;
  });
}

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

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

function snapshot<T>(value: T): Wire {
  return structuredClone(value) as Wire;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON with object keys sorted, so two encodings of the same parameters compare equal. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const EMPTY_ADDRESS = { city: null, country: null, line1: null, line2: null, postal_code: null, state: null };
const emptyBillingDetails = (): SimPaymentMethod['billing_details'] => ({
  address: { ...EMPTY_ADDRESS },
  email: null,
  name: null,
  phone: null,
});

// ---------------------------------------------------------------------------
// Shared state: the stores, events and timers every resource family works on
// ---------------------------------------------------------------------------

interface TestCard {
  brand: string;
  last4: string;
  decline?: { code: string; decline_code: string; message: string };
  /** The charge succeeds and the cardholder disputes it shortly after. */
  dispute?: boolean;
}

interface SimStore {
  paymentIntents: Map<string, SimPaymentIntent>;
  charges: Map<string, SimCharge>;
  refunds: Map<string, SimRefund>;
  paymentMethods: Map<string, SimPaymentMethod>;
  /** Which test card each PaymentMethod was made from, so confirming it behaves like that card. */
  testCards: Map<string, TestCard>;
  /**
   * PaymentIntents created with `automatic_payment_methods[enabled]=true` (and redirects not
   * refused): confirming them needs a `return_url`. The implicit default (no payment_method_types)
   * depends on the dashboard's settings, which the simulator does not model, so it is left out.
   */
  redirectable: Set<string>;
  accounts: Map<string, SimAccount>;
  transfers: Map<string, SimTransfer>;
  reversals: Map<string, SimTransferReversal>;
  disputes: Map<string, SimDispute>;
  events: SimEvent[];
}

interface SimContext {
  readonly store: SimStore;
  readonly url: string;
  /** Records an event about `object` (its wire form now) and queues its webhook. */
  emit(type: string, object: object, previousAttributes?: Record<string, unknown>, extra?: { account?: string }): SimEvent;
  /** Runs `fn` after `ms`, unless the simulator closes first (Stripe's asynchronous follow-ups). */
  later(fn: () => void, ms: number): void;
}

function find<T>(store: Map<string, T>, label: string, id: string): T {
  const found = store.get(id);
  if (!found) throw resourceMissing(label, id, 'id', 404);
  return found;
}

/** Like `find`, for an id passed as a request parameter, which Stripe refuses with 400. */
function findParam<T>(store: Map<string, T>, label: string, id: string, param: string): T {
  const found = store.get(id);
  if (!found) throw resourceMissing(label, id, param);
  return found;
}

// ---------------------------------------------------------------------------
// Lists and pagination
// ---------------------------------------------------------------------------

const LIST_PARAMS = ['limit', 'starting_after', 'ending_before'] as const;
const RANGE_KEYS = ['gt', 'gte', 'lt', 'lte'] as const;

type ListFilter<T> = (item: T, value: FormValue) => boolean;

/** `created=<ts>` or `created[gt|gte|lt|lte]=<ts>`, as Stripe's list endpoints take it. */
function createdFilter<T extends { created: number }>(item: T, value: FormValue): boolean {
  if (typeof value === 'string') return item.created === parseTimestamp(value, 'created');
  if (!isRecord(value)) throw invalidParam('Invalid object', 'created', 'parameter_invalid_object');
  for (const key of Object.keys(value)) {
    if (!(RANGE_KEYS as readonly string[]).includes(key)) {
      throw invalidParam(`Received unknown parameter: created[${key}]`, `created[${key}]`, 'parameter_unknown');
    }
  }
  const bound = (key: (typeof RANGE_KEYS)[number]) => {
    const raw = value[key];
    return raw === undefined ? undefined : parseTimestamp(raw as string, `created[${key}]`);
  };
  const [gt, gte, lt, lte] = RANGE_KEYS.map(bound);
  return (
    (gt === undefined || item.created > gt) &&
    (gte === undefined || item.created >= gte) &&
    (lt === undefined || item.created < lt) &&
    (lte === undefined || item.created <= lte)
  );
}

function parseTimestamp(value: FormValue, param: string): number {
  if (typeof value !== 'string' || !/^\d+$/.test(value)) {
    throw invalidParam(`Invalid integer: ${typeof value === 'string' ? value : JSON.stringify(value)}`, param, 'parameter_invalid_integer');
  }
  return Number(value);
}

const equals =
  <T>(field: keyof T): ListFilter<T> =>
  (item, value) =>
    item[field] === value;

/**
 * One page of `items` (given oldest first), newest first as Stripe lists: `limit` (1-100, default
 * 10), `starting_after` / `ending_before` cursors (one or the other), and the endpoint's filters.
 * Every query parameter must be one the endpoint takes.
 */
function paginate<T extends { id: string; created: number }>(
  items: Iterable<T>,
  params: FormObject,
  options: { url: string; label: string; filters?: Record<string, ListFilter<T>> },
): StripeList<T> {
  const filters = options.filters ?? {};
  checkKnownParams(params, [...LIST_PARAMS, ...Object.keys(filters)]);
  const limit = optionalInteger(params, 'limit') ?? 10;
  if (limit < 1 || limit > 100) {
    throw invalidParam(`This value must be between 1 and 100 (it currently is '${limit}').`, 'limit', 'parameter_invalid_integer');
  }
  const startingAfter = optionalString(params, 'starting_after');
  const endingBefore = optionalString(params, 'ending_before');
  if (startingAfter && endingBefore) {
    throw invalidParam('You may only specify one of these parameters: ending_before, starting_after.', 'ending_before');
  }
  const newestFirst = [...items].reverse();
  const matches = (item: T) => Object.entries(filters).every(([name, test]) => params[name] === undefined || test(item, params[name]));

  const cursorIndex = (id: string, param: string) => {
    const index = newestFirst.findIndex((item) => item.id === id);
    if (index === -1) throw resourceMissing(options.label, id, param);
    return index;
  };
  if (endingBefore) {
    const newer = newestFirst.slice(0, cursorIndex(endingBefore, 'ending_before')).filter(matches);
    return { object: 'list', data: newer.slice(-limit), has_more: newer.length > limit, url: options.url };
  }
  const start = startingAfter ? cursorIndex(startingAfter, 'starting_after') + 1 : 0;
  const older = newestFirst.slice(start).filter(matches);
  return { object: 'list', data: older.slice(0, limit), has_more: older.length > limit, url: options.url };
}

/** The first page of a sublist embedded in an object (a transfer's reversals, a charge's refunds). */
function sublist<T>(newestFirst: T[], url: string): StripeList<T> {
  return { object: 'list', data: newestFirst.slice(0, 10), has_more: newestFirst.length > 10, url };
}

// ---------------------------------------------------------------------------
// Rendering: the wire form, and `expand`
// ---------------------------------------------------------------------------

const refundsOf = (ctx: SimContext, chargeId: string) => [...ctx.store.refunds.values()].filter((r) => r.charge === chargeId).reverse();
const reversalsOf = (ctx: SimContext, transferId: string) =>
  [...ctx.store.reversals.values()].filter((r) => r.transfer === transferId).reverse();

/** An object as Stripe sends it by default: stored fields, plus the sublists included without asking. */
function toWire(ctx: SimContext, value: object): Wire {
  const copy = snapshot(value);
  if (copy.object === 'list') return { ...copy, data: (copy.data as object[]).map((item) => toWire(ctx, item)) };
  if (copy.object === 'transfer') {
    copy.reversals = sublist(
      reversalsOf(ctx, copy.id as string).map((r) => snapshot(r)),
      `/v1/transfers/${String(copy.id)}/reversals`,
    );
  }
  return copy;
}

type Expander = { store: keyof SimStore } | { include: (ctx: SimContext, owner: Wire) => Wire };

/** What `expand[]` can reach on each object at this API version; everything else stays an id. */
const EXPANDABLE: Record<string, Record<string, Expander>> = {
  payment_intent: { latest_charge: { store: 'charges' }, payment_method: { store: 'paymentMethods' } },
  charge: {
    payment_intent: { store: 'paymentIntents' },
    // Included only when asked for since 2022-11-15.
    refunds: {
      include: (ctx, charge) =>
        toWire(ctx, sublist(refundsOf(ctx, charge.id as string), `/v1/charges/${String(charge.id)}/refunds`)) as Wire,
    },
  },
  refund: { charge: { store: 'charges' }, payment_intent: { store: 'paymentIntents' }, payment_method: { store: 'paymentMethods' } },
  dispute: { charge: { store: 'charges' }, payment_intent: { store: 'paymentIntents' } },
  transfer: { destination: { store: 'accounts' }, source_transaction: { store: 'charges' } },
  transfer_reversal: { transfer: { store: 'transfers' } },
  event: {},
};

/** The response body for `result`, with the `expand` paths the request asked for. */
function render(ctx: SimContext, result: object, expand: string[]): Wire {
  const wire = toWire(ctx, result);
  for (const path of expand) expandPath(ctx, wire, path.split('.'), path);
  return wire;
}

function expandPath(ctx: SimContext, value: Wire, segments: string[], fullPath: string): void {
  const [field, ...rest] = segments;
  if (value.object === 'list') {
    if (field !== 'data' || rest.length === 0) {
      throw invalidParam(`This property cannot be expanded (${field}). You may want to try expanding 'data.${field}' instead.`, 'expand');
    }
    for (const item of value.data as Wire[]) expandPath(ctx, item, rest, fullPath);
    return;
  }
  const rule = EXPANDABLE[String(value.object)]?.[field];
  if (!rule) throw invalidParam(`This property cannot be expanded (${fullPath}).`, 'expand');
  if ('include' in rule) {
    value[field] = rule.include(ctx, value);
  } else if (typeof value[field] === 'string') {
    const referenced = (ctx.store[rule.store] as Map<string, object>).get(value[field] as string);
    if (referenced) value[field] = toWire(ctx, referenced);
  }
  const next = value[field];
  if (rest.length > 0 && isRecord(next)) expandPath(ctx, next, rest, fullPath);
}

// ---------------------------------------------------------------------------
// Routes: one table per resource family
// ---------------------------------------------------------------------------

type RouteHandler = (params: FormObject, ...pathParams: string[]) => object;

interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  /** Top-level parameters the endpoint takes besides `expand`; lists check their own. */
  params: readonly string[] | 'list';
  handler: RouteHandler;
}

function route(method: Route['method'], path: string, params: Route['params'], handler: RouteHandler): Route {
  const pattern = new RegExp(`^${path.replace(/:[a-z_]+/g, '([^/]+)')}$`);
  return { method, pattern, params, handler };
}

// ---------------------------------------------------------------------------
// Payment methods, PaymentIntents and charges
// ---------------------------------------------------------------------------

const DECLINED = (code: string, decline_code: string, message: string) => ({ code, decline_code, message });

/** Stripe's test PaymentMethods, by the name passed as `payment_method`; other `pm_card_*` act like a Visa. */
const TEST_CARDS: Record<string, TestCard> = {
  pm_card_visa: { brand: 'visa', last4: '4242' },
  pm_card_mastercard: { brand: 'mastercard', last4: '4444' },
  pm_card_amex: { brand: 'amex', last4: '8431' },
  pm_card_chargeDeclined: {
    brand: 'visa',
    last4: '0002',
    decline: DECLINED('card_declined', 'generic_decline', 'Your card was declined.'),
  },
  pm_card_chargeDeclinedInsufficientFunds: {
    brand: 'visa',
    last4: '9995',
    decline: DECLINED('card_declined', 'insufficient_funds', 'Your card has insufficient funds.'),
  },
  pm_card_chargeDeclinedFraudulent: {
    brand: 'visa',
    last4: '0019',
    decline: DECLINED('card_declined', 'fraudulent', 'Your card was declined.'),
  },
  pm_card_chargeDeclinedLostCard: {
    brand: 'visa',
    last4: '9987',
    decline: DECLINED('card_declined', 'lost_card', 'Your card was declined.'),
  },
  pm_card_chargeDeclinedExpiredCard: {
    brand: 'visa',
    last4: '0069',
    decline: DECLINED('expired_card', 'expired_card', 'Your card has expired.'),
  },
  pm_card_chargeDeclinedIncorrectCvc: {
    brand: 'visa',
    last4: '0127',
    decline: DECLINED('incorrect_cvc', 'incorrect_cvc', "Your card's security code is incorrect."),
  },
  pm_card_chargeDeclinedProcessingError: {
    brand: 'visa',
    last4: '0119',
    decline: DECLINED('processing_error', 'processing_error', 'An error occurred while processing your card. Try again in a little bit.'),
  },
  pm_card_createDispute: { brand: 'visa', last4: '0259', dispute: true },
};

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

/**
 * The PaymentMethod a request names: one made earlier, or a fresh `pm_…` made from a test
 * PaymentMethod name, as test mode does (so `payment_method` never reads `pm_card_visa` back).
 */
function resolvePaymentMethod(ctx: SimContext, name: string): SimPaymentMethod {
  const existing = ctx.store.paymentMethods.get(name);
  if (existing) return existing;
  const card = TEST_CARDS[name] ?? (name.startsWith('pm_card_') ? TEST_CARDS.pm_card_visa : undefined);
  if (!card) throw resourceMissing('PaymentMethod', name, 'payment_method');
  const pm: SimPaymentMethod = {
    id: generateId('pm'),
    object: 'payment_method',
    allow_redisplay: 'unspecified',
    billing_details: emptyBillingDetails(),
    card: {
      brand: card.brand,
      country: 'US',
      exp_month: 12,
      exp_year: new Date().getUTCFullYear() + 3,
      funding: 'credit',
      last4: card.last4,
    },
    created: nowSeconds(),
    customer: null,
    livemode: false,
    metadata: {},
    type: 'card',
  };
  ctx.store.paymentMethods.set(pm.id, pm);
  ctx.store.testCards.set(pm.id, card);
  return pm;
}

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

function paymentIntentRoutes(ctx: SimContext): Route[] {
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
    route('GET', '/v1/payment_methods/:id', [], (_p, id) => find(ctx.store.paymentMethods, 'payment_method', id)),
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

function stringArray(params: FormObject, name: string): string[] | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    throw invalidParam('Invalid array', name, 'parameter_invalid_array');
  return value as string[];
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

function createCharge(ctx: SimContext, pi: SimPaymentIntent, paymentMethod: SimPaymentMethod, card: TestCard): SimCharge {
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

/** The successful charge behind a PaymentIntent, which refunds and disputes act on. */
function succeededCharge(ctx: SimContext, paymentIntentId: string): SimCharge {
  const pi = findParam(ctx.store.paymentIntents, 'payment_intent', paymentIntentId, 'payment_intent');
  const charge = pi.latest_charge ? ctx.store.charges.get(pi.latest_charge) : undefined;
  if (pi.status !== 'succeeded' || !charge) {
    throw invalidRequest(`This PaymentIntent (${pi.id}) does not have a successful charge to refund.`, {
      code: 'charge_not_refundable',
      param: 'payment_intent',
    });
  }
  return charge;
}

// ---------------------------------------------------------------------------
// Refunds
// ---------------------------------------------------------------------------

function refundRoutes(ctx: SimContext): Route[] {
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

function createRefund(
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

// ---------------------------------------------------------------------------
// Disputes
// ---------------------------------------------------------------------------

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

function disputeRoutes(ctx: SimContext): Route[] {
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
function createDispute(ctx: SimContext, paymentIntentId: string): SimDispute {
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

function settleDispute(ctx: SimContext, dispute: SimDispute, outcome: 'won' | 'lost'): SimDispute {
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

// ---------------------------------------------------------------------------
// Connect: accounts and account links
// ---------------------------------------------------------------------------

const ONBOARDING_REQUIREMENTS = [
  'business_profile.url',
  'external_account',
  'individual.first_name',
  'tos_acceptance.date',
  'tos_acceptance.ip',
];

function accountRoutes(ctx: SimContext): Route[] {
  return [
    route(
      'POST',
      '/v1/accounts',
      [
        'business_profile',
        'business_type',
        'capabilities',
        'company',
        'controller',
        'country',
        'default_currency',
        'email',
        'individual',
        'metadata',
        'settings',
        'tos_acceptance',
        'type',
      ],
      (p) => createAccount(ctx, p),
    ),
    route('GET', '/v1/accounts/:id', [], (_p, id) => find(ctx.store.accounts, 'account', id)),
    route('POST', '/v1/account_links', ['account', 'collect', 'collection_options', 'refresh_url', 'return_url', 'type'], (p) =>
      createAccountLink(ctx, p),
    ),
  ];
}

function createAccount(ctx: SimContext, params: FormObject): SimAccount {
  const type = optionalEnum(params, 'type', ['express', 'standard', 'custom'] as const) ?? 'standard';
  const requested = optionalObject(params, 'capabilities');
  const account: SimAccount = {
    id: generateId('acct'),
    object: 'account',
    business_profile: { mcc: null, name: null, product_description: null, support_email: null, support_url: null, url: null },
    business_type: optionalString(params, 'business_type') ?? null,
    capabilities: {},
    charges_enabled: false,
    controller:
      type === 'express'
        ? {
            fees: { payer: 'application_express' },
            is_controller: true,
            losses: { payments: 'application' },
            requirement_collection: 'stripe',
            stripe_dashboard: { type: 'express' },
            type: 'application',
          }
        : { type: 'account' },
    country: (optionalString(params, 'country') ?? 'US').toUpperCase(),
    created: nowSeconds(),
    default_currency: 'usd',
    details_submitted: false,
    email: optionalString(params, 'email') ?? null,
    metadata: metadataParam(params),
    payouts_enabled: false,
    requirements: {
      currently_due: [...ONBOARDING_REQUIREMENTS],
      disabled_reason: 'requirements.past_due',
      eventually_due: [...ONBOARDING_REQUIREMENTS],
      past_due: [...ONBOARDING_REQUIREMENTS],
    },
    type,
  };
  for (const [name, settings] of Object.entries(requested ?? {})) {
    if (isRecord(settings) && settings.requested === 'true') account.capabilities[name] = 'inactive';
  }
  ctx.store.accounts.set(account.id, account);
  return account;
}

function createAccountLink(ctx: SimContext, params: FormObject): object {
  const accountId = requiredString(params, 'account');
  requiredEnum(params, 'type', ['account_onboarding', 'account_update'] as const);
  findParam(ctx.store.accounts, 'account', accountId, 'account');
  const created = nowSeconds();
  return {
    object: 'account_link',
    created,
    // Stripe's onboarding links are single-use and short-lived.
    expires_at: created + 300,
    url: `${ctx.url}/connect/onboarding/${accountId}`,
  };
}

/** Onboarding progress on the connected account's side; capabilities follow, as Stripe activates them. */
function updateAccount(ctx: SimContext, accountId: string, changes: AccountChanges): SimAccount {
  const account = ctx.store.accounts.get(accountId);
  if (!account) throw new Error(`Unknown account ${accountId}`);
  const previous: Record<string, unknown> = {};
  for (const key of ['details_submitted', 'payouts_enabled', 'charges_enabled'] as const) {
    const value = changes[key];
    if (value !== undefined && value !== account[key]) {
      previous[key] = account[key];
      account[key] = value;
    }
  }
  const before = snapshot({ capabilities: account.capabilities, requirements: account.requirements });
  const enabledBy: Record<string, boolean> = { transfers: account.payouts_enabled, card_payments: account.charges_enabled };
  for (const name of Object.keys(account.capabilities)) {
    if (name in enabledBy) account.capabilities[name] = enabledBy[name] ? 'active' : 'inactive';
  }
  if (account.details_submitted) account.requirements = { currently_due: [], disabled_reason: null, eventually_due: [], past_due: [] };
  for (const key of ['capabilities', 'requirements'] as const) {
    if (JSON.stringify(before[key]) !== JSON.stringify(account[key])) previous[key] = before[key];
  }
  ctx.emit('account.updated', account, previous, { account: account.id });
  return account;
}

// ---------------------------------------------------------------------------
// Connect: transfers and reversals
// ---------------------------------------------------------------------------

function transferRoutes(ctx: SimContext): Route[] {
  return [
    route(
      'POST',
      '/v1/transfers',
      ['amount', 'currency', 'description', 'destination', 'metadata', 'source_transaction', 'source_type', 'transfer_group'],
      (p) => createTransfer(ctx, p),
    ),
    route('GET', '/v1/transfers', 'list', (p) =>
      paginate(ctx.store.transfers.values(), p, {
        url: '/v1/transfers',
        label: 'transfer',
        filters: { created: createdFilter, destination: equals('destination'), transfer_group: equals('transfer_group') },
      }),
    ),
    route('GET', '/v1/transfers/:id', [], (_p, id) => find(ctx.store.transfers, 'transfer', id)),
    route('POST', '/v1/transfers/:id/reversals', ['amount', 'description', 'metadata', 'refund_application_fee'], (p, id) => {
      const transfer = find(ctx.store.transfers, 'transfer', id);
      return reverseTransfer(ctx, transfer, optionalPositiveInteger(p, 'amount'), metadataParam(p));
    }),
    route('GET', '/v1/transfers/:id/reversals', 'list', (p, id) => {
      find(ctx.store.transfers, 'transfer', id);
      return paginate(reversalsOf(ctx, id).reverse(), p, { url: `/v1/transfers/${id}/reversals`, label: 'transfer_reversal' });
    }),
    route('GET', '/v1/transfers/:id/reversals/:reversal', [], (_p, id, reversalId) => {
      const reversal = find(ctx.store.reversals, 'transfer_reversal', reversalId);
      if (reversal.transfer !== id) throw resourceMissing('transfer_reversal', reversalId, 'id', 404);
      return reversal;
    }),
  ];
}

function createTransfer(ctx: SimContext, params: FormObject): SimTransfer {
  const amount = requiredPositiveInteger(params, 'amount');
  const currency = requiredCurrency(params);
  const destinationId = requiredString(params, 'destination');
  const sourceTransaction = optionalString(params, 'source_transaction');
  const destination = ctx.store.accounts.get(destinationId);
  if (!destination) {
    throw invalidRequest(`No such destination: '${destinationId}'`, { code: 'resource_missing', param: 'destination' });
  }
  // The transfers capability, once requested, decides; an account without it goes by payouts.
  const { transfers } = destination.capabilities;
  if (transfers ? transfers !== 'active' : !destination.payouts_enabled) {
    throw invalidRequest(
      'Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments',
      { code: 'insufficient_capabilities_for_transfer', param: 'destination' },
    );
  }
  if (sourceTransaction) findParam(ctx.store.charges, 'charge', sourceTransaction, 'source_transaction');

  // The simulator keeps no platform balance, so transfers never fail for insufficient funds.
  const transfer: SimTransfer = {
    id: generateId('tr'),
    object: 'transfer',
    amount,
    amount_reversed: 0,
    balance_transaction: generateId('txn'),
    created: nowSeconds(),
    currency,
    description: optionalString(params, 'description') ?? null,
    destination: destinationId,
    destination_payment: generateId('py'),
    livemode: false,
    metadata: metadataParam(params),
    reversed: false,
    source_transaction: sourceTransaction ?? null,
    source_type: 'card',
    transfer_group: optionalString(params, 'transfer_group') ?? null,
  };
  ctx.store.transfers.set(transfer.id, transfer);
  ctx.emit('transfer.created', transfer);
  return transfer;
}

function reverseTransfer(
  ctx: SimContext,
  transfer: SimTransfer,
  requestedAmount: number | undefined,
  metadata: Metadata,
): SimTransferReversal {
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
    destination_payment_refund: generateId('pyr'),
    metadata,
    source_refund: null,
    transfer: transfer.id,
  };
  ctx.store.reversals.set(reversal.id, reversal);
  const previous = { amount_reversed: transfer.amount_reversed, reversed: transfer.reversed };
  transfer.amount_reversed += amount;
  transfer.reversed = transfer.amount_reversed >= transfer.amount;
  ctx.emit('transfer.reversed', transfer, previous);
  return reversal;
}

// ---------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------

function eventRoutes(ctx: SimContext): Route[] {
  return [
    route('GET', '/v1/events', 'list', (p) =>
      paginate(ctx.store.events, p, {
        url: '/v1/events',
        label: 'event',
        filters: {
          created: createdFilter,
          type: (event, value) => typeof value === 'string' && typeMatches(event.type, value),
          types: (event, value) =>
            (Array.isArray(value) ? value : [value]).some((v) => typeof v === 'string' && typeMatches(event.type, v)),
        },
      }),
    ),
    route('GET', '/v1/events/:id', [], (_p, id) => {
      const event = ctx.store.events.find((e) => e.id === id);
      if (!event) throw resourceMissing('event', id, 'id', 404);
      return event;
    }),
  ];
}

/** `charge.*` matches every charge event, as Stripe's `type` filter does. */
const typeMatches = (type: string, pattern: string) => (pattern.endsWith('.*') ? type.startsWith(pattern.slice(0, -1)) : type === pattern);

// ---------------------------------------------------------------------------
// Idempotency
// ---------------------------------------------------------------------------

interface ApiResponse {
  status: number;
  body: string;
  headers: Record<string, string>;
}

interface StoredIdempotentResponse {
  endpoint: string;
  params: string;
  requestId: string;
  response: ApiResponse;
}

/** Stripe compares the parameters, so any difference in them counts as a different request. */
function idempotencyMismatch(key: string, stored: StoredIdempotentResponse, endpoint: string, params: string): StripeApiError | null {
  const retry = `Try using a key other than '${key}' if you meant to execute a different request.`;
  if (stored.endpoint !== endpoint) {
    return new StripeApiError(400, {
      type: 'idempotency_error',
      message: `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${stored.endpoint}' vs '${endpoint}'). ${retry}`,
    });
  }
  if (stored.params !== params) {
    return new StripeApiError(400, {
      type: 'idempotency_error',
      message: `Keys for idempotent requests can only be used with the same parameters they were first used with. ${retry}`,
    });
  }
  return null;
}

// ---------------------------------------------------------------------------
// Faults and delays
// ---------------------------------------------------------------------------

interface PathRule {
  pathPrefix: string;
  remaining: number;
}

/** Consumes one use of the first rule matching `path`. */
function take<T extends PathRule>(rules: T[], path: string): T | undefined {
  const index = rules.findIndex((rule) => path.startsWith(rule.pathPrefix));
  if (index === -1) return undefined;
  const rule = rules[index];
  rule.remaining -= 1;
  if (rule.remaining <= 0) rules.splice(index, 1);
  return rule;
}

// ---------------------------------------------------------------------------
// The simulator
// ---------------------------------------------------------------------------

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
  readonly deliveries: WebhookDelivery[] = [];
  readonly requestLog: LoggedRequest[] = [];

  autoDeliverWebhooks: boolean;

  private webhook: WebhookTarget | null;
  private readonly ctx: SimContext;
  private readonly routes: Route[];
  private readonly idempotentResponses = new Map<string, StoredIdempotentResponse>();
  private readonly faults: (PathRule & { error: InjectedError })[] = [];
  private readonly slowdowns: (PathRule & { ms: number })[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly outgoingWebhooks = new Set<http.ClientRequest>();
  private readonly deliveriesInFlight = new Set<Promise<WebhookDelivery>>();
  private deliveryQueue: Promise<unknown> = Promise.resolve();
  /** The API request being handled, so events it causes can name it like Stripe's do. */
  private currentRequest: SimEvent['request'] | null = null;

  constructor(
    private readonly server: http.Server,
    readonly url: string,
    readonly port: number,
    options: StripeSimulatorOptions,
  ) {
    this.webhook = options.webhook ?? null;
    this.autoDeliverWebhooks = options.autoDeliverWebhooks ?? true;
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
      later: (fn, ms) => this.later(fn, ms),
    };
    this.routes = [
      ...paymentIntentRoutes(this.ctx),
      ...refundRoutes(this.ctx),
      ...disputeRoutes(this.ctx),
      ...accountRoutes(this.ctx),
      ...transferRoutes(this.ctx),
      ...eventRoutes(this.ctx),
    ];
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

  /** Forgets every injected failure still pending (Stripe is healthy again). */
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
      if (record.status !== null && record.status >= 200 && record.status < 300) {
        const stored = this.events.find((e) => e.id === event.id);
        if (stored) stored.pending_webhooks = 0;
      }
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

  private emit(type: string, object: object, previousAttributes?: Record<string, unknown>, extra: { account?: string } = {}): SimEvent {
    const data: SimEvent['data'] = { object: toWire(this.ctx, object) };
    if (previousAttributes && Object.keys(previousAttributes).length > 0) data.previous_attributes = previousAttributes;
    const delivered = this.webhook !== null;
    const event: SimEvent = {
      id: generateId('evt'),
      object: 'event',
      ...(extra.account ? { account: extra.account } : {}),
      api_version: SIMULATED_API_VERSION,
      created: nowSeconds(),
      data,
      livemode: false,
      pending_webhooks: delivered ? 1 : 0,
      request: this.currentRequest ?? { id: null, idempotency_key: null },
      type,
    };
    this.events.push(event);
    if (this.autoDeliverWebhooks && delivered) {
      // Deliveries go one at a time, in order, and only after the current
      // response has been written, so receivers see a deterministic sequence.
      this.deliveryQueue = this.deliveryQueue
        .then(() => new Promise((resolve) => setImmediate(resolve)))
        .then(() => (this.webhook ? this.deliver(event) : undefined))
        .catch(() => undefined);
    }
    return event;
  }

  private later(fn: () => void, ms: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      try {
        fn();
      } catch {
        // A follow-up that no longer applies (the charge was refunded first, say) is dropped.
      }
    }, ms);
    this.timers.add(timer);
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

    const holdMs = take(this.slowdowns, requestUrl.pathname)?.ms;
    if (holdMs !== undefined) await new Promise<void>((resolve) => this.later(resolve, holdMs));
    // The client may have given up while the response was held back.
    if (req.socket.destroyed) return;
    res.writeHead(response.status, { 'Content-Type': 'application/json', ...response.headers });
    res.end(response.body);
  }

  private respond(req: http.IncomingMessage, requestUrl: URL, rawBody: string): ApiResponse {
    const method = req.method ?? 'GET';
    const path = requestUrl.pathname;
    const idempotencyKey = method === 'POST' ? headerValue(req.headers['idempotency-key']) : null;
    const query = parseFormBody(requestUrl.search.slice(1));
    const body = parseFormBody(rawBody);
    this.requestLog.push({ method, path, query, body, idempotencyKey, headers: req.headers, receivedAt: Date.now() });

    const requestId = generateId('req');
    const headers: Record<string, string> = { 'Request-Id': requestId, 'Stripe-Version': SIMULATED_API_VERSION };
    if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
    const errorResponse = (error: StripeApiError): ApiResponse => ({ status: error.status, body: errorJson(error, requestId), headers });

    const authError = checkAuthorization(req.headers.authorization);
    if (authError) return errorResponse(authError);

    // The simulator renders one version's shapes; answering another version's request in them would flatter.
    const stripeVersion = headerValue(req.headers['stripe-version']);
    if (stripeVersion && stripeVersion !== SIMULATED_API_VERSION) {
      return errorResponse(
        invalidRequest(
          `The Stripe simulator answers API version ${SIMULATED_API_VERSION} only, not ${stripeVersion}. Pin apiVersion '${SIMULATED_API_VERSION}' in the SDK.`,
        ),
      );
    }

    const fault = take(this.faults, path)?.error;
    if (fault) return errorResponse(new StripeApiError(fault.status, { type: fault.type, code: fault.code, message: fault.message }));

    const params = method === 'GET' ? query : { ...query, ...body };
    const endpoint = `${method} ${path}`;
    const paramsKey = canonicalJson(params);
    if (idempotencyKey) {
      const stored = this.idempotentResponses.get(idempotencyKey);
      if (stored) {
        const mismatch = idempotencyMismatch(idempotencyKey, stored, endpoint, paramsKey);
        if (mismatch) return errorResponse(mismatch);
        return {
          ...stored.response,
          headers: {
            ...stored.response.headers,
            'Request-Id': requestId,
            'Original-Request': stored.requestId,
            'Idempotent-Replayed': 'true',
          },
        };
      }
      headers['Original-Request'] = requestId;
    }

    let response: ApiResponse;
    let executed = true;
    this.currentRequest = { id: requestId, idempotency_key: idempotencyKey };
    try {
      const result = this.dispatch(method, path, params);
      response = { status: 200, body: JSON.stringify(result, null, 2), headers };
    } catch (error) {
      if (!(error instanceof StripeApiError)) throw error;
      executed = !error.beforeExecution;
      response = errorResponse(error);
    } finally {
      this.currentRequest = null;
    }

    // Stripe saves a result only once the endpoint began executing; a request refused by
    // validation can be retried with the same key.
    if (idempotencyKey && executed) {
      this.idempotentResponses.set(idempotencyKey, { endpoint, params: paramsKey, requestId, response });
    }
    return response;
  }

  private dispatch(method: string, path: string, params: FormObject): Wire {
    for (const candidate of this.routes) {
      if (candidate.method !== method) continue;
      const match = candidate.pattern.exec(path);
      if (!match) continue;
      const expand = expandParam(params);
      if (candidate.params !== 'list') checkKnownParams(params, candidate.params);
      return render(this.ctx, candidate.handler(params, ...match.slice(1)), expand);
    }
    throw invalidRequest(`Unrecognized request URL (${method}: ${path}). The Stripe simulator does not implement this endpoint.`, {
      status: 404,
    });
  }

  // -------------------------------------------------------------------------
  // Lifecycle
  // -------------------------------------------------------------------------

  /** Stops the server at once: held responses and pending follow-ups are dropped, open sockets destroyed. */
  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
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
  if (!/^(sk|rk)_test_/.test(key)) {
    return invalidRequest(`Invalid API Key provided: ${key.slice(0, 8)}***`, { status: 401 });
  }
  return null;
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
