import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../../graphql/connection';
import { monthFromFirstDay } from '../finance/month';
import { AdvisorPayout, PayoutStatus } from './payout.entity';

registerEnumType(PayoutStatus, { name: 'PayoutStatus', description: 'Where a monthly payout stands' });

@ObjectType('Payout', { description: "A monthly payout of an advisor's ledger balance through Stripe Connect (admins)" })
export class PayoutView {
  @Field(() => ID) id!: string;
  @Field(() => ID) advisorId!: string;
  @Field() advisorDisplayName!: string;
  @Field({ description: 'The month paid out, e.g. 2026-09' }) month!: string;
  @Field(() => Int, { description: 'The exact sum of the ledger entries this payout pays' }) totalCents!: number;
  @Field() currency!: string;
  @Field(() => PayoutStatus) status!: PayoutStatus;
  @Field(() => String, { nullable: true, description: "Why it is on hold, Stripe's message when it failed, or a reversal" })
  statusReason!: string | null;
  @Field(() => Int, { description: 'Transfer attempts so far' }) attempts!: number;
  @Field(() => String, { nullable: true }) stripeTransferId!: string | null;
  @Field(() => Date, { nullable: true }) processedAt!: Date | null;
  @Field() createdAt!: Date;
}

export function toPayoutView(p: AdvisorPayout): PayoutView {
  return {
    id: p.id,
    advisorId: p.advisor.id,
    advisorDisplayName: p.advisor.displayName,
    month: monthFromFirstDay(p.payoutMonth).key,
    totalCents: p.totalCents,
    currency: p.currency,
    status: p.status,
    statusReason: p.statusReason,
    attempts: p.attempts,
    stripeTransferId: p.stripeTransferId,
    processedAt: p.processedAt,
    createdAt: p.createdAt,
  };
}

export const PayoutConnection = Connection(PayoutView, 'Payout');

@ObjectType()
export class GeneratePayoutsResult {
  @Field() month!: string;
  @Field(() => Int, { description: 'Payouts created by this run (0 when run again)' }) createdCount!: number;
  @Field(() => [PayoutView], { description: "Every payout of the month, this run's and earlier ones" }) payouts!: PayoutView[];
}

@ObjectType()
export class StripeConnectOnboarding {
  @Field({ description: "Stripe's onboarding page for the advisor's Express account (single use, short-lived)" }) url!: string;
  @Field() expiresAt!: Date;
  @Field() detailsSubmitted!: boolean;
  @Field() payoutsEnabled!: boolean;
}
