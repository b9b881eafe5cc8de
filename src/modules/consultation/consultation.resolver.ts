import {
  Arg,
  Args,
  Authorized,
  Ctx,
  FieldResolver,
  ID,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
  type SubscribeResolverData,
} from 'type-graphql';
import { Access } from '../../auth/auth-checker';
import type { Context } from '../../context';
import { mapConnection, PageArgs, type ConnectionShape } from '../../graphql/connection';
import { nullIfNotFound } from '../../graphql/errors';
import { Consultation } from './consultation.entity';
import { topics, type StatusChangedPayload } from './consultation.events';
import {
  AdminConsultation,
  AdminConsultationsFilter,
  BookConsultationInput,
  BookConsultationPayload,
  ChargeView,
  ConsultationConnection,
  ConsultationParty,
  ConsultationStatusEvent,
  ConsultationView,
  MyConsultationsFilter,
  StatusChangeView,
  TimeFilter,
} from './consultation.types';
import {
  toAdminView,
  toChargeView,
  toClientView,
  toStatusChangeView,
  toView,
  type ChargeFields,
  type ConsultationFields,
} from './consultation.views';
import { readStatusEventCharge, readStatusEventRow } from './status-event.reads';
import type { Party } from './queries';

async function viewsOf(ctx: Context, conn: ConnectionShape<Consultation>, party: Party) {
  const charges = party === 'client' ? await ctx.loaders.chargeByConsultation.loadMany(conn.edges.map((e) => e.node.id)) : [];
  return mapConnection(conn, (c, i) => {
    const charge = charges[i];
    return toView(c, party, charge instanceof Error ? null : (charge ?? null));
  });
}

@Resolver()
export class ConsultationResolver {
  @Authorized(Access.CLIENT)
  @Mutation(() => BookConsultationPayload, { description: 'Book and pay for a consultation at the platform price' })
  async bookConsultation(
    @Ctx() ctx: Context,
    @Arg('input', { description: 'What to book' }) input: BookConsultationInput,
  ): Promise<BookConsultationPayload> {
    const { consultation, charge: known, clientSecret } = await ctx.services.consultations.booking.book(ctx.requireActor(), input);
    const charge = known ?? (await ctx.loaders.chargeByConsultation.load(consultation.id));
    return { consultation: toClientView(consultation, charge), clientSecret };
  }

  @Authorized()
  @Mutation(() => ConsultationView, { description: 'Cancel under the refund policy (client, advisor or admin)' })
  async cancelConsultation(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { description: 'The consultation id' }) id: string,
    @Arg('reason', () => String, { description: 'Why, shown to the other party', nullable: true }) reason?: string,
  ): Promise<ConsultationView> {
    const c = await ctx.services.consultations.actions.cancel(ctx.requireActor(), id, reason ?? null);
    return this.viewFor(ctx, c);
  }

  @Authorized(Access.ADMIN)
  @Mutation(() => AdminConsultation, { description: 'Mark a consultation whose start has passed as a no-show (no refund)' })
  async markNoShow(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'The consultation id' }) id: string) {
    return toAdminView(await ctx.services.consultations.actions.markNoShow(ctx.requireActor(), id));
  }

  @Authorized(Access.ADMIN)
  @Mutation(() => AdminConsultation, { description: 'Mark a consultation whose start has passed as completed; the advisor earns (admins)' })
  async completeConsultation(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'The consultation id' }) id: string) {
    return toAdminView(await ctx.services.consultations.actions.complete(ctx.requireActor(), id));
  }

  @Authorized(Access.ADMIN)
  @Mutation(() => AdminConsultation, { description: 'A discretionary full refund, at any time' })
  async refundConsultation(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { description: 'The consultation id' }) id: string,
    @Arg('reason', () => String, { description: 'Why, kept with the refund', nullable: true }) reason?: string,
  ) {
    return toAdminView(await ctx.services.consultations.actions.adminRefund(ctx.requireActor(), id, reason ?? null));
  }

  @Authorized()
  @Query(() => ConsultationView, {
    nullable: true,
    description: 'One consultation, in your own view of it; null when it does not exist or is not yours',
  })
  async consultation(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { description: 'The consultation id' }) id: string,
  ): Promise<ConsultationView | null> {
    const found = await nullIfNotFound(ctx.services.consultations.queries.get(ctx.readScope(), id));
    if (!found) return null;
    const { consultation, party } = found;
    const charge = party === 'client' ? await ctx.loaders.chargeByConsultation.load(consultation.id) : null;
    return toView(consultation, party, charge);
  }

  @Authorized()
  @Query(() => ConsultationConnection, { description: 'The consultations you booked (as CLIENT) or give (as ADVISOR)' })
  async myConsultations(
    @Ctx() ctx: Context,
    @Args() page: PageArgs,
    @Arg('filter', () => MyConsultationsFilter, { description: 'As client or advisor, status, upcoming or past', nullable: true })
    filter?: MyConsultationsFilter,
  ) {
    const as = filter?.as === ConsultationParty.ADVISOR ? 'advisor' : 'client';
    const when = filter?.when === TimeFilter.UPCOMING ? 'upcoming' : filter?.when === TimeFilter.PAST ? 'past' : undefined;
    const conn = await ctx.services.consultations.queries.listMine(ctx.readScope(), { as, status: filter?.status, when }, page);
    return viewsOf(ctx, conn, as);
  }

  @Authorized(Access.ADMIN)
  @Query(() => ConsultationConnection, { description: 'Search all consultations (admins)' })
  async adminConsultations(
    @Ctx() ctx: Context,
    @Args() page: PageArgs,
    @Arg('filter', () => AdminConsultationsFilter, { description: 'Which consultations; all by default', nullable: true })
    filter?: AdminConsultationsFilter,
  ) {
    const conn = await ctx.services.consultations.queries.adminList(ctx.readScope(), filter ?? {}, page);
    return viewsOf(ctx, conn, 'admin');
  }

  private async viewFor(ctx: Context, c: Consultation): Promise<ConsultationView> {
    const party = (await ctx.services.consultations.queries.partyOf(ctx.readScope(), c)) ?? 'client';
    const charge = party === 'client' ? await ctx.loaders.chargeByConsultation.load(c.id) : null;
    return toView(c, party, charge);
  }
}

