import type { EntityManager } from '@mikro-orm/postgresql';
import { isUuid } from '../../common/ids';
import type { DisputeRecord, PaymentGateway, PaymentIntentRecord, Period, RefundRecord, TransferRecord } from '../../payments/gateway';
import type { ActorKind } from '../consultation/consultation.entity';
import { decideCancellationRefund } from '../consultation/refund-policy';

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

export interface LedgerCheckDeps {
  em: EntityManager;
  payments: PaymentGateway;
  now?: Date;
}

const KIND_ORDER: FindingKind[] = ['payment', 'refund', 'dispute', 'transfer'];

const token = (v: string | null | undefined) => (v === null || v === undefined || v === '' ? '-' : v.replace(/\s+/g, '_'));

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

/** Compares our charges, refunds, disputes and payouts with Stripe's for `period` (see the rule above). */
export async function checkLedger(deps: LedgerCheckDeps, period: Period): Promise<LedgerCheckResult> {
  return new LedgerCheck(deps, period).run();
}

/** Which dispute status our charge records for a Stripe dispute (as ConsultationService.reconcileDispute sets it). */
export function disputeOutcome(stripeStatus: string): 'open' | 'won' | 'lost' {
  return stripeStatus === 'won' ? 'won' : stripeStatus === 'lost' ? 'lost' : 'open';
}

const PAID = ['succeeded', 'refunded'];
const liveRefund = (r: RefundRecord) => r.status !== 'failed' && r.status !== 'canceled';
const isOurTransfer = (t: TransferRecord) => !!t.metadata.payout_id || !!t.transferGroup?.startsWith('payout:');
/** A JSON array parameter, expanded in SQL with jsonb_array_elements_text: empty lists need no special case. */
const list = (xs: Iterable<string>) => JSON.stringify([...new Set(xs)]);
const uuids = (xs: Iterable<string | null | undefined>) => [...xs].filter((x): x is string => !!x && isUuid(x)).map((x) => x.toLowerCase());

interface ChargeRow {
  charge_id: string;
  consultation_id: string;
  pi: string | null;
  status: string;
  amount: number;
  currency: string;
  refunded_cents: number;
  dispute_status: string | null;
  created_at: string;
  consultation_status: string;
  cancelled_by: string | null;
  cancelled_at: string | null;
  start_time: string;
}

interface RefundRow {
  id: string;
  stripe_refund_id: string;
  amount: number;
  created_at: string;
  consultation_id: string;
  pi: string | null;
}

interface DisputeRow {
  consultation_id: string;
  pi: string | null;
  dispute_status: string | null;
  created_at: string;
  earning: number | null;
  entries: { kind: 'chargeback' | 'chargeback_won'; amount: number; ref: string | null; created_at: string }[];
}

interface PayoutRow {
  id: string;
  status: string;
  amount: number;
  currency: string;
  stripe_transfer_id: string | null;
  processed_at: string | null;
  destination: string | null;
  recredited: number;
  recredited_in_period: boolean;
}

class LedgerCheck {
  private readonly findings: LedgerFinding[] = [];
  private readonly em: EntityManager;
  private readonly payments: PaymentGateway;
  private readonly now: Date;
  /** The period in Stripe's whole seconds, as its lists were asked: [floor(from), ceil(to)). */
  private readonly window: { from: number; to: number };

  // Filled by load():
  private intents = new Map<string, PaymentIntentRecord>();
  private refunds: RefundRecord[] = [];
  private disputes: DisputeRecord[] = [];
  private transfers: TransferRecord[] = [];
  /** PaymentIntents of ours created in the period: their refunds and disputes are all compared. */
  private readonly scope = new Set<string>();
  private charges: ChargeRow[] = [];
  private readonly recordedIntents = new Set<string>();
  /** PaymentIntent -> consultation, from Stripe's metadata and from our charge rows. */
  private readonly consultationOf = new Map<string, string>();

  constructor(
    deps: LedgerCheckDeps,
    private readonly period: Period,
  ) {
    this.em = deps.em;
    this.payments = deps.payments;
    this.now = deps.now ?? new Date();
    this.window = { from: Math.floor(period.from.getTime() / 1000) * 1000, to: Math.ceil(period.to.getTime() / 1000) * 1000 };
  }

