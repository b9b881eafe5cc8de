import type { EntityManager } from '@mikro-orm/postgresql';
import { LedgerEntry, LedgerKind } from './ledger.entity';

/** An earning as the consultation module decided it (earning-policy.ts). */
export interface EarningEntry {
  advisorId: string;
  consultationId: string;
  amountCents: number;
  accruedAt: Date;
  notes: string;
}

/**
 * The ledger module alone writes `ledger_entries`; every other module asks it here.
 *
 * THE EARNINGS RULE (the payouts read it from here):
 *
 * 1. An EARNING of the consultation's `advisorEarningsCents` is written when the earning becomes
 *    payable, as decideEarning (consultation/earning-policy.ts) decides from the row: the
 *    consultation is COMPLETED, NO_SHOW, or CANCELLED late by the client (no refund), and its
 *    charge SUCCEEDED, is not refunded and not disputed. Its accrual time is the consultation's
 *    start, so it belongs to the month the consultation took place in.
 * 2. A full refund writes a REFUND entry of exactly minus that EARNING, and only if the EARNING
 *    exists. No EARNING yet (an early cancellation, an advisor cancellation) means no entries at
 *    all. Either way a fully refunded consultation nets the advisor exactly zero, and the refund
 *    is counted once: in `refunds` for the client's money, once in the ledger for the advisor's.
 *    If the EARNING was already paid out, the REFUND entry is simply unpaid and is netted in the
 *    next payout; nothing already paid is edited.
 * 3. Each consultation has at most one EARNING and one REFUND entry (unique indexes), so a
 *    redelivered webhook or a retried job cannot write a second.
 * 4. Callers hold the consultation's row lock (SELECT ... FOR UPDATE) while they apply these
 *    rules, so an earning and a refund of one consultation are never decided concurrently.
 *
 * Partial refunds (possible only from Stripe's dashboard) are recorded in `refunds` but leave the
 * advisor's earning whole until the charge is refunded in full.
 *
 * CHARGEBACKS mirror refunds. While a dispute is open or lost, the advisor's share is taken back:
 * a CHARGEBACK of minus the EARNING, written only if the EARNING exists (keyed by the dispute id,
 * so once per dispute); if it does not exist yet, the EARNING is simply not accrued while the
 * charge is disputed. A dispute won gives the share back: CHARGEBACK_WON of plus the EARNING. A
 * dispute won whose chargeback was never recorded (events out of order) writes both, so the rows
 * are the same whatever order Stripe's events arrive in.
 *
 * MANUAL entries are admins' corrections (EarningsService.createAdjustment: who in created_by,
 * why on the first line of notes), and the re-credit of a payout transfer Stripe reversed
 * (PayoutService.onTransferReversed: plus the amount reversed, keyed by the transfer, so the
 * money is owed again and paid in the next payout while the reversed payout keeps its entries).
 *
 * PAYOUTS (payout.service.ts) sum entries, never consultations: the payout for a month is every
 * entry accrued before the next month's first instant that is in no payout yet, and points
 * `payout_id` at exactly those in the statement that creates it. A sum of zero or less makes no
 * payout and the entries roll forward; an entry accrued in a month already paid out rolls into
 * the next payout. So every entry is paid in exactly one payout.
 */
export class LedgerService {
  /** The earning, once per consultation (the unique index decides a race). */
  async accrueEarning(em: EntityManager, e: EarningEntry): Promise<boolean> {
    const rows = await em.execute<{ id: string }[]>(
      `insert into ledger_entries (id, advisor_id, consultation_id, kind, amount_cents, accrued_at, notes)
       values (gen_random_uuid(), ?, ?, 'earning', ?, ?, ?)
       on conflict (consultation_id) where kind = 'earning' do nothing returning id`,
      [e.advisorId, e.consultationId, e.amountCents, e.accruedAt, e.notes],
    );
    return rows.length > 0;
  }

  async reverseEarningForRefund(em: EntityManager, consultationId: string, notes: string): Promise<boolean> {
    const rows = await em.execute<{ id: string }[]>(
      `insert into ledger_entries (id, advisor_id, consultation_id, kind, amount_cents, accrued_at, notes)
       select gen_random_uuid(), e.advisor_id, e.consultation_id, 'refund', -e.amount_cents, now(), ?
       from ledger_entries e where e.consultation_id = ? and e.kind = 'earning'
       on conflict (consultation_id) where kind = 'refund' do nothing returning id`,
      [notes, consultationId],
    );
    return rows.length > 0;
  }

  /** Open or lost dispute: minus the earning, once per dispute, only if the earning exists. */
  async recordChargeback(em: EntityManager, consultationId: string, disputeId: string): Promise<boolean> {
    const rows = await em.execute<{ id: string }[]>(
      `insert into ledger_entries (id, advisor_id, consultation_id, kind, amount_cents, accrued_at, external_ref, notes)
       select gen_random_uuid(), e.advisor_id, e.consultation_id, 'chargeback', -e.amount_cents, now(), ?, 'dispute opened'
       from ledger_entries e where e.consultation_id = ? and e.kind = 'earning'
       on conflict (kind, external_ref) where external_ref is not null do nothing returning id`,
      [disputeId, consultationId],
    );
    return rows.length > 0;
  }

