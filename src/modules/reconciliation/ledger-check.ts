import type { EntityManager } from '@mikro-orm/postgresql';
import { isUuid } from '../../common/ids';
import type { DisputeRecord, PaymentGateway, PaymentIntentRecord, Period, RefundRecord, TransferRecord } from '../../payments/gateway';
import {
  chargeRows,
  disputeRows,
  payoutRows,
  refundRows,
  type ChargeRow,
  type DisputeRow,
  type PayoutRow,
  type RefundRow,
} from './ledger-check.queries';
import {
  disputeOutcome,
  keptAfterCancellation,
  transferDifferences,
  KIND_ORDER,
  token,
  type FindingKind,
  type LedgerCheckResult,
  type LedgerFinding,
} from './ledger-check.rule';

export { disputeOutcome, findingLine, summaryLine, type LedgerCheckResult, type LedgerFinding } from './ledger-check.rule';

export interface LedgerCheckDeps {
  em: EntityManager;
  payments: PaymentGateway;
  now?: Date;
}

/** Compares our charges, refunds, disputes and payouts with Stripe's for `period` (THE RECONCILIATION RULE, ledger-check.rule.ts). */
export async function checkLedger(deps: LedgerCheckDeps, period: Period): Promise<LedgerCheckResult> {
  return new LedgerCheck(deps, period).run();
}

const PAID = ['succeeded', 'refunded'];
const liveRefund = (r: RefundRecord) => r.status !== 'failed' && r.status !== 'canceled';
const isOurTransfer = (t: TransferRecord) => !!t.metadata.payout_id || !!t.transferGroup?.startsWith('payout:');
/** A JSON array parameter, expanded in SQL with jsonb_array_elements_text: empty lists need no special case. */
const list = (xs: Iterable<string>) => JSON.stringify([...new Set(xs)]);
const uuids = (xs: Iterable<string | null | undefined>) => [...xs].filter((x): x is string => !!x && isUuid(x)).map((x) => x.toLowerCase());

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
    this.charges = await chargeRows(this.em, [list(uuids(this.consultationOf.values())), list(pis), this.period.from, this.period.to]);
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
    const rows = await refundRows(this.em, [list(inScope.map((r) => r.id)), list(this.scope), this.period.from, this.period.to]);
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
    const rows = await disputeRows(this.em, [
      list(inScope.map((d) => d.paymentIntentId!)),
      this.period.from,
      this.period.to,
      this.period.from,
      this.period.to,
    ]);
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
    const rows = await payoutRows(this.em, [
      this.period.from,
      this.period.to,
      list(uuids(this.transfers.map(payoutIdOf))),
      list(this.transfers.map((t) => t.id)),
      this.period.from,
      this.period.to,
    ]);
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
    for (const [difference, ours, stripe] of transferDifferences(row, t)) this.add('transfer', row.id, t.id, difference, ours, stripe);
  }
}
