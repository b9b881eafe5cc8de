import type { Period, TransferRecord } from '../../payments/gateway';
import type { ActorKind } from '../consultation/consultation.entity';
import { decideCancellationRefund } from '../consultation/refund-policy';
import type { ChargeRow, PayoutRow } from './ledger-check.queries';

/**
 * THE RECONCILIATION RULE: when our books and Stripe's agree, for a period [from, to).
 *
 * The period selects Stripe's PaymentIntents and transfers created in it, and our rows made in it
 * (paid charges, refunds, disputed charges and chargeback entries, PAID payouts and transfer
 * re-credits). A payment's refunds and disputes are read up to now, whenever they happened, so
 * its whole story is compared; a refund or dispute made in the period on an older payment of ours
 * is compared too. A row of ours whose Stripe object is not in Stripe's lists for the period (made
 * just across a boundary, or never made) is looked up at Stripe by its id before it is reported.
 *
 * PAYMENTS. Ours are the PaymentIntents whose metadata names a `consultation_id`.
 * - Every succeeded one is the PaymentIntent our charge row records for that consultation, the
 *   charge is paid (SUCCEEDED or REFUNDED), with the same amount (`amount_received`) and currency;
 *   and every paid charge of ours has a succeeded PaymentIntent with that amount.
 * - The crash invariant: a succeeded PaymentIntent belongs to a live or finished consultation, or
 *   to one cancelled under the refund policy's "no refund" (a late client cancellation keeps the
 *   money), or it has been refunded in full at Stripe (or taken back by a chargeback lost). Money
 *   taken for any other cancelled booking must have gone back.
 * REFUNDS.
 * - Every Stripe refund on our PaymentIntents (pending or succeeded) is one row of ours under its
 *   Stripe id, with the same amount and PaymentIntent; a failed or cancelled refund has no row; we
 *   have no refund row Stripe does not know.
 * - When each refund of a payment agrees, the charge's `refunded_cents` is Stripe's refunded total.
 * DISPUTES (the chargeback rule in src/modules/ledger/ledger.service.ts).
 * - Every dispute on our charges is our charge's `dispute_status`: 'won', 'lost', else 'open'.
 * - Open or lost: if the consultation's EARNING exists there is one CHARGEBACK keyed by the dispute,
 *   of minus the earning, and no CHARGEBACK_WON. Won: a CHARGEBACK and a CHARGEBACK_WON of plus its
 *   amount, or neither (the dispute was settled before the earning existed).
 * - We have no disputed charge or chargeback entry Stripe has no dispute for.
 * TRANSFERS. Ours are transfers with `transfer_group` 'payout:<id>' or metadata `payout_id`.
 * - Every one is the transfer a PAID payout records, with its total, currency, the advisor's
 *   Connect account as destination and transfer_group 'payout:<payout id>'; every PAID payout has
 *   that transfer at Stripe.
 * - What Stripe reversed of it (`amount_reversed`) is exactly what was re-credited to the advisor
 *   (MANUAL entries keyed 'transfer-reversal:<transfer id>:...').
 *
 * One difference is reported once, at its root: a payment not recorded is not also reported as a
 * refund total or an unrefunded cancellation, and a dispute whose status is behind is not also
 * reported for its ledger entries.
 *
 * Each finding prints as one line, stable and greppable:
 *   ledger-diff kind=<payment|refund|dispute|transfer> our_id=<id|-> stripe_id=<id|-> diff=<what> ours=<value> stripe=<value>
 * our_id is the consultation (payments, refunds, disputes) or the payout (transfers). `diff` is:
 *   unknown_consultation  a PaymentIntent of ours names a consultation we do not have (ours=none, stripe=amount)
 *   unrecorded            Stripe has it and we do not (ours: our charge's or payout's status, or none)
 *   missing_at_stripe     we have it and Stripe does not (ours: our amount or status, stripe=none)
 *   status, amount, currency, payment_intent, transfer_id, destination, transfer_group
 *                         the two records differ in that field
 *   cancelled_not_refunded  the crash invariant broken (stripe=refunded:<refunded>/<amount>)
 *   refunded_total        the charge's refunded total (ours) against Stripe's
 *   chargeback, chargeback_won  the ledger entry (ours) against what the rule asks (stripe)
 *   reversal              re-credited (ours) against Stripe's amount_reversed
 */