  /** Dispute won: plus the earning, once, after the chargeback it reverses. */
  async reverseChargeback(em: EntityManager, consultationId: string, disputeId: string): Promise<boolean> {
    await this.recordChargeback(em, consultationId, disputeId);
    const rows = await em.execute<{ id: string }[]>(
      `insert into ledger_entries (id, advisor_id, consultation_id, kind, amount_cents, accrued_at, external_ref, notes)
       select gen_random_uuid(), c.advisor_id, c.consultation_id, 'chargeback_won', -c.amount_cents, now(), ?, 'dispute won'
       from ledger_entries c where c.kind = 'chargeback' and c.external_ref = ? and c.consultation_id = ?
       on conflict (kind, external_ref) where external_ref is not null do nothing returning id`,
      [disputeId, disputeId, consultationId],
    );
    return rows.length > 0;
  }

  // ================================================================================================
  // Added for the payout and finance modules (issue 9): the ledger writes and sums they used to do in
  // their own SQL. Callers pass their unit of work (EntityManager) and hold the locks noted per method.
  // ==================================================================================================
  /** How many consultations' earnings a payout pays. */
  async earningsInPayout(em: EntityManager, payoutId: string): Promise<number> {
    return em.count(LedgerEntry, { payout: payoutId, kind: LedgerKind.EARNING });
  }

  /**
   * Re-credits what Stripe reversed of a payout transfer as an unpaid MANUAL entry, keyed by the
   * running total reversed, so a redelivery adds nothing and a second partial reversal adds only
   * its part. Returns the amount credited now (0 when nothing was owed). The caller holds the
   * payout's row lock.
   */
  async recreditTransferReversal(
    em: EntityManager,
    input: { advisorId: string; transferId: string; amountReversedCents: number; notes: (deltaCents: number) => string },
  ): Promise<number> {
    const [credited] = await em.execute<{ cents: string }[]>(
      `select coalesce(sum(amount_cents), 0) as cents from ledger_entries
       where kind = 'manual' and advisor_id = ? and starts_with(external_ref, ?)`,
      [input.advisorId, `transfer-reversal:${input.transferId}:`],
    );
    const delta = input.amountReversedCents - Number(credited?.cents ?? 0);
    if (delta <= 0) return 0;
    await em.execute(
      `insert into ledger_entries (id, advisor_id, consultation_id, kind, amount_cents, accrued_at, external_ref, notes, created_at)
       values (gen_random_uuid(), ?, null, 'manual', ?, now(), ?, ?, now())
       on conflict (kind, external_ref) where external_ref is not null do nothing`,
      [input.advisorId, delta, `transfer-reversal:${input.transferId}:${input.amountReversedCents}`, input.notes(delta)],
    );
    return delta;
  }

  /**
   * An admin's correction (a MANUAL entry with who and why); an `externalRef` makes a second
   * submit of the same one return the first entry instead of adding another.
   */
  async addAdjustment(
    em: EntityManager,
    input: {
      advisorId: string;
      consultationId: string | null;
      amountCents: number;
      externalRef: string | null;
      createdById: string | null;
      notes: string;
    },
  ): Promise<{ entry: RawLedgerEntry; created: boolean }> {
    const inserted = await em.execute<RawLedgerEntry[]>(
      `insert into ledger_entries (id, advisor_id, consultation_id, kind, amount_cents, accrued_at, external_ref, created_by_id, notes, created_at)
       values (gen_random_uuid(), ?, ?, 'manual', ?, now(), ?, ?, ?, now())
       on conflict (kind, external_ref) where external_ref is not null do nothing
       returning ${LEDGER_ENTRY_COLUMNS}`,
      [input.advisorId, input.consultationId, input.amountCents, input.externalRef, input.createdById, input.notes],
    );
    if (inserted[0]) return { entry: inserted[0], created: true };
    const [existing] = await em.execute<RawLedgerEntry[]>(
      `select ${LEDGER_ENTRY_COLUMNS} from ledger_entries where kind = 'manual' and external_ref = ?`,
      [input.externalRef],
    );
    return { entry: existing!, created: false };
  }
}

/** A ledger row as the finance module shows it (raw columns, so amounts and dates are as stored). */
export interface RawLedgerEntry {
  id: string;
  advisor_id: string;
  consultation_id: string | null;
  kind: LedgerKind;
  amount_cents: number;
  accrued_at: Date;
  notes: string | null;
  payout_id: string | null;
  created_by_id: string | null;
  created_at: Date;
}

export const LEDGER_ENTRY_COLUMNS =
  'id, advisor_id, consultation_id, kind, amount_cents, accrued_at, notes, payout_id, created_by_id, created_at';
