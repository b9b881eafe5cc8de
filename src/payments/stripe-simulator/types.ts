/**
 * The objects the simulator keeps and the shapes of its public API.
 * Stored objects hold what Stripe sends by default; sublists Stripe includes (a transfer's
 * reversals) are added on the wire, and what it includes only on request (a charge's refunds) is
 * added only when expanded (see render.ts).
 */
import type http from 'node:http';

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
  /** Delays between retries of a delivery not answered 2xx (none by default: tests deliver by hand). */
  webhookRetryDelaysMs?: readonly number[];
}
