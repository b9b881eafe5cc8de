/**
 * Connect: transfers to connected accounts and their reversals, with their lists.
 */
import { find, findParam, route, type Route, type SimContext } from './context';
import { invalidRequest, resourceMissing } from './errors';
import { createdFilter, equals, paginate } from './lists';
import {
  metadataParam,
  optionalPositiveInteger,
  optionalString,
  requiredCurrency,
  requiredPositiveInteger,
  requiredString,
} from './params';
import { reversalsOf } from './render';
import type { FormObject, Metadata, SimTransfer, SimTransferReversal } from './types';
import { generateId, nowSeconds } from './util';

export function transferRoutes(ctx: SimContext): Route[] {
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

export function reverseTransfer(
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
