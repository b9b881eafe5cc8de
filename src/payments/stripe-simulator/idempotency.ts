/**
 * Idempotent requests as Stripe keeps them: the first response to a key is saved once the
 * endpoint begins executing (a request refused by validation saves nothing) and replayed to a
 * retry with the same endpoint and parameters, marked `Idempotent-Replayed: true` and naming the
 * original request; the same key with another endpoint or other parameters is an
 * `idempotency_error` (400). Keys are kept for the simulator's lifetime (Stripe: at least 24 h).
 */
import { StripeApiError } from './errors';

export interface ApiResponse {
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

export class IdempotencyStore {
  private readonly responses = new Map<string, StoredIdempotentResponse>();

  /**
   * The answer to a retry with `key`: the saved response replayed, an idempotency_error for a
   * different request, or undefined when nothing is saved under the key.
   */
  replay(key: string, endpoint: string, params: string, requestId: string): ApiResponse | StripeApiError | undefined {
    const stored = this.responses.get(key);
    if (!stored) return undefined;
    const mismatch = idempotencyMismatch(key, stored, endpoint, params);
    if (mismatch) return mismatch;
    return {
      ...stored.response,
      headers: { ...stored.response.headers, 'Request-Id': requestId, 'Original-Request': stored.requestId, 'Idempotent-Replayed': 'true' },
    };
  }

  save(key: string, endpoint: string, params: string, requestId: string, response: ApiResponse): void {
    this.responses.set(key, { endpoint, params, requestId, response });
  }
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