  async run(): Promise<LedgerCheckResult> {
    await this.load();
    const compared = {
      payments: await this.checkPayments(),
      refunds: await this.checkRefunds(),
      disputes: await this.checkDisputes(),
      transfers: await this.checkTransfers(),
    };
    this.findings.sort(
      (a, b) =>
        KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
        token(a.ourId).localeCompare(token(b.ourId)) ||
        token(a.stripeId).localeCompare(token(b.stripeId)) ||
        a.difference.localeCompare(b.difference),
    );
    return { period: this.period, compared, findings: this.findings };
  }

  private add(kind: FindingKind, ourId: string | null, stripeId: string | null, difference: string, ours: unknown, stripe: unknown): void {
    this.findings.push({ kind, ourId, stripeId, difference, ours: String(ours), stripe: String(stripe) });
  }

  private stripeInPeriod(d: Date): boolean {
    return d.getTime() >= this.window.from && d.getTime() < this.window.to;
  }

  /** Raw rows carry timestamps as the driver gives them (MikroORM's pg setup: ISO strings). */
  private oursInPeriod(value: Date | string | null): boolean {
    if (value === null) return false;
    const at = new Date(value).getTime();
    return at >= this.period.from.getTime() && at < this.period.to.getTime();
  }

  private sql<T>(query: string, params: unknown[]): Promise<T[]> {
    return this.em.execute<T[]>(query, params);
  }

  // ---------------------------------------------------------------- reading both sides

  private async load(): Promise<void> {
    // What follows a payment (its refunds and disputes) comes after it: read up to now.
    const since: Period = { from: this.period.from, to: new Date(Math.max(this.period.to.getTime(), this.now.getTime() + 1000)) };
    const [intents, refunds, disputes, transfers] = await Promise.all([
      this.payments.listPaymentIntents(this.period),
      this.payments.listRefunds(since),
      this.payments.listDisputes(since),
      this.payments.listTransfers(this.period),
    ]);
    for (const pi of intents) {
      const cid = pi.metadata.consultation_id;
      if (!cid) continue; // not one of ours
      this.intents.set(pi.id, pi);
      this.scope.add(pi.id);
      if (isUuid(cid)) this.consultationOf.set(pi.id, cid.toLowerCase());
    }
    this.refunds = refunds;
    this.disputes = disputes;
    this.transfers = transfers.filter(isOurTransfer);

    // Our charges: those Stripe's objects point at, and our paid ones made in the period.
    const pis = [...this.scope, ...refunds.map((r) => r.paymentIntentId ?? ''), ...disputes.map((d) => d.paymentIntentId ?? '')].filter(
      Boolean,
    );
    this.charges = await this.sql<ChargeRow>(
      `select ch.id as charge_id, ch.consultation_id, ch.stripe_payment_intent_id as pi, ch.status, ch.total_amount_cents as amount,
         lower(ch.currency) as currency, ch.refunded_cents, ch.dispute_status, ch.created_at,
         c.status as consultation_status, c.cancelled_by, c.cancelled_at, c.start_time
       from consultation_charges ch join consultations c on c.id = ch.consultation_id
       where ch.consultation_id in (select jsonb_array_elements_text(?::jsonb)::uuid)
          or ch.stripe_payment_intent_id in (select jsonb_array_elements_text(?::jsonb))
          or (ch.status in ('succeeded', 'refunded') and ch.created_at >= ? and ch.created_at < ?)`,
      [list(uuids(this.consultationOf.values())), list(pis), this.period.from, this.period.to],
    );
    for (const row of this.charges) {
      if (!row.pi) continue;
      this.recordedIntents.add(row.pi);
      if (!this.consultationOf.has(row.pi)) this.consultationOf.set(row.pi, row.consultation_id);
    }
  }

  /** A PaymentIntent is ours when its metadata says so or one of our charges records it. */
  private isOurs(paymentIntentId: string | null): paymentIntentId is string {
    return !!paymentIntentId && (this.intents.has(paymentIntentId) || this.recordedIntents.has(paymentIntentId));
  }

