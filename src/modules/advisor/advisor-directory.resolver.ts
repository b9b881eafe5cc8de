import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { Access } from '../../auth/auth-checker';
import type { Context } from '../../context';
import { ForwardPageArgs } from '../../graphql/connection';
import { AdminAdvisorConnection, AdminAdvisorFilter, AdminAdvisorOrder } from './advisor-directory.types';
import { AdvisorProfile, UpdateAdvisorProfileInput, toAdvisorProfile } from './advisor.types';

@Resolver()
export class AdvisorDirectoryResolver {
  @Authorized(Access.ADMIN)
  @Query(() => AdminAdvisorConnection, {
    description:
      'Advisors in any status with their ratings, consultations, earnings, unpaid balance, last payout and Connect state (admins)',
  })
  async adminAdvisors(
    @Ctx() ctx: Context,
    @Args() { first, after }: ForwardPageArgs,
    @Arg('filter', () => AdminAdvisorFilter, { nullable: true, description: 'Which advisors; all by default' }) filter?: AdminAdvisorFilter,
    @Arg('orderBy', () => AdminAdvisorOrder, { nullable: true, description: 'The order; NEWEST by default' }) orderBy?: AdminAdvisorOrder,
  ) {
    return ctx.services.advisorDirectory.list(ctx, filter, orderBy ?? AdminAdvisorOrder.NEWEST, { first, after });
  }

  @Authorized(Access.ADMIN)
  @Mutation(() => AdvisorProfile, {
    description: "Edit any advisor's profile; live at once, recorded in the audit log with the reason (admins)",
  })
  async adminUpdateAdvisorProfile(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { description: 'The advisor id' }) id: string,
    @Arg('input', { description: 'The changes' }) input: UpdateAdvisorProfileInput,
    @Arg('reason', () => String, { description: 'Why, kept in the audit log' }) reason: string,
  ) {
    return toAdvisorProfile(await ctx.services.advisors.adminUpdateProfile(ctx.requireActor(), id, input, reason));
  }
}
