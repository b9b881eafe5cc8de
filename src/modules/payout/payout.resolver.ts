import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Access } from '../../auth/auth-checker';
import type { Context } from '../../context';
import { mapConnection, PageArgs } from '../../graphql/connection';
import { nullIfNotFound } from '../../graphql/errors';
import { parseMonth } from '../finance/month';
import { PayoutStatus } from './payout.entity';
import { GeneratePayoutsResult, PayoutConnection, PayoutView, StripeConnectOnboarding, toPayoutView } from './payout.types';

@Resolver(() => GeneratePayoutsResult)
export class PayoutResolver {
  @Authorized(Access.ADMIN)
  @Mutation(() => GeneratePayoutsResult, {
    description: 'One payout per advisor with a positive unpaid balance up to the end of a finished month (YYYY-MM); safe to run again',
  })
  async generatePayouts(
    @Ctx() ctx: Context,
    @Arg('month', { description: 'YYYY-MM, a finished month (UTC)' }) month: string,
  ): Promise<GeneratePayoutsResult> {
    const r = await ctx.services.payouts.generate(ctx.requireActor(), month);
    return { month: r.month.key, createdCount: r.createdCount };
  }

  // Read only when asked for: a run over thousands of advisors mostly wants the count.
  @Authorized(Access.ADMIN)
  @FieldResolver(() => [PayoutView], { description: "Every payout of the month, this run's and earlier ones" })
  async payouts(@Root() result: GeneratePayoutsResult, @Ctx() ctx: Context): Promise<PayoutView[]> {
    return (await ctx.services.payouts.ofMonth(parseMonth(result.month))).map(toPayoutView);
  }

  @Authorized(Access.ADMIN)
  @Mutation(() => PayoutView, { description: 'Send one payout through Stripe Connect; a retry or a double click never pays twice' })
  async processPayout(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'The payout id' }) id: string): Promise<PayoutView> {
    return toPayoutView(await ctx.services.payouts.process(ctx.requireActor(), id));
  }

  @Authorized(Access.ADMIN)
  @Mutation(() => [PayoutView], {
    description: "Send every pending, failed or held payout of a month (YYYY-MM); returns the month's payouts",
  })
  async processPayouts(@Ctx() ctx: Context, @Arg('month', { description: 'YYYY-MM (UTC)' }) month: string): Promise<PayoutView[]> {
    return (await ctx.services.payouts.processMonth(ctx.requireActor(), month)).map(toPayoutView);
  }

  @Authorized(Access.ADMIN)
  @Query(() => PayoutConnection, { description: 'Payouts, newest month first (admins)' })
  async adminPayouts(
    @Ctx() ctx: Context,
    @Args() page: PageArgs,
    @Arg('month', () => String, { description: 'Only this month, YYYY-MM', nullable: true }) month?: string,
    @Arg('status', () => PayoutStatus, { description: 'Only this status', nullable: true }) status?: PayoutStatus,
  ) {
    return mapConnection(await ctx.services.payouts.list({ month, status }, page), toPayoutView);
  }

  @Authorized(Access.ADMIN)
  @Query(() => PayoutView, { nullable: true, description: 'One payout (admins); null when there is none with this id' })
  async adminPayout(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'The payout id' }) id: string): Promise<PayoutView | null> {
    const payout = await nullIfNotFound(ctx.services.payouts.get(ctx.loaders.payoutById, id));
    return payout && toPayoutView(payout);
  }

  @Authorized(Access.ADVISOR)
  @Mutation(() => StripeConnectOnboarding, {
    description: 'Creates your Stripe Express account if you have none and returns a link to finish onboarding there',
  })
  async startStripeConnectOnboarding(@Ctx() ctx: Context): Promise<StripeConnectOnboarding> {
    return ctx.services.payouts.startOnboarding(ctx.requireActor());
  }
}