  private refundedAtStripe(paymentIntentId: string): number {
    return this.refunds.filter((r) => r.paymentIntentId === paymentIntentId && liveRefund(r)).reduce((sum, r) => sum + r.amountCents, 0);
  }

  // ---------------------------------------------------------------- payments

  private async checkPayments(): Promise<number> {
    const byConsultation = new Map(this.charges.map((c) => [c.consultation_id, c]));
    const matched = new Set<string>();
    let compared = 0;
    for (const pi of this.intents.values()) {
      if (pi.status !== 'succeeded') continue;
      compared++;
      const cid = this.consultationOf.get(pi.id) ?? null;
      const row = cid ? byConsultation.get(cid) : undefined;
      if (!row) {
        this.add('payment', cid, pi.id, 'unknown_consultation', 'none', pi.amountReceivedCents);
        continue;
      }
      // A charge paid with another PaymentIntent is still compared with that one, below.
      if (row.pi === pi.id) matched.add(row.charge_id);
      if (row.pi !== pi.id || !PAID.includes(row.status)) {
        const paidWithAnother = row.pi && row.pi !== pi.id && PAID.includes(row.status);
        this.add('payment', cid, pi.id, 'unrecorded', paidWithAnother ? `${row.status}:${row.pi}` : row.status, 'succeeded');
        continue;
      }
      this.comparePayment(row, pi);
      if (row.consultation_status === 'cancelled' && !keptAfterCancellation(row)) {
        const refunded = this.refundedAtStripe(pi.id);
        // A chargeback lost gave the money back too, through the card network.
        if (refunded < pi.amountReceivedCents && row.dispute_status !== 'lost') {
          this.add('payment', cid, pi.id, 'cancelled_not_refunded', 'cancelled', `refunded:${refunded}/${pi.amountReceivedCents}`);
        }
      }
    }
    // Our paid charges made in the period that no succeeded PaymentIntent above accounted for.
    for (const row of this.charges) {
      if (matched.has(row.charge_id) || !PAID.includes(row.status) || !this.oursInPeriod(row.created_at)) continue;
      compared++;
      if (!row.pi) {
        this.add('payment', row.consultation_id, null, 'missing_at_stripe', row.amount, 'none');
        continue;
      }
      const pi = this.intents.get(row.pi) ?? (await this.payments.findPaymentIntent(row.pi));
      if (!pi) this.add('payment', row.consultation_id, row.pi, 'missing_at_stripe', row.amount, 'none');
      else this.comparePayment(row, pi);
    }
    return compared;
  }

  private comparePayment(row: ChargeRow, pi: PaymentIntentRecord): void {
    if (pi.status !== 'succeeded') {
      this.add('payment', row.consultation_id, pi.id, 'status', row.status, pi.status);
      return;
    }
    if (row.amount !== pi.amountReceivedCents)
      this.add('payment', row.consultation_id, pi.id, 'amount', row.amount, pi.amountReceivedCents);
    if (row.currency !== pi.currency.toLowerCase()) this.add('payment', row.consultation_id, pi.id, 'currency', row.currency, pi.currency);
  }

  // ---------------------------------------------------------------- refunds