export type FindingKind = 'payment' | 'refund' | 'dispute' | 'transfer';

export interface LedgerFinding {
  kind: FindingKind;
  ourId: string | null;
  stripeId: string | null;
  difference: string;
  ours: string;
  stripe: string;
}

export interface LedgerCheckResult {
  period: Period;
  /** How many of each kind were compared (Stripe objects and rows of ours, each pair once). */
  compared: { payments: number; refunds: number; disputes: number; transfers: number };
  findings: LedgerFinding[];
}

export const KIND_ORDER: FindingKind[] = ['payment', 'refund', 'dispute', 'transfer'];

export const token = (v: string | null | undefined) => (v === null || v === undefined || v === '' ? '-' : v.replace(/\s+/g, '_'));

export function findingLine(f: LedgerFinding): string {
  return `ledger-diff kind=${f.kind} our_id=${token(f.ourId)} stripe_id=${token(f.stripeId)} diff=${token(f.difference)} ours=${token(f.ours)} stripe=${token(f.stripe)}`;
}

export function summaryLine(r: LedgerCheckResult): string {
  const c = r.compared;
  const counts = `payments=${c.payments} refunds=${c.refunds} disputes=${c.disputes} transfers=${c.transfers}`;
  const period = `from=${r.period.from.toISOString()} to=${r.period.to.toISOString()}`;
  if (r.findings.length === 0) return `ledger agrees: ${counts} ${period}`;
  return `ledger differs: ${r.findings.length} difference${r.findings.length === 1 ? '' : 's'}; compared ${counts} ${period}`;
}

/** Which dispute status our charge records for a Stripe dispute (as PaymentReconciliation.reconcileDispute sets it). */
export function disputeOutcome(stripeStatus: string): 'open' | 'won' | 'lost' {
  return stripeStatus === 'won' ? 'won' : stripeStatus === 'lost' ? 'lost' : 'open';
}

/** A cancellation that keeps the money under the refund policy (a late cancellation by the client). */
export function keptAfterCancellation(row: ChargeRow): boolean {
  if (!row.cancelled_by || !row.cancelled_at) return false;
  return (
    decideCancellationRefund({
      actor: row.cancelled_by as ActorKind,
      paid: true,
      startTime: new Date(row.start_time),
      now: new Date(row.cancelled_at),
    }).refund === 'none'
  );
}

/** How a PAID payout of ours and its Stripe transfer differ, as [difference, ours, stripe] (the TRANSFERS rule). */
export function transferDifferences(row: PayoutRow, t: TransferRecord): [string, unknown, unknown][] {
  if (row.status !== 'paid') return [['unrecorded', row.status, t.amountCents]];
  if (row.stripe_transfer_id !== t.id) return [['transfer_id', row.stripe_transfer_id ?? 'none', t.id]];
  const out: [string, unknown, unknown][] = [];
  if (row.amount !== t.amountCents) out.push(['amount', row.amount, t.amountCents]);
  if (row.currency !== t.currency.toLowerCase()) out.push(['currency', row.currency, t.currency]);
  if (row.destination !== t.destination) out.push(['destination', row.destination ?? 'none', t.destination ?? 'none']);
  if (t.transferGroup !== `payout:${row.id}`) out.push(['transfer_group', `payout:${row.id}`, t.transferGroup ?? 'none']);
  if (row.recredited !== t.amountReversedCents) out.push(['reversal', row.recredited, t.amountReversedCents]);
  return out;
}
