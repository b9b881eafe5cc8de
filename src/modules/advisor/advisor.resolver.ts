import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Access } from '../../auth/auth-checker';
import type { Context } from '../../context';
import { ForwardPageArgs, mapConnection } from '../../graphql/connection';
import { nullIfNotFound } from '../../graphql/errors';
import {
  AdvisorConnection,
  AdvisorFilter,
  AdvisorProfile,
  AdvisorProfileConnection,
  AdvisorPublic,
  AdvisorStatusChangeView,
  ApplyAsAdvisorInput,
  UpdateAdvisorProfileInput,
  toAdvisorProfile,
  toPublicAdvisor,
  toStatusChangeView,
} from './advisor.types';
import { changesNeedReview } from './profile-review';
import { AdvisorProfileChangeConnection, AdvisorProfileChangeView, toProfileChangeView } from './profile-change.types';

@Resolver()
export class AdvisorResolver {
  @Query(() => AdvisorConnection, { description: 'Search approved advisors' })
  async advisors(
    @Ctx() ctx: Context,
    @Args() { first, after }: ForwardPageArgs,
    @Arg('filter', () => AdvisorFilter, { description: 'Which advisors; all approved ones by default', nullable: true })
    filter?: AdvisorFilter,
  ) {
    return mapConnection(await ctx.services.advisors.search(ctx, filter, first, after), toPublicAdvisor);
  }

