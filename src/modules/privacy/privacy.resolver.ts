import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { Access } from '../../auth/auth-checker';
import type { Context } from '../../context';

@Resolver()
export class PrivacyResolver {
  @Authorized()
  @Query(() => String, {
    description:
      'Everything held about you, as one JSON document: profile, consultations (your view), payments and refunds, reviews written, emails sent, chat messages, audit entries about you',
  })
  async exportMyData(@Ctx() ctx: Context) {
    return ctx.services.privacy.exportFor(ctx.readScope());
  }

  @Authorized()
  @Mutation(() => Boolean, {
    description:
      'Erase your personal data; money records stay, anonymized, and your sign-in stops working. Refused (CONFLICT, reason LIVE_CONSULTATIONS) while a consultation is live',
  })
  async deleteMyAccount(@Ctx() ctx: Context) {
    const actor = ctx.requireActor();
    return ctx.services.privacy.erase(actor, actor.id, 'Deleted by the user');
  }

  @Authorized(Access.ADMIN)
  @Mutation(() => Boolean, { description: "Erase a user's personal data, as deleteMyAccount does; recorded in the audit log (admins)" })
  async eraseUser(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { description: 'The user id' }) id: string,
    @Arg('reason', () => String, { description: 'Why, kept in the audit log' }) reason: string,
  ) {
    return ctx.services.privacy.erase(ctx.requireActor(), id, reason.trim() || null);
  }
}
