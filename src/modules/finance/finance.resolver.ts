import { Arg, Args, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { Access } from '../../auth/auth-checker';
import type { Context } from '../../context';
import {
  AdvisorEarningsView,
  CreateAdjustmentArgs,
  EarningsMonthView,
  FinanceReportView,
  LedgerEntryView,
  PlatformMetricsView,
  toAdvisorEarningsView,
  toEarningsMonthView,
  toFinanceReportView,
  toLedgerEntryView,
  toPlatformMetricsView,
} from './finance.types';

@Resolver()
export class FinanceResolver {
  @Authorized()
  @Query(() => AdvisorEarningsView, { description: 'Your earnings in a month (YYYY-MM, UTC) and its payout (advisors)' })
  async advisorEarnings(@Ctx() ctx: Context, @Arg('month', { description: 'YYYY-MM (UTC)' }) month: string): Promise<AdvisorEarningsView> {
    const { summary, entries } = await ctx.services.earnings.forMonth(ctx.requireActor(), month);
    return toAdvisorEarningsView(summary, entries);
  }

  @Authorized()
  @Query(() => [EarningsMonthView], { description: 'Your earnings for every month so far, newest first (advisors)' })
  async advisorEarningsHistory(@Ctx() ctx: Context): Promise<EarningsMonthView[]> {
    return (await ctx.services.earnings.history(ctx.requireActor())).map(toEarningsMonthView);
  }

  @Authorized(Access.ADMIN)
  @Mutation(() => LedgerEntryView, { description: "A manual correction of an advisor's earnings, with who and why (admins)" })
  async createAdjustment(@Ctx() ctx: Context, @Args() args: CreateAdjustmentArgs): Promise<LedgerEntryView> {
    return toLedgerEntryView(await ctx.services.earnings.createAdjustment(ctx.requireActor(), args));
  }

  @Authorized(Access.ADMIN)
  @Query(() => FinanceReportView, { description: 'A month (YYYY-MM, UTC) of bookings, refunds, chargebacks, revenue and payouts (admins)' })
  async financeReport(@Ctx() ctx: Context, @Arg('month', { description: 'YYYY-MM (UTC)' }) month: string): Promise<FinanceReportView> {
    return toFinanceReportView(await ctx.services.finance.report(month));
  }

  @Authorized(Access.ADMIN)
  @Query(() => PlatformMetricsView, { description: 'The KPIs over [from, to) (admins)' })
  async platformMetrics(
    @Ctx() ctx: Context,
    @Arg('from', { description: 'Start of the range (included)' }) from: Date,
    @Arg('to', { description: 'End of the range (excluded)' }) to: Date,
  ): Promise<PlatformMetricsView> {
    return toPlatformMetricsView(await ctx.services.finance.metrics(from, to));
  }
}
