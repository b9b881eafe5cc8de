import {
  Arg,
  Args,
  Authorized,
  Ctx,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
  type SubscribeResolverData,
} from 'type-graphql';
import type { Context } from '../../context';
import { mapConnection, PageArgs } from '../../graphql/connection';
import { ConsultationView } from '../consultation/consultation.types';
import type { MessageAddedPayload } from './chat.events';
import type { MessageRow } from './chat.service';
import { ConsultationMessageConnection, ConsultationMessageView, toMessageView } from './chat.types';

/** One event reaches every local subscriber of its topic; its message is read once for all of them. */
const eventLoads = new WeakMap<object, Promise<MessageRow | null>>();

@Resolver()
export class ChatResolver {
  @Authorized()
  @Query(() => ConsultationMessageConnection, {
    description: 'The chat of a consultation you are a party to (or any, for admins), oldest first; `last` for the newest',
  })
  async consultationMessages(
    @Ctx() ctx: Context,
    @Arg('consultationId', () => ID, { description: 'The consultation id' }) consultationId: string,
    @Args() page: PageArgs,
  ) {
    const viewer = ctx.requireActor();
    const conn = await ctx.services.chat.list(ctx.readScope(), consultationId, page);
    return mapConnection(conn, (m) => toMessageView(m, viewer.id));
  }

  @Authorized()
  @Mutation(() => ConsultationMessageView, {
    description:
      'Write in the chat of a consultation, from its booking until 7 days after it ends (RATE_LIMITED past the per-minute limit)',
  })
  async sendConsultationMessage(
    @Ctx() ctx: Context,
    @Arg('consultationId', () => ID, { description: 'The consultation id' }) consultationId: string,
    @Arg('text', { description: 'The message, at most CHAT_MESSAGE_MAX_CHARS characters' }) text: string,
  ): Promise<ConsultationMessageView> {
    const actor = ctx.requireActor();
    return toMessageView(await ctx.services.chat.send(actor, consultationId, text), actor.id);
  }

  @Authorized()
  @Mutation(() => Int, { description: 'Mark every message of the chat read; answers how many were unread' })
  async markMessagesRead(
    @Ctx() ctx: Context,
    @Arg('consultationId', () => ID, { description: 'The consultation id' }) consultationId: string,
  ): Promise<number> {
    return ctx.services.chat.markRead(ctx.requireActor(), consultationId);
  }

  @Authorized()
  @Subscription(() => ConsultationMessageView, {
    description: 'New messages of a consultation’s chat, as they commit (its parties and admins only)',
    subscribe: async ({ args, context }: SubscribeResolverData<unknown, { consultationId: string }, Context>) =>
      // Refuses (NOT_FOUND) a consultation the viewer is no party to, before anything is sent.
      context.services.events.subscribe(await context.services.chat.topicFor(context.readScope(), args.consultationId)),
  })
  async consultationMessageAdded(
    @Root() event: MessageAddedPayload,
    @Ctx() ctx: Context,
    @Arg('consultationId', () => ID, { description: 'The consultation whose messages to receive' }) _consultationId: string,
  ): Promise<ConsultationMessageView> {
    const viewer = ctx.requireActor();
    let load = eventLoads.get(event);
    if (!load) {
      load = ctx.services.chat.message(ctx.services.orm.em.fork(), event.messageId);
      eventLoads.set(event, load);
    }
    const m = await load;
    if (!m) throw new Error(`message ${event.messageId} announced but not found`);
    return toMessageView(m, viewer.id);
  }
}

/** Unread chat messages on every view of a consultation, batched across a page (loaders.ts). */
@Resolver(() => ConsultationView)
export class ConsultationUnreadResolver {
  @FieldResolver(() => Int, { description: 'Chat messages from the other parties you have not read yet' })
  async unreadMessages(@Root() c: ConsultationView, @Ctx() ctx: Context): Promise<number> {
    return ctx.loaders.unreadMessages.load({ consultationId: c.id, userId: ctx.requireActor().id });
  }
}
