/**
 * What every resource family works on: the stores, the event emitter, timers, and routes.
 */
import { invalidRequest, resourceMissing } from './errors';
import type {
  FormObject,
  SimAccount,
  SimCharge,
  SimDispute,
  SimEvent,
  SimPaymentIntent,
  SimPaymentMethod,
  SimRefund,
  SimTransfer,
  SimTransferReversal,
} from './types';

export interface TestCard {
  brand: string;
  last4: string;
  decline?: { code: string; decline_code: string; message: string };
  /** The charge succeeds and the cardholder disputes it shortly after. */
  dispute?: boolean;
}

export interface SimStore {
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

export interface SimContext {
  readonly store: SimStore;
  readonly url: string;
  /** Records an event about `object` (its wire form now) and queues its webhook. */
  emit(type: string, object: object, previousAttributes?: Record<string, unknown>, extra?: { account?: string }): SimEvent;
  /** Runs `fn` after `ms`, unless the simulator closes first (Stripe's asynchronous follow-ups). */
  later(fn: () => void, ms: number): void;
  /** The API request being handled, so the events it causes name it as Stripe's do. */
  request: SimEvent['request'] | null;
}

export function find<T>(store: Map<string, T>, label: string, id: string): T {
  const found = store.get(id);
  if (!found) throw resourceMissing(label, id, 'id', 404);
  return found;
}

/** Like `find`, for an id passed as a request parameter, which Stripe refuses with 400. */
export function findParam<T>(store: Map<string, T>, label: string, id: string, param: string): T {
  const found = store.get(id);
  if (!found) throw resourceMissing(label, id, param);
  return found;
}

type RouteHandler = (params: FormObject, ...pathParams: string[]) => object;

export interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  /** Top-level parameters the endpoint takes besides `expand`; lists check their own. */
  params: readonly string[] | 'list';
  handler: RouteHandler;
}

export function route(method: Route['method'], path: string, params: Route['params'], handler: RouteHandler): Route {
  const pattern = new RegExp(`^${path.replace(/:[a-z_]+/g, '([^/]+)')}$`);
  return { method, pattern, params, handler };
}

/** The successful charge behind a PaymentIntent, which refunds and disputes act on. */
export function succeededCharge(ctx: SimContext, paymentIntentId: string): SimCharge {
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
