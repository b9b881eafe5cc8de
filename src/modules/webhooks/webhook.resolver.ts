import { Arg, Args, Authorized, Ctx, Field, ID, Int, Mutation, ObjectType, Query, registerEnumType, Resolver } from 'type-graphql';
import { Access } from '../../auth/auth-checker';
import type { Context } from '../../context';
import { Connection, ForwardPageArgs, mapConnection } from '../../graphql/connection';
import { WebhookEvent, WebhookEventStatus, WebhookProvider } from './webhook-event.entity';

registerEnumType(WebhookEventStatus, {
  name: 'WebhookEventStatus',
  description: 'What became of a webhook delivery',
  valuesConfig: {
    FAILED: { description: 'Processing failed; can be retried' },
    IGNORED: { description: 'Verified but changed nothing (see ignoredReason)' },
    PROCESSED: { description: 'Processed' },
    RECEIVED: { description: 'Recorded, waiting to be processed' },
  },
});
registerEnumType(WebhookProvider, {
  name: 'WebhookProvider',
  description: 'Who sent a webhook',
  valuesConfig: { CALCOM: { description: 'Cal.com' }, STRIPE: { description: 'Stripe' } },
});

@ObjectType('WebhookEvent', { description: 'A verified webhook delivery and what became of it (admins)' })
export class WebhookEventView {
  @Field(() => ID, { description: 'The delivery id' }) id!: string;
  @Field(() => WebhookProvider, { description: 'Who sent it' }) provider!: WebhookProvider;
  @Field({ description: "The sender's event id (unique per provider)" }) eventId!: string;
  @Field({ description: "The sender's event type, e.g. payment_intent.succeeded" }) eventType!: string;
  @Field(() => WebhookEventStatus, { description: 'What became of it' }) status!: WebhookEventStatus;
  @Field(() => Int, { description: 'Processing attempts so far' }) attempts!: number;
  @Field(() => String, { description: 'The last processing error', nullable: true }) lastError!: string | null;
  @Field(() => String, { nullable: true, description: 'Why an IGNORED event changed nothing' }) ignoredReason!: string | null;
  @Field({ description: 'When it arrived' }) receivedAt!: Date;
  @Field(() => Date, { description: 'When it was processed', nullable: true }) processedAt!: Date | null;
}

const toView = (e: WebhookEvent): WebhookEventView => ({
  id: e.id,
  provider: e.provider,
  eventId: e.eventId,
  eventType: e.eventType,
  status: e.status,
  attempts: e.attempts,
  lastError: e.lastError,
  ignoredReason: e.ignoredReason,
  receivedAt: e.receivedAt,
  processedAt: e.processedAt,
});

const WebhookEventConnection = Connection(WebhookEventView, 'WebhookEvent');

@Resolver()
export class WebhookResolver {
  @Authorized(Access.ADMIN)
  @Query(() => WebhookEventConnection, { description: 'Webhook deliveries, newest first; FAILED ones need attention' })
  async webhookEvents(
    @Ctx() ctx: Context,
    @Args() { first, after }: ForwardPageArgs,
    @Arg('status', () => WebhookEventStatus, { description: 'Only this status', nullable: true }) status?: WebhookEventStatus,
  ) {
    return mapConnection(await ctx.services.webhooks.list(status, first, after), toView);
  }

  @Authorized(Access.ADMIN)
  @Mutation(() => WebhookEventView, { description: 'Process a FAILED webhook event again' })
  async retryWebhookEvent(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'The webhook delivery id' }) id: string) {
    return toView(await ctx.services.webhooks.retry(ctx.requireActor(), id));
  }
}