  private async checkRefunds(): Promise<number> {
    const inScope = this.refunds.filter(
      (r) => this.isOurs(r.paymentIntentId) && (this.scope.has(r.paymentIntentId!) || this.stripeInPeriod(r.createdAt)),
    );
    const rows = await this.sql<RefundRow>(
      `select r.id, r.stripe_refund_id, r.amount_cents as amount, r.created_at, ch.consultation_id, ch.stripe_payment_intent_id as pi
       from refunds r join consultation_charges ch on ch.id = r.charge_id
       where r.stripe_refund_id in (select jsonb_array_elements_text(?::jsonb))
          or ch.stripe_payment_intent_id in (select jsonb_array_elements_text(?::jsonb))
          or (r.created_at >= ? and r.created_at < ?)`,
      [list(inScope.map((r) => r.id)), list(this.scope), this.period.from, this.period.to],
    );
    const byStripeId = new Map(rows.map((r) => [r.stripe_refund_id, r]));
    const matched = new Set<string>();
    /** PaymentIntents with a refund found different: their totals would only repeat it. */
    const differing = new Set<string>();
    let compared = 0;

    const compare = (refund: RefundRecord, row: RefundRow | undefined, cid: string | null) => {
      compared++;
      if (row) matched.add(row.id);
      const pi = refund.paymentIntentId ?? '';
      if (!liveRefund(refund)) {
        if (row) {
          this.add('refund', cid, refund.id, 'status', 'recorded', refund.status);
          differing.add(pi);
        }
        return;
      }
      if (!row) {
        this.add('refund', cid, refund.id, 'unrecorded', 'none', refund.amountCents);
        differing.add(pi);
        return;
      }
      if (row.amount !== refund.amountCents) {
        this.add('refund', cid, refund.id, 'amount', row.amount, refund.amountCents);
        differing.add(pi);
      }
      if (row.pi !== refund.paymentIntentId) {
        this.add('refund', cid, refund.id, 'payment_intent', row.pi, refund.paymentIntentId);
        differing.add(pi);
      }
    };
    for (const refund of inScope) compare(refund, byStripeId.get(refund.id), this.consultationOf.get(refund.paymentIntentId!) ?? null);

    // Our rows Stripe's list did not show: ask Stripe for the refunds of their payment.
    const unmatched = rows.filter((r) => !matched.has(r.id) && ((r.pi && this.scope.has(r.pi)) || this.oursInPeriod(r.created_at)));
    const askedFor = new Map<string, RefundRecord[]>();
    for (const row of unmatched) {
      let found: RefundRecord | undefined;
      if (row.pi) {
        if (!askedFor.has(row.pi)) askedFor.set(row.pi, await this.payments.listRefunds({ paymentIntentId: row.pi }));
        found = askedFor.get(row.pi)!.find((r) => r.id === row.stripe_refund_id);
      }
      if (found) {
        compare(found, row, row.consultation_id);
      } else {
        compared++;
        this.add('refund', row.consultation_id, row.stripe_refund_id, 'missing_at_stripe', row.amount, 'none');
        if (row.pi) differing.add(row.pi);
      }
    }

    // Refunded totals of the period's recorded payments, whose refunds Stripe listed in full.
    for (const row of this.charges) {
      if (!row.pi || !this.scope.has(row.pi) || !PAID.includes(row.status) || differing.has(row.pi)) continue;
      if (this.intents.get(row.pi)?.status !== 'succeeded') continue;
      const total = this.refundedAtStripe(row.pi);
      if (row.refunded_cents !== total) this.add('refund', row.consultation_id, row.pi, 'refunded_total', row.refunded_cents, total);
    }
    return compared;
  }

  // ---------------------------------------------------------------- disputes

