import { Arg, Args, Authorized, Ctx, Field, ID, Int, Mutation, ObjectType, Query, registerEnumType, Resolver } from 'type-graphql';
import { Access } from '../../auth/auth-checker';
import type { Context } from '../../context';
import { Connection, ForwardPageArgs, mapConnection } from '../../graphql/connection';
import { WebhookEvent, WebhookEventStatus, WebhookProvider } from './webhook-event.entity';

registerEnumType(WebhookEventStatus, { name: 'WebhookEventStatus' });
registerEnumType(WebhookProvider, { name: 'WebhookProvider' });

@ObjectType('WebhookEvent', { description: 'A verified webhook delivery and what became of it (admins)' })
export class WebhookEventView {
  @Field(() => ID) id!: string;
  @Field(() => WebhookProvider) provider!: WebhookProvider;
  @Field() eventId!: string;
  @Field() eventType!: string;
  @Field(() => WebhookEventStatus) status!: WebhookEventStatus;
  @Field(() => Int) attempts!: number;
  @Field(() => String, { nullable: true }) lastError!: string | null;
  @Field(() => String, { nullable: true, description: 'Why an IGNORED event changed nothing' }) ignoredReason!: string | null;
  @Field() receivedAt!: Date;
  @Field(() => Date, { nullable: true }) processedAt!: Date | null;
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
    @Arg('status', () => WebhookEventStatus, { nullable: true }) status?: WebhookEventStatus,
  ) {
    return mapConnection(await ctx.services.webhooks.list(status, first, after), toView);
  }

  @Authorized(Access.ADMIN)
  @Mutation(() => WebhookEventView, { description: 'Process a FAILED webhook event again' })
  async retryWebhookEvent(@Ctx() ctx: Context, @Arg('id', () => ID) id: string) {
    return toView(await ctx.services.webhooks.retry(id));
  }
}
