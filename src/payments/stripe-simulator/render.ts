/**
 * The wire form of an object, and `expand[]`: at this API version references are ids and
 * includable fields are absent unless the request expands them.
 */
import type { SimContext, SimStore } from './context';
import { invalidParam } from './errors';
import { sublist } from './lists';
import type { Wire } from './types';
import { isRecord, snapshot } from './util';

export const refundsOf = (ctx: SimContext, chargeId: string) =>
  [...ctx.store.refunds.values()].filter((r) => r.charge === chargeId).reverse();
export const reversalsOf = (ctx: SimContext, transferId: string) =>
  [...ctx.store.reversals.values()].filter((r) => r.transfer === transferId).reverse();

/** An object as Stripe sends it by default: stored fields, plus the sublists included without asking. */
export function toWire(ctx: SimContext, value: object): Wire {
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
export function render(ctx: SimContext, result: object, expand: string[]): Wire {
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
