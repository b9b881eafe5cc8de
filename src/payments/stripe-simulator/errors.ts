/**
 * Errors in Stripe's envelope: `{ error: { type, code, decline_code, doc_url, message, param, ... } }`.
 */
import type { Wire } from './types';
import { nowSeconds } from './util';

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

export const docUrl = (code: string) => `https://docs.stripe.com/error-codes/${code.replace(/_/g, '-')}`;

export function invalidRequest(
  message: string,
  details: { code?: string; param?: string; status?: number; payment_intent?: Wire; beforeExecution?: boolean } = {},
): StripeApiError {
  const { status = 400, beforeExecution = false, ...rest } = details;
  const body: StripeErrorBody = { type: 'invalid_request_error', message, ...rest };
  if (rest.code) body.doc_url = docUrl(rest.code);
  return new StripeApiError(status, body, beforeExecution);
}

/** A parameter Stripe's validation refuses before the endpoint runs. */
export function invalidParam(message: string, param: string, code?: string): StripeApiError {
  return invalidRequest(message, { code, param, beforeExecution: true });
}

export function missingParam(param: string): StripeApiError {
  return invalidParam(`Missing required param: ${param}.`, param, 'parameter_missing');
}

export function resourceMissing(label: string, id: string, param: string, status = 400): StripeApiError {
  return invalidRequest(`No such ${label}: '${id}'`, { code: 'resource_missing', param, status });
}

/** The body Stripe answers with: its fields in key order, plus the request's log URL. */
export function errorJson(error: StripeApiError, requestId: string): string {
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