  private async checkDisputes(): Promise<number> {
    const inScope = this.disputes.filter(
      (d) => this.isOurs(d.paymentIntentId) && (this.scope.has(d.paymentIntentId!) || this.stripeInPeriod(d.createdAt)),
    );
    const rows = await this.sql<DisputeRow>(
      `select ch.consultation_id, ch.stripe_payment_intent_id as pi, ch.dispute_status, ch.created_at, earning.amount_cents as earning,
         coalesce((select json_agg(json_build_object('kind', e.kind, 'amount', e.amount_cents, 'ref', e.external_ref, 'created_at', e.created_at)
                                   order by e.created_at)
                   from ledger_entries e where e.consultation_id = ch.consultation_id and e.kind in ('chargeback', 'chargeback_won')), '[]'::json) as entries
       from consultation_charges ch
       left join ledger_entries earning on earning.consultation_id = ch.consultation_id and earning.kind = 'earning'
       where ch.stripe_payment_intent_id in (select jsonb_array_elements_text(?::jsonb))
          or (ch.dispute_status is not null and ch.created_at >= ? and ch.created_at < ?)
          or exists (select 1 from ledger_entries e where e.consultation_id = ch.consultation_id
                       and e.kind in ('chargeback', 'chargeback_won') and e.created_at >= ? and e.created_at < ?)`,
      [list(inScope.map((d) => d.paymentIntentId!)), this.period.from, this.period.to, this.period.from, this.period.to],
    );
    const byPi = new Map(rows.filter((r) => r.pi).map((r) => [r.pi!, r]));
    const seenPis = new Set<string>();
    let compared = 0;

    const compareAll = (pi: string, disputes: DisputeRecord[], row: DisputeRow | undefined) => {
      seenPis.add(pi);
      const cid = row?.consultation_id ?? this.consultationOf.get(pi) ?? null;
      // The charge records the latest dispute's outcome.
      const latest = [...disputes].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()).at(-1);
      for (const d of disputes) {
        compared++;
        if (!row) {
          this.add('dispute', cid, d.id, 'unrecorded', 'none', d.status);
          continue;
        }
        if (d === latest && row.dispute_status !== disputeOutcome(d.status)) {
          this.add('dispute', cid, d.id, 'status', row.dispute_status ?? 'none', d.status);
          continue;
        }
        this.compareChargebacks(row, d);
      }
      // Chargeback entries of ours under no dispute Stripe has for this payment.
      for (const e of row?.entries ?? []) {
        if (!disputes.some((d) => d.id === e.ref)) this.add('dispute', cid, e.ref, 'missing_at_stripe', `${e.kind}:${e.amount}`, 'none');
      }
    };

    const byDisputedPi = new Map<string, DisputeRecord[]>();
    for (const d of inScope) byDisputedPi.set(d.paymentIntentId!, [...(byDisputedPi.get(d.paymentIntentId!) ?? []), d]);
    for (const [pi, disputes] of byDisputedPi) compareAll(pi, disputes, byPi.get(pi));

