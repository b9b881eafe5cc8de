import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../../graphql/connection';
import { LedgerCheckFinding, LedgerCheckRun, LedgerCheckStatus, LedgerCheckTrigger, LedgerFindingKind } from './reconciliation.entity';

registerEnumType(LedgerCheckStatus, {
  name: 'LedgerCheckStatus',
  description: 'Where a ledger check stands',
  valuesConfig: {
    AGREED: { description: 'Our books and Stripe agree' },
    DIFFERENCES: { description: 'Differences were found (see findings)' },
    FAILED: { description: 'The check could not run (see error)' },
    QUEUED: { description: 'Waiting to run' },
    RUNNING: { description: 'Comparing now' },
  },
});
registerEnumType(LedgerCheckTrigger, {
  name: 'LedgerCheckTrigger',
  description: 'The daily schedule, or an admin',
  valuesConfig: { ADMIN: { description: 'Asked for by an admin' }, SCHEDULE: { description: 'The daily check' } },
});
registerEnumType(LedgerFindingKind, {
  name: 'LedgerFindingKind',
  description: 'What a difference is about',
  valuesConfig: {
    DISPUTE: { description: 'A dispute (chargeback)' },
    PAYMENT: { description: 'A payment' },
    REFUND: { description: 'A refund' },
    TRANSFER: { description: 'A payout transfer' },
  },
});

@ObjectType('LedgerCheck', {
  description: "A comparison of our charges, refunds, disputes and payouts with Stripe's over a period (admins)",
})
export class LedgerCheckView {
  @Field(() => ID, { description: 'The check id' }) id!: string;
  @Field(() => LedgerCheckStatus, { description: 'Where the check stands' }) status!: LedgerCheckStatus;
  @Field(() => LedgerCheckTrigger, { description: 'Who asked for it' }) trigger!: LedgerCheckTrigger;
  @Field({ description: 'Start of the period (included)' }) from!: Date;
  @Field({ description: 'End of the period (excluded)' }) to!: Date;
  @Field(() => Int, { description: 'Payments compared' }) paymentsCompared!: number;
  @Field(() => Int, { description: 'Refunds compared' }) refundsCompared!: number;
  @Field(() => Int, { description: 'Disputes compared' }) disputesCompared!: number;
  @Field(() => Int, { description: 'Payout transfers compared' }) transfersCompared!: number;
  @Field(() => Int, { description: 'How many differences were found' }) findingsCount!: number;
  @Field(() => String, { nullable: true, description: 'The summary line, as `npm run check:ledger` prints it' }) summary!: string | null;
  @Field(() => String, { nullable: true, description: 'Why the check could not run' }) error!: string | null;
  @Field(() => Int, { description: 'Runs so far' }) attempts!: number;
  @Field(() => ID, { nullable: true, description: 'The admin who asked for it' }) requestedById!: string | null;
  @Field({ description: 'When it was queued' }) createdAt!: Date;
  @Field(() => Date, { description: 'When it last started', nullable: true }) startedAt!: Date | null;
  @Field(() => Date, { description: 'When it finished', nullable: true }) finishedAt!: Date | null;
}

export function toLedgerCheckView(r: LedgerCheckRun): LedgerCheckView {
  return {
    id: r.id,
    status: r.status,
    trigger: r.trigger,
    from: r.periodFrom,
    to: r.periodTo,
    paymentsCompared: r.paymentsCompared,
    refundsCompared: r.refundsCompared,
    disputesCompared: r.disputesCompared,
    transfersCompared: r.transfersCompared,
    findingsCount: r.findingsCount,
    summary: r.summary,
    error: r.error,
    attempts: r.attempts,
    requestedById: r.requestedBy?.id ?? null,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
  };
}

@ObjectType('LedgerFinding', { description: 'One difference between our books and Stripe' })
export class LedgerFindingView {
  @Field(() => LedgerFindingKind, { description: 'What the difference is about' }) kind!: LedgerFindingKind;
  @Field(() => String, { nullable: true, description: 'The consultation (payments, refunds, disputes) or the payout (transfers)' })
  ourId!: string | null;
  @Field(() => String, { description: "Stripe's id of the object, when there is one", nullable: true }) stripeId!: string | null;
  @Field({ description: 'What differs, e.g. amount, unrecorded, missing_at_stripe (see ledger-check.ts)' }) difference!: string;
  @Field({ description: 'Our value' }) ours!: string;
  @Field({ description: "Stripe's value, or what the ledger rule asks for" }) stripe!: string;
  @Field({ description: 'The finding as one line, exactly as `npm run check:ledger` prints it' }) line!: string;
}

export const toLedgerFindingView = (f: LedgerCheckFinding): LedgerFindingView => ({
  kind: f.kind,
  ourId: f.ourId,
  stripeId: f.stripeId,
  difference: f.difference,
  ours: f.ours,
  stripe: f.stripe,
  line: f.line,
});

export const LedgerCheckConnection = Connection(LedgerCheckView, 'LedgerCheck');
export const LedgerFindingConnection = Connection(LedgerFindingView, 'LedgerFinding');
