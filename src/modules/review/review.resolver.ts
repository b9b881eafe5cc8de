import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import type { Context } from '../../context';
import { mapConnection, PageArgs } from '../../graphql/connection';
import { AdvisorPublic } from '../advisor/advisor.types';
import { reviewPageKey } from './review.service';
import { ReviewConnection, ReviewInput, ReviewView, toReviewView } from './review.types';

@Resolver()
export class ReviewResolver {
  @Authorized()
  @Mutation(() => ReviewView, { description: 'Review a completed consultation you booked, once' })
  async reviewConsultation(
    @Ctx() ctx: Context,
    @Arg('consultationId', () => ID, { description: 'The completed consultation you booked' }) consultationId: string,
    @Arg('input', { description: 'Your ratings and text' }) input: ReviewInput,
  ): Promise<ReviewView> {
    return toReviewView(await ctx.services.reviews.review(ctx.requireActor(), consultationId, input));
  }
}

/** Reviews on the public advisor profile, batched across a page of advisors by the request's loader. */
@Resolver(() => AdvisorPublic)
export class AdvisorReviewsResolver {
  @FieldResolver(() => ReviewConnection, { description: 'Reviews, newest first (10 by default)' })
  async reviews(@Root() advisor: AdvisorPublic, @Ctx() ctx: Context, @Args() page: PageArgs) {
    return mapConnection(await ctx.loaders.reviewsByAdvisor.load(reviewPageKey(advisor.id, page)), toReviewView);
  }
}
