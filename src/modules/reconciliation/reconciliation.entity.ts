import { randomUUID } from 'node:crypto';
import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { User } from '../user/user.entity';

export enum LedgerCheckStatus {
  QUEUED = 'queued',
  RUNNING = 'running',
  AGREED = 'agreed',
  DIFFERENCES = 'differences',
  /** Stripe or the database failed the check; `error` says why. A retry may follow. */
  FAILED = 'failed',
}

export enum LedgerCheckTrigger {
  SCHEDULE = 'schedule',
  ADMIN = 'admin',
}

export enum LedgerFindingKind {
  PAYMENT = 'payment',
  REFUND = 'refund',
  DISPUTE = 'dispute',
  TRANSFER = 'transfer',
}

/** One run of the ledger check (see ledger-check.ts): its period, outcome and counts. */
@Entity({ tableName: 'ledger_check_runs' })
@Index({ name: 'ledger_check_runs_created_idx', properties: ['createdAt', 'id'] })
export class LedgerCheckRun {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Enum({ items: () => LedgerCheckTrigger })
  trigger: LedgerCheckTrigger;

  /** The schedule slot of a daily run, so a retried job keeps its one run; null for runs an admin asked for. */
  @Property({ type: 'text', nullable: true, unique: 'ledger_check_runs_trigger_key_unique' })
  triggerKey: string | null = null;

  @Property({ type: 'timestamptz' })
  periodFrom: Date;

  @Property({ type: 'timestamptz' })
  periodTo: Date;

  @Enum({ items: () => LedgerCheckStatus, default: LedgerCheckStatus.QUEUED })
  status: LedgerCheckStatus = LedgerCheckStatus.QUEUED;

  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  requestedBy: User | null = null;

  @Property({ type: 'int', default: 0 })
  paymentsCompared = 0;

  @Property({ type: 'int', default: 0 })
  refundsCompared = 0;

  @Property({ type: 'int', default: 0 })
  disputesCompared = 0;

  @Property({ type: 'int', default: 0 })
  transfersCompared = 0;

  @Property({ type: 'int', default: 0 })
  findingsCount = 0;

  /** The summary line, as `npm run check:ledger` prints it. */
  @Property({ type: 'text', nullable: true })
  summary: string | null = null;

  @Property({ type: 'text', nullable: true })
  error: string | null = null;

  @Property({ type: 'int', default: 0 })
  attempts = 0;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  startedAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  finishedAt: Date | null = null;

  constructor(trigger: LedgerCheckTrigger, periodFrom: Date, periodTo: Date) {
    this.trigger = trigger;
    this.periodFrom = periodFrom;
    this.periodTo = periodTo;
  }
}

/** One difference a run found, in the order the check reports them. */
@Entity({ tableName: 'ledger_check_findings' })
@Unique({ name: 'ledger_check_findings_run_position_unique', properties: ['run', 'position'] })
export class LedgerCheckFinding {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => LedgerCheckRun, { deleteRule: 'cascade' })
  run: LedgerCheckRun;

  @Property({ type: 'int' })
  position: number;

  @Enum({ items: () => LedgerFindingKind })
  kind: LedgerFindingKind;

  /** The consultation (payments, refunds, disputes) or the payout (transfers). */
  @Property({ type: 'text', nullable: true })
  ourId: string | null = null;

  @Property({ type: 'text', nullable: true })
  stripeId: string | null = null;

  @Property({ type: 'text' })
  difference: string;

  @Property({ type: 'text' })
  ours: string;

  @Property({ type: 'text' })
  stripe: string;

  /** The finding as one line, exactly as the command prints it. */
  @Property({ type: 'text' })
  line: string;

  constructor(init: {
    run: LedgerCheckRun;
    position: number;
    kind: LedgerFindingKind;
    difference: string;
    ours: string;
    stripe: string;
    line: string;
  }) {
    this.run = init.run;
    this.position = init.position;
    this.kind = init.kind;
    this.difference = init.difference;
    this.ours = init.ours;
    this.stripe = init.stripe;
    this.line = init.line;
  }
}
