import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { Access } from '../../auth/auth-checker';
import type { Context } from '../../context';
import { AdvisorAvailability, SetWeeklyAvailabilityInput, WeeklyAvailability } from './availability.types';

@Resolver()
export class AvailabilityResolver {
  @Query(() => AdvisorAvailability, {
    description:
      'Free start times of an approved advisor in [from, to): Cal.com’s slots, or their weekly hours, minus live bookings and holds, within the minimum notice and the horizon',
  })
  async advisorAvailability(
    @Ctx() ctx: Context,
    @Arg('advisorId', () => ID, { description: 'The advisor id' }) advisorId: string,
    @Arg('from', { description: 'The first instant to look at' }) from: Date,
    @Arg('to', { description: 'The end of the range (exclusive), at most 31 days after from' }) to: Date,
    @Arg('durationMinutes', () => Int, { description: '15, 30 or 60' }) durationMinutes: number,
  ): Promise<AdvisorAvailability> {
    const a = await ctx.services.availability.slots(advisorId, from, to, durationMinutes);
    return { advisorId, durationMinutes, source: a.source, timeZone: a.timeZone, slots: a.starts };
  }

  @Authorized(Access.ADVISOR)
  @Query(() => WeeklyAvailability, { description: 'Your weekly hours (advisors)' })
  async myWeeklyAvailability(@Ctx() ctx: Context): Promise<WeeklyAvailability> {
    return ctx.services.availability.myWeekly(ctx.readScope());
  }

  @Authorized(Access.ADVISOR)
  @Mutation(() => WeeklyAvailability, {
    description: 'Replace your weekly hours (advisors), in local time of an IANA time zone; clients can then book only within them',
  })
  async setWeeklyAvailability(
    @Ctx() ctx: Context,
    @Arg('input', { description: 'Your weekly hours and time zone' }) input: SetWeeklyAvailabilityInput,
  ): Promise<WeeklyAvailability> {
    return ctx.services.availability.setWeekly(ctx.requireActor(), input);
  }
}