    // Our disputed charges and chargeback entries of the period that Stripe's list did not show.
    for (const row of rows) {
      if (!row.pi || seenPis.has(row.pi)) continue;
      const disputed = row.dispute_status !== null || row.entries.length > 0;
      const inPeriod = this.oursInPeriod(row.created_at) || row.entries.some((e) => this.oursInPeriod(e.created_at));
      if (!disputed || !inPeriod) continue;
      const disputes = await this.payments.listDisputesOfPaymentIntent(row.pi);
      if (disputes.length === 0) {
        compared++;
        seenPis.add(row.pi);
        if (row.dispute_status !== null) this.add('dispute', row.consultation_id, null, 'missing_at_stripe', row.dispute_status, 'none');
        for (const e of row.entries) this.add('dispute', row.consultation_id, e.ref, 'missing_at_stripe', `${e.kind}:${e.amount}`, 'none');
      } else {
        compareAll(row.pi, disputes, row);
      }
    }
    return compared;
  }

  /** The chargeback rule for one dispute whose status our charge records. */
  private compareChargebacks(row: DisputeRow, d: DisputeRecord): void {
    const cid = row.consultation_id;
    const lost = row.entries.find((e) => e.kind === 'chargeback' && e.ref === d.id);
    const won = row.entries.find((e) => e.kind === 'chargeback_won' && e.ref === d.id);
    const outcome = disputeOutcome(d.status);
    if (lost && (row.earning === null || lost.amount !== -row.earning)) {
      this.add('dispute', cid, d.id, 'chargeback', lost.amount, row.earning === null ? 'none' : -row.earning);
    }
    if (outcome === 'won') {
      if (lost && !won) this.add('dispute', cid, d.id, 'chargeback_won', 'none', -lost.amount);
      if (!lost && won) this.add('dispute', cid, d.id, 'chargeback', 'none', -won.amount);
      if (lost && won && won.amount !== -lost.amount) this.add('dispute', cid, d.id, 'chargeback_won', won.amount, -lost.amount);
    } else {
      if (!lost && row.earning !== null) this.add('dispute', cid, d.id, 'chargeback', 'none', -row.earning);
      if (won) this.add('dispute', cid, d.id, 'chargeback_won', won.amount, 'none');
    }
  }

  // ---------------------------------------------------------------- transfers

  private async checkTransfers(): Promise<number> {
    const payoutIdOf = (t: TransferRecord) => t.metadata.payout_id ?? t.transferGroup?.replace(/^payout:/, '') ?? null;
    const rows = await this.sql<PayoutRow>(
      `select p.id, p.status, p.total_cents as amount, lower(p.currency) as currency, p.stripe_transfer_id, p.processed_at,
         a.stripe_connect_account_id as destination, coalesce(r.cents, 0)::int as recredited, coalesce(r.in_period, false) as recredited_in_period
       from advisor_payouts p
       join advisors a on a.id = p.advisor_id
       left join lateral (
         select sum(e.amount_cents) as cents, bool_or(e.created_at >= ? and e.created_at < ?) as in_period
         from ledger_entries e
         where e.kind = 'manual' and e.advisor_id = p.advisor_id and p.stripe_transfer_id is not null
           and starts_with(e.external_ref, 'transfer-reversal:' || p.stripe_transfer_id || ':')
       ) r on true
       where p.id in (select jsonb_array_elements_text(?::jsonb)::uuid)
          or p.stripe_transfer_id in (select jsonb_array_elements_text(?::jsonb))
          or (p.status = 'paid' and p.processed_at >= ? and p.processed_at < ?)
          or r.in_period`,
      [
        this.period.from,
        this.period.to,
        list(uuids(this.transfers.map(payoutIdOf))),
        list(this.transfers.map((t) => t.id)),
        this.period.from,
        this.period.to,
      ],
    );
    const byId = new Map(rows.map((p) => [p.id, p]));
    const byTransfer = new Map(rows.filter((p) => p.stripe_transfer_id).map((p) => [p.stripe_transfer_id!, p]));
    const matched = new Set<string>();
    let compared = 0;

    for (const t of this.transfers) {
      compared++;
      const payoutId = payoutIdOf(t)?.toLowerCase() ?? null;
      const row = byTransfer.get(t.id) ?? (payoutId ? byId.get(payoutId) : undefined);
      if (!row) {
        this.add('transfer', payoutId, t.id, 'unknown_payout', 'none', t.amountCents);
        continue;
      }
      matched.add(row.id);
      this.compareTransfer(row, t);
    }
    for (const row of rows) {
      if (matched.has(row.id) || row.status !== 'paid' || !(this.oursInPeriod(row.processed_at) || row.recredited_in_period)) continue;
      compared++;
      const t = row.stripe_transfer_id ? await this.payments.findTransfer(row.stripe_transfer_id) : null;
      if (!t) this.add('transfer', row.id, row.stripe_transfer_id, 'missing_at_stripe', row.amount, 'none');
      else this.compareTransfer(row, t);
    }
    return compared;
  }

  private compareTransfer(row: PayoutRow, t: TransferRecord): void {
    if (row.status !== 'paid') {
      this.add('transfer', row.id, t.id, 'unrecorded', row.status, t.amountCents);
      return;
    }
    if (row.stripe_transfer_id !== t.id) {
      this.add('transfer', row.id, t.id, 'transfer_id', row.stripe_transfer_id ?? 'none', t.id);
      return;
    }
    if (row.amount !== t.amountCents) this.add('transfer', row.id, t.id, 'amount', row.amount, t.amountCents);
    if (row.currency !== t.currency.toLowerCase()) this.add('transfer', row.id, t.id, 'currency', row.currency, t.currency);
    if (row.destination !== t.destination)
      this.add('transfer', row.id, t.id, 'destination', row.destination ?? 'none', t.destination ?? 'none');
    if (t.transferGroup !== `payout:${row.id}`)
      this.add('transfer', row.id, t.id, 'transfer_group', `payout:${row.id}`, t.transferGroup ?? 'none');
    if (row.recredited !== t.amountReversedCents) this.add('transfer', row.id, t.id, 'reversal', row.recredited, t.amountReversedCents);
  }
}

/** A cancellation that keeps the money under the refund policy (a late cancellation by the client). */
function keptAfterCancellation(row: ChargeRow): boolean {
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
