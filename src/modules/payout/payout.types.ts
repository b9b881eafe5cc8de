import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../../graphql/connection';
import { monthFromFirstDay } from '../finance/month';
import { AdvisorPayout, PayoutStatus } from './payout.entity';

registerEnumType(PayoutStatus, {
  name: 'PayoutStatus',
  description: 'Where a monthly payout stands',
  valuesConfig: {
    FAILED: { description: 'Stripe refused the transfer; can be sent again' },
    ON_HOLD: { description: 'Waiting for the advisor to finish Stripe onboarding' },
    PAID: { description: 'Transferred to the advisor' },
    PENDING: { description: 'Generated, not sent yet' },
    PROCESSING: { description: 'Being sent to Stripe' },
  },
});

@ObjectType('Payout', { description: "A monthly payout of an advisor's ledger balance through Stripe Connect (admins)" })
export class PayoutView {
  @Field(() => ID, { description: 'The payout id' }) id!: string;
  @Field(() => ID, { description: 'The advisor paid' }) advisorId!: string;
  @Field({ description: "The advisor's display name" }) advisorDisplayName!: string;
  @Field({ description: 'The month paid out, e.g. 2026-09' }) month!: string;
  @Field(() => Int, { description: 'The exact sum of the ledger entries this payout pays' }) totalCents!: number;
  @Field({ description: 'ISO 4217 code in lower case' }) currency!: string;
  @Field(() => PayoutStatus, { description: 'Where it stands' }) status!: PayoutStatus;
  @Field(() => String, { nullable: true, description: "Why it is on hold, Stripe's message when it failed, or a reversal" })
  statusReason!: string | null;
  @Field(() => Int, { description: 'Transfer attempts so far' }) attempts!: number;
  @Field(() => String, { description: 'The Stripe transfer id, once sent', nullable: true }) stripeTransferId!: string | null;
  @Field(() => Date, { description: 'When it was paid', nullable: true }) processedAt!: Date | null;
  @Field({ description: 'When it was generated' }) createdAt!: Date;
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

@ObjectType({ description: 'The payouts of a month after generating them' })
export class GeneratePayoutsResult {
  @Field({ description: 'YYYY-MM (UTC)' }) month!: string;
  @Field(() => Int, { description: 'Payouts created by this run (0 when run again)' }) createdCount!: number;
  // payouts: resolved by PayoutResolver.payouts, only when a client asks for them.
}

@ObjectType({ description: "A link to Stripe's onboarding for the advisor's Express account, and the account's state" })
export class StripeConnectOnboarding {
  @Field({ description: "Stripe's onboarding page for the advisor's Express account (single use, short-lived)" }) url!: string;
  @Field({ description: 'When the link stops working' }) expiresAt!: Date;
  @Field({ description: 'Stripe has your details' }) detailsSubmitted!: boolean;
  @Field({ description: 'Stripe lets payouts reach you' }) payoutsEnabled!: boolean;
}
