import { randomUUID } from 'node:crypto';
import { Check, Entity, Enum, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Advisor } from '../advisor/advisor.entity';
import { User } from '../user/user.entity';

export enum PayoutStatus {
  PENDING = 'pending',
  PROCESSING = 'processing',
  PAID = 'paid',
  FAILED = 'failed',
  ON_HOLD = 'on_hold',
}

/** One monthly payout per advisor: the sum of the ledger entries that point at it. */
@Entity({ tableName: 'advisor_payouts' })
@Unique({ name: 'advisor_payouts_advisor_month_unique', properties: ['advisor', 'payoutMonth'] })
@Check({ name: 'advisor_payouts_total_check', expression: 'total_cents > 0' })
export class AdvisorPayout {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => Advisor, { deleteRule: 'restrict' })
  advisor: Advisor;

  /** First day of the month, e.g. 2026-09-01 for September. */
  @Property({ type: 'date' })
  payoutMonth: string;

  @Property({ type: 'int' })
  totalCents: number;

  @Property({ type: 'text', default: 'USD' })
  currency = 'USD';

  @Enum({ items: () => PayoutStatus, default: PayoutStatus.PENDING })
  status: PayoutStatus = PayoutStatus.PENDING;

  @Property({ type: 'text', nullable: true, hidden: true })
  stripeTransferId: string | null = null;

  /** Why it is on hold or why the transfer failed (Stripe's message). */
  @Property({ type: 'text', nullable: true })
  statusReason: string | null = null;

  @Property({ type: 'int', default: 0 })
  attempts = 0;

  /**
   * The Idempotency-Key of the transfer this payout sends. It stays the same across retries after
   * an answer that may hide a transfer (timeout, network error, 5xx), so Stripe replays the one
   * transfer instead of making a second; it is replaced only after Stripe refused the transfer
   * outright (4xx), because Stripe would otherwise replay that refusal forever.
   */
  @Property({ type: 'text', nullable: true, hidden: true })
  transferIdempotencyKey: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  processedAt: Date | null = null;

  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  processedBy: User | null = null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  constructor(advisor: Advisor, payoutMonth: string, totalCents: number) {
    this.advisor = advisor;
    this.payoutMonth = payoutMonth;
    this.totalCents = totalCents;
  }
}

/** The payout's status history: every transition, who asked for it (null: the job queue or a webhook) and why. */
@Entity({ tableName: 'payout_status_changes' })
export class PayoutStatusChange {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => AdvisorPayout, { deleteRule: 'cascade', index: true })
  payout: AdvisorPayout;

  @Enum({ items: () => PayoutStatus })
  fromStatus: PayoutStatus;

  @Enum({ items: () => PayoutStatus })
  toStatus: PayoutStatus;

  @Property({ type: 'text', nullable: true })
  reason: string | null;

  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  changedBy: User | null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  constructor(payout: AdvisorPayout, from: PayoutStatus, to: PayoutStatus, reason: string | null, changedBy: User | null) {
    this.payout = payout;
    this.fromStatus = from;
    this.toStatus = to;
    this.reason = reason;
    this.changedBy = changedBy;
  }
}
