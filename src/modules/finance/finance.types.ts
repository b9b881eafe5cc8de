import { IsInt, IsOptional, Length, Matches, MaxLength, NotEquals } from 'class-validator';
import { ArgsType, Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { LedgerKind } from '../ledger/ledger.entity';
import { PayoutStatus } from '../payout/payout.entity';
import type { EarningsSummary, LedgerEntryRow } from './earnings.service';
import type { FinanceReport, PlatformMetrics } from './finance.service';

registerEnumType(LedgerKind, {
  name: 'LedgerKind',
  description: 'What a ledger entry records',
  valuesConfig: {
    CHARGEBACK: { description: 'Taken back after a dispute the client opened' },
    CHARGEBACK_WON: { description: 'Given back after a dispute was won' },
    EARNING: { description: "The advisor's share of a consultation" },
    MANUAL: { description: 'A manual adjustment by an admin' },
    REFUND: { description: 'Taken back after a refund of an earned consultation' },
  },
});

@ObjectType('EarningsPayout', { description: "A month's payout as its advisor sees it" })
export class EarningsPayoutView {
  @Field(() => PayoutStatus, { description: 'Where the payout stands' }) status!: PayoutStatus;
  @Field(() => Int, { description: 'The amount, in cents' }) totalCents!: number;
  @Field(() => String, { description: 'Why it failed or is on hold', nullable: true }) statusReason!: string | null;
  @Field(() => Date, { description: 'When it was paid', nullable: true }) processedAt!: Date | null;
}

@ObjectType('EarningsMonth', { description: "An advisor's ledger for one month (UTC), and that month's payout" })
export class EarningsMonthView {
  @Field({ description: 'e.g. 2026-09' }) month!: string;
  @Field(() => Int, { description: 'Consultations whose earning accrued this month' }) consultations!: number;
  @Field(() => Int, { description: 'Earnings of those consultations' }) grossCents!: number;
  @Field(() => Int, { description: 'Refunds, chargebacks and manual adjustments accrued this month' }) adjustmentsCents!: number;
  @Field(() => Int, { description: 'Earnings taken back after refunds this month' }) refundsCents!: number;
  @Field(() => Int, { description: 'Chargebacks less chargebacks won' }) chargebacksCents!: number;
  @Field(() => Int, { description: 'Manual adjustments by admins accrued this month' }) manualAdjustmentsCents!: number;
  @Field(() => Int, { description: 'gross + adjustments' }) netCents!: number;
  @Field(() => Int, {
    description: 'Entries up to the end of this month not in any payout yet; a negative amount is carried into the next payout',
  })
  unpaidCents!: number;
  @Field(() => EarningsPayoutView, { nullable: true, description: "This month's payout, once generated" })
  payout!: EarningsPayoutView | null;
}

@ObjectType('EarningsEntry', { description: 'One ledger entry as its advisor sees it' })
export class EarningsEntryView {
  @Field(() => ID, { description: 'The ledger entry id' }) id!: string;
  @Field(() => LedgerKind, { description: 'What it records' }) kind!: LedgerKind;
  @Field(() => Int, { description: 'In cents; negative takes back' }) amountCents!: number;
  @Field({ description: 'When it counts for payouts' }) accruedAt!: Date;
  @Field(() => ID, { description: 'The consultation it is about, if any', nullable: true }) consultationId!: string | null;
  @Field(() => String, { nullable: true, description: 'Why a manual adjustment was made' }) reason!: string | null;
  @Field({ description: 'Already in a payout' }) paidOut!: boolean;
}

@ObjectType('AdvisorEarnings', {
  description: "An advisor's ledger for one month (UTC): what accrued, what is unpaid, and that month's payout",
})
export class AdvisorEarningsView extends EarningsMonthView {
  @Field(() => [EarningsEntryView], { description: 'The entries accrued this month, oldest first' }) entries!: EarningsEntryView[];
}

export function toEarningsMonthView(s: EarningsSummary): EarningsMonthView {
  return {
    month: s.month.key,
    consultations: s.consultations,
    grossCents: s.grossCents,
    adjustmentsCents: s.adjustmentsCents,
    refundsCents: s.refundsCents,
    chargebacksCents: s.chargebacksCents,
    manualAdjustmentsCents: s.manualCents,
    netCents: s.netCents,
    unpaidCents: s.unpaidCents,
    payout: s.payout
      ? { status: s.payout.status, totalCents: s.payout.totalCents, statusReason: s.payout.statusReason, processedAt: s.payout.processedAt }
      : null,
  };
}

export function toAdvisorEarningsView(s: EarningsSummary, entries: LedgerEntryRow[]): AdvisorEarningsView {
  return {
    ...toEarningsMonthView(s),
    entries: entries.map((e) => ({
      id: e.id,
      kind: e.kind,
      amountCents: e.amountCents,
      accruedAt: e.accruedAt,
      consultationId: e.consultationId,
      reason: e.reason,
      paidOut: e.payoutId !== null,
    })),
  };
}

@ObjectType('LedgerEntry', { description: 'One ledger entry, as admins see it' })
export class LedgerEntryView {
  @Field(() => ID, { description: 'The ledger entry id' }) id!: string;
  @Field(() => ID, { description: 'The advisor it belongs to' }) advisorId!: string;
  @Field(() => ID, { description: 'The consultation it is about, if any', nullable: true }) consultationId!: string | null;
  @Field(() => LedgerKind, { description: 'What it records' }) kind!: LedgerKind;
  @Field(() => Int, { description: 'In cents; negative takes back' }) amountCents!: number;
  @Field({ description: 'When it counts for payouts' }) accruedAt!: Date;
  @Field(() => String, { description: 'Why, in one line (manual adjustments)', nullable: true }) reason!: string | null;
  @Field(() => String, { description: 'More detail', nullable: true }) notes!: string | null;
  @Field(() => ID, { description: 'The payout that paid it; null while unpaid', nullable: true }) payoutId!: string | null;
  @Field(() => ID, { nullable: true, description: 'The admin who made a manual adjustment' }) createdById!: string | null;
  @Field({ description: 'When it was written' }) createdAt!: Date;
}

export const toLedgerEntryView = (e: LedgerEntryRow): LedgerEntryView => ({ ...e });

@ArgsType()
export class CreateAdjustmentArgs {
  @Field(() => ID, { description: 'The advisor whose earnings to correct' }) advisorId!: string;
  @Field(() => Int, { description: 'Positive pays the advisor more, negative takes back; in cents' })
  @IsInt()
  @NotEquals(0)
  amountCents!: number;
  @Field({ description: 'Why, in one line' })
  @Length(3, 200)
  @Matches(/^[^\r\n]*$/, { message: 'reason must be one line' })
  reason!: string;
  @Field(() => String, { description: 'More detail, up to 2000 characters', nullable: true }) @IsOptional() @MaxLength(2000) notes?:
    string | null;
  @Field(() => ID, { nullable: true, description: 'The consultation this corrects, if any' }) consultationId?: string | null;
  @Field(() => String, { nullable: true, description: 'Sent again with the same value, creates nothing new' })
  @IsOptional()
  @Matches(/^[\w-]{8,100}$/)
  idempotencyKey?: string | null;
}

@ObjectType('FinanceReport', {
  description:
    'A month (UTC) reconciled: grossBookingsCents = platformRevenueCents + advisorEarningsCents + refundsCents + chargebacksCents + unearnedCents',
})
export class FinanceReportView {
  @Field({ description: 'YYYY-MM (UTC)' }) month!: string;
  @Field(() => Int, { description: 'Paid consultations starting this month' }) paidBookings!: number;
  @Field(() => Int, { description: 'What clients paid for consultations starting this month' }) grossBookingsCents!: number;
  @Field(() => Int, { description: 'Refunded to clients on those charges' }) refundsCents!: number;
  @Field(() => Int, { description: 'Taken back by banks on open or lost disputes' }) chargebacksCents!: number;
  @Field(() => Int, { description: 'Platform fees kept on delivered consultations, less partial refunds' }) platformRevenueCents!: number;
  @Field(() => Int, { description: "The advisors' ledger entries for those consultations" }) advisorEarningsCents!: number;
  @Field(() => Int, { description: 'Paid but not yet delivered (or a refund on its way)' }) unearnedCents!: number;
  @Field(() => Int, { description: 'Manual adjustments accrued this month' }) manualAdjustmentsCents!: number;
  @Field(() => Int, { description: 'Payouts for this month' }) payoutsCount!: number;
  @Field(() => Int, { description: 'Payouts for this month transferred' }) payoutsPaidCents!: number;
  @Field(() => Int, { description: 'Pending or processing' }) payoutsPendingCents!: number;
  @Field(() => Int, { description: 'Payouts for this month that failed' }) payoutsFailedCents!: number;
  @Field(() => Int, { description: 'Payouts for this month held until onboarding' }) payoutsOnHoldCents!: number;
  @Field(() => Int, { description: 'Ledger entries up to the end of the month in no payout yet' }) unpaidLedgerCents!: number;
}

export const toFinanceReportView = (r: FinanceReport): FinanceReportView => ({ ...r, month: r.month.key });

@ObjectType('PlatformMetrics', { description: 'The KPIs over [from, to)' })
export class PlatformMetricsView {
  @Field({ description: 'Start of the range (included)' }) from!: Date;
  @Field({ description: 'End of the range (excluded)' }) to!: Date;
  @Field(() => Int, { description: 'Applications and re-applications submitted' }) applications!: number;
  @Field(() => Int, { description: 'Applications approved' }) approvals!: number;
  @Field(() => Int, { description: 'Advisors approved now' }) approvedAdvisors!: number;
  @Field(() => Int, { description: 'Advisors with a paid consultation taking place in the range' }) activeAdvisors!: number;
  @Field(() => Int, { description: 'Paid bookings made in the range' }) bookings!: number;
  @Field(() => Float, { nullable: true, description: 'Of paid consultations in the range that have ended: completed' })
  completionRate!: number | null;
  @Field(() => Float, { nullable: true, description: '... cancelled' }) cancellationRate!: number | null;
  @Field(() => Float, { nullable: true, description: '... no-shows' }) noShowRate!: number | null;
  @Field(() => Float, { nullable: true, description: 'Of paid bookings made in the range: refunded in part or whole' })
  refundRate!: number | null;
  @Field(() => Float, { nullable: true, description: 'Average overall rating of reviews written in the range' }) averageRating!:
    number | null;
  @Field(() => Int, { description: 'Reviews written in the range' }) reviews!: number;
  @Field(() => Float, { nullable: true, description: 'Median hours from application to approval, for approvals in the range' })
  medianApprovalHours!: number | null;
  @Field(() => Float, { nullable: true, description: 'Median hours from a payout being generated to paid, for payouts paid in the range' })
  medianPayoutProcessingHours!: number | null;
  @Field(() => Int, { description: 'Payouts paid in the range' }) payoutsPaid!: number;
}

export const toPlatformMetricsView = (m: PlatformMetrics): PlatformMetricsView => ({ ...m });
