import { randomUUID } from 'node:crypto';
import { Check, Entity, Enum, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { Advisor } from '../advisor/advisor.entity';
import { Consultation } from '../consultation/consultation.entity';
import { User } from '../user/user.entity';
import type { AdvisorPayout } from '../payout/payout.entity';

/**
 * The advisor earnings ledger: the one source of truth for what an advisor is owed. It generalises
 * the seed plan's `adjustments` table (refund, chargeback, manual) with the earning itself, so a
 * payout is the sum of its entries and nothing is derived twice. Rows are append-only: a correction
 * is a new row, never an edit; the only column ever written after insert is `payout`, once.
 *
 * The rule (see ledger.rules.ts): an EARNING is written when a consultation's earning becomes
 * payable; a REFUND entry is written only if an EARNING exists, for exactly minus that earning.
 * So a consultation refunded in full nets exactly zero, whether the refund comes before the
 * earning (no rows), after it but before the payout (+x and -x in one payout), or after the
 * payout (-x carried into the next one).
 */
export enum LedgerKind {
  EARNING = 'earning',
  REFUND = 'refund',
  CHARGEBACK = 'chargeback',
  CHARGEBACK_WON = 'chargeback_won',
  MANUAL = 'manual',
}

@Entity({ tableName: 'ledger_entries' })
@Check({
  name: 'ledger_entries_sign_check',
  expression:
    "((kind = 'earning' or kind = 'chargeback_won') and amount_cents > 0) or ((kind = 'refund' or kind = 'chargeback') and amount_cents < 0) or (kind = 'manual' and amount_cents <> 0)",
})
@Check({ name: 'ledger_entries_consultation_check', expression: "kind = 'manual' or consultation_id is not null" })
@Index({ name: 'ledger_entries_advisor_accrued_idx', properties: ['advisor', 'accruedAt'] })
@Index({
  name: 'ledger_entries_unpaid_idx',
  expression: 'create index "ledger_entries_unpaid_idx" on "ledger_entries" ("advisor_id", "accrued_at") where payout_id is null',
})
@Index({
  name: 'ledger_entries_one_earning',
  expression: 'create unique index "ledger_entries_one_earning" on "ledger_entries" ("consultation_id") where kind = \'earning\'',
})
@Index({
  name: 'ledger_entries_one_refund',
  expression: 'create unique index "ledger_entries_one_refund" on "ledger_entries" ("consultation_id") where kind = \'refund\'',
})
@Index({
  name: 'ledger_entries_external_ref',
  expression:
    'create unique index "ledger_entries_external_ref" on "ledger_entries" ("kind", "external_ref") where external_ref is not null',
})
export class LedgerEntry {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => Advisor, { deleteRule: 'restrict' })
  advisor: Advisor;

  @ManyToOne(() => Consultation, { nullable: true, deleteRule: 'restrict', index: true })
  consultation: Consultation | null;

  @Enum({ items: () => LedgerKind })
  kind: LedgerKind;

  @Property({ type: 'int' })
  amountCents: number;

  /** The moment that decides the payout month: a consultation's start, or when a correction happened. */
  @Property({ type: 'timestamptz' })
  accruedAt: Date;

  @ManyToOne('AdvisorPayout', { nullable: true, deleteRule: 'restrict', index: true })
  payout: AdvisorPayout | null = null;

  /** Stripe's dispute id for chargebacks, so a redelivered dispute event cannot add a second row. */
  @Property({ type: 'text', nullable: true })
  externalRef: string | null = null;

  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  createdBy: User | null = null;

  @Property({ type: 'text', nullable: true })
  notes: string | null = null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  constructor(init: { advisor: Advisor; consultation: Consultation | null; kind: LedgerKind; amountCents: number; accruedAt: Date }) {
    this.advisor = init.advisor;
    this.consultation = init.consultation;
    this.kind = init.kind;
    this.amountCents = init.amountCents;
    this.accruedAt = init.accruedAt;
  }
}