  @Query(() => AdvisorPublic, {
    nullable: true,
    description: 'Public profile of an approved advisor; null when there is none with this id (or it is not approved)',
  })
  async advisor(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'The advisor id' }) id: string) {
    const advisor = await ctx.services.advisors.publicProfile(ctx, id);
    return advisor && toPublicAdvisor(advisor);
  }

  @Authorized()
  @Query(() => AdvisorProfile, { nullable: true, description: 'Your own advisor profile, if you applied' })
  async myAdvisorProfile(@Ctx() ctx: Context) {
    const advisor = await ctx.services.advisors.myProfile(ctx.readScope());
    return advisor && toAdvisorProfile(advisor);
  }

  @Authorized()
  @Mutation(() => AdvisorProfile, { description: 'Apply to become an advisor (again, after a rejection)' })
  async applyAsAdvisor(@Ctx() ctx: Context, @Arg('input', { description: 'Your application' }) input: ApplyAsAdvisorInput) {
    return toAdvisorProfile(await ctx.services.advisors.apply(ctx.requireActor(), input));
  }

  @Authorized()
  @Mutation(() => AdvisorProfile, { description: 'Change your advisor profile' })
  async updateAdvisorProfile(@Ctx() ctx: Context, @Arg('input', { description: 'The changes' }) input: UpdateAdvisorProfileInput) {
    return toAdvisorProfile(await ctx.services.advisors.updateProfile(ctx.requireActor(), input));
  }

  @Authorized(Access.ADVISOR)
  @Mutation(() => AdvisorProfile, { description: 'Take new bookings, or stop taking them (advisors)' })
  async setAcceptingBookings(@Ctx() ctx: Context, @Arg('accepting', { description: 'true to take new bookings' }) accepting: boolean) {
    return toAdvisorProfile(await ctx.services.advisors.setAcceptingBookings(ctx.requireActor(), accepting));
  }

  @Authorized(Access.ADMIN)
  @Query(() => AdvisorProfileConnection, { description: 'Pending applications, oldest first' })
  async advisorApplications(@Ctx() ctx: Context, @Args() { first, after }: ForwardPageArgs) {
    return mapConnection(await ctx.services.advisors.applications(ctx, first, after), toAdvisorProfile);
  }

  @Authorized(Access.ADMIN)
  @Query(() => AdvisorProfile, { nullable: true, description: 'Any advisor, in any status (admins); null when there is none with this id' })
  async adminAdvisor(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'The advisor id' }) id: string) {
    const advisor = await nullIfNotFound(ctx.services.advisors.profileForAdmin(ctx.readScope(), id));
    return advisor && toAdvisorProfile(advisor);
  }

  @Authorized(Access.ADMIN)
  @Query(() => [AdvisorStatusChangeView], { description: 'Every approval decision about an advisor, oldest first' })
  async advisorStatusHistory(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'The advisor id' }) id: string) {
    return (await ctx.services.advisors.statusHistory(ctx, id)).map(toStatusChangeView);
  }

  @Authorized(Access.ADMIN)
  @Mutation(() => AdvisorProfile, { description: 'Approve a pending application (admins)' })
  async approveAdvisor(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { description: 'The advisor id' }) id: string,
    @Arg('note', () => String, { description: 'A note kept with the decision and sent to the advisor', nullable: true }) note?: string,
  ) {
    return this.decide(ctx, id, 'approve', note);
  }

  @Authorized(Access.ADMIN)
  @Mutation(() => AdvisorProfile, { description: 'Turn down a pending application (admins)' })
  async rejectAdvisor(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { description: 'The advisor id' }) id: string,
    @Arg('note', () => String, { description: 'A note kept with the decision and sent to the applicant', nullable: true }) note?: string,
  ) {
    return this.decide(ctx, id, 'reject', note);
  }

  @Authorized(Access.ADMIN)
  @Mutation(() => AdvisorProfile, { description: 'Hide an approved advisor from search and bookings (admins)' })
  async suspendAdvisor(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { description: 'The advisor id' }) id: string,
    @Arg('note', () => String, { description: 'Why, kept with the decision', nullable: true }) note?: string,
  ) {
    return this.decide(ctx, id, 'suspend', note);
  }

  @Authorized(Access.ADMIN)
  @Mutation(() => AdvisorProfile, { description: 'List a suspended advisor again (admins)' })
  async reactivateAdvisor(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { description: 'The advisor id' }) id: string,
    @Arg('note', () => String, { description: 'A note kept with the decision', nullable: true }) note?: string,
  ) {
    return this.decide(ctx, id, 'reactivate', note);
  }

  @Authorized(Access.ADMIN)
  @Query(() => AdvisorProfileChangeConnection, {
    description: "Approved advisors' changes of display name or booking link waiting for a decision, oldest first",
  })
  async pendingAdvisorProfileChanges(@Ctx() ctx: Context, @Args() { first, after }: ForwardPageArgs) {
    return mapConnection(await ctx.services.profileReview.pending(ctx, first, after), toProfileChangeView);
  }

  @Authorized(Access.ADMIN)
  @Mutation(() => AdvisorProfileChangeView, {
    description: 'The requested display name or booking link goes live; recorded in the audit log',
  })
  async approveAdvisorProfileChange(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { description: 'The profile change id' }) id: string,
    @Arg('note', () => String, { description: 'Why, kept in the audit log', nullable: true }) note?: string,
  ) {
    return toProfileChangeView(await ctx.services.profileReview.decide(ctx.requireActor(), id, 'approve', note?.trim() || null));
  }

  @Authorized(Access.ADMIN)
  @Mutation(() => AdvisorProfileChangeView, { description: 'The live profile keeps its values; recorded in the audit log' })
  async rejectAdvisorProfileChange(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { description: 'The profile change id' }) id: string,
    @Arg('note', () => String, { description: 'Why, kept in the audit log', nullable: true }) note?: string,
  ) {
    return toProfileChangeView(await ctx.services.profileReview.decide(ctx.requireActor(), id, 'reject', note?.trim() || null));
  }

  private async decide(ctx: Context, id: string, action: 'approve' | 'reject' | 'suspend' | 'reactivate', note?: string) {
    return toAdvisorProfile(await ctx.services.advisors.decide(ctx.requireActor(), id, action, note?.trim() || null));
  }
}

/** What an advisor (or an admin) sees of the advisor's change waiting for review. */
@Resolver(() => AdvisorProfile)
export class AdvisorProfileReviewResolver {
  @FieldResolver(() => AdvisorProfileChangeView, {
    nullable: true,
    description: 'A change of display name or booking link waiting for an admin; the fields above are the live values',
  })
  async pendingProfileChange(@Ctx() ctx: Context, @Root() profile: AdvisorProfile) {
    if (!changesNeedReview(profile)) return null;
    const change = await ctx.services.profileReview.pendingFor(ctx.em, profile.id);
    return change && toProfileChangeView(change);
  }
}