/** The admin-only parts of a consultation, batched across a page. */
@Resolver(() => AdminConsultation)
export class AdminConsultationResolver {
  @FieldResolver(() => ChargeView, { description: "The client's payment; null before one was started", nullable: true })
  async charge(@Root() c: AdminConsultation, @Ctx() ctx: Context): Promise<ChargeView | null> {
    ctx.requireAdmin();
    const charge = await ctx.loaders.chargeByConsultation.load(c.id);
    if (!charge) return null;
    return toChargeView(charge, await ctx.loaders.refundsByCharge.load(charge.id));
  }

  @FieldResolver(() => [StatusChangeView], { description: 'Every status change, oldest first' })
  async statusHistory(@Root() c: AdminConsultation, @Ctx() ctx: Context): Promise<StatusChangeView[]> {
    ctx.requireAdmin();
    return (await ctx.loaders.historyByConsultation.load(c.id)).map(toStatusChangeView);
  }
}

interface EventLoad {
  /** A client's view shows the payment; nobody else's does. */
  withCharge: boolean;
  started: boolean;
  row: Promise<{ consultation: ConsultationFields; charge: ChargeFields | null }>;
  /** For a client whose turn came after the row was read without the charge (a lagging subscriber). */
  lateCharge?: Promise<ChargeFields | null>;
}

/**
 * One event object reaches every local subscriber of its topic; its consultation is read once
 * for all of them, not once per subscriber, in one statement that joins the charge only if a
 * client is among them.
 */
const eventLoads = new WeakMap<object, EventLoad>();

async function loadOnce(ctx: Context, event: StatusChangedPayload, party: Party) {
  let load = eventLoads.get(event);
  if (!load) {
    // Every group of subscribers executes the event in the turn of the event loop that received
    // it, so one statement after that turn knows whether any client is among them.
    const entry: EventLoad = { withCharge: false, started: false, row: null! };
    entry.row = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      entry.started = true;
      return readStatusEventRow(ctx.services.orm.em, event.consultationId, entry.withCharge);
    });
    eventLoads.set(event, (load = entry));
  }
  if (party !== 'client') return load.row;
  if (!load.started) load.withCharge = true;
  const { consultation, charge } = await load.row;
  if (load.withCharge) return { consultation, charge };
  return { consultation, charge: await (load.lateCharge ??= readStatusEventCharge(ctx.services.orm.em, event.consultationId)) };
}

/**
 * Live status over graphql-ws. Events are routed by topic (one consultation, one user, or all for
 * admins), so an event costs only its own subscribers; each is re-read in the viewer's view.
 */
@Resolver()
export class ConsultationSubscriptionResolver {
  @Authorized()
  @Subscription(() => ConsultationStatusEvent, {
    description: 'Status changes of your consultations (or of one), as they commit',
    subscribe: async ({ args, context }: SubscribeResolverData<unknown, { consultationId?: string | null }, Context>) => {
      const viewer = context.requireViewer();
      if (args.consultationId) {
        // Refuses (NOT_FOUND) a consultation the viewer is no party to, before anything is sent.
        const { consultation } = await context.services.consultations.queries.get(context.readScope(), args.consultationId);
        return context.services.events.subscribe(topics.consultation(consultation.id));
      }
      return context.services.events.subscribe(viewer.isAdmin ? topics.admin() : topics.user(viewer.id));
    },
  })
  async consultationStatusChanged(
    @Root() event: StatusChangedPayload,
    @Ctx() ctx: Context,
    @Arg('consultationId', () => ID, { description: 'Only this consultation; all of yours by default', nullable: true })
    _consultationId?: string,
  ): Promise<ConsultationStatusEvent> {
    const viewer = ctx.requireViewer();
    // The event says who the parties are, so telling the viewer's view needs no query per subscriber.
    const party = viewer.isAdmin ? 'admin' : viewer.id === event.clientId ? 'client' : viewer.id === event.advisorUserId ? 'advisor' : null;
    if (!party) throw new Error('event routed to a viewer who is no party to it');
    const { consultation: c, charge } = await loadOnce(ctx, event, party);
    return {
      consultation: toView(c, party, charge),
      previousStatus: event.previousStatus,
      status: event.status,
      changedAt: new Date(event.changedAt),
    };
  }
}
