import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Access } from '../../auth/auth-checker';
import type { Context } from '../../context';
import { mapConnection } from '../../graphql/connection';
import {
  LedgerCheckConnection,
  LedgerCheckView,
  LedgerFindingConnection,
  toLedgerCheckView,
  toLedgerFindingView,
} from './reconciliation.types';

@Resolver(() => LedgerCheckView)
export class ReconciliationResolver {
  @Authorized(Access.ADMIN)
  @Query(() => LedgerCheckConnection, { description: 'Ledger checks, the daily ones and those admins asked for, newest first' })
  async ledgerChecks(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { description: 'How many items, from 1 to 100', nullable: true }) first?: number,
    @Arg('after', () => String, { description: 'The items after this cursor (an `endCursor`)', nullable: true }) after?: string,
  ) {
    return mapConnection(await ctx.services.reconciliation.list(first, after), toLedgerCheckView);
  }

  @Authorized(Access.ADMIN)
  @Query(() => LedgerCheckView, { description: 'One ledger check with its findings' })
  async ledgerCheck(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'The check id' }) id: string): Promise<LedgerCheckView> {
    return toLedgerCheckView(await ctx.services.reconciliation.get(id));
  }

  @Authorized(Access.ADMIN)
  @Mutation(() => LedgerCheckView, {
    description:
      'Queue a ledger check of the days from `from` to `to` (YYYY-MM-DD, both included, UTC); by default the last 30 days up to now',
  })
  async runLedgerCheck(
    @Ctx() ctx: Context,
    @Arg('from', () => String, { description: 'First day, YYYY-MM-DD (UTC); 30 days ago by default', nullable: true }) from?: string,
    @Arg('to', () => String, { description: 'Last day, YYYY-MM-DD (UTC); today by default', nullable: true }) to?: string,
  ): Promise<LedgerCheckView> {
    return toLedgerCheckView(await ctx.services.reconciliation.queue(ctx.requireActor(), { from, to }));
  }

  @Authorized(Access.ADMIN)
  @FieldResolver(() => LedgerFindingConnection, { description: 'The differences found, in the order the check reports them' })
  async findings(
    @Root() check: LedgerCheckView,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { description: 'How many items, from 1 to 100', nullable: true }) first?: number,
    @Arg('after', () => String, { description: 'The items after this cursor (an `endCursor`)', nullable: true }) after?: string,
  ) {
    return mapConnection(await ctx.services.reconciliation.findings(check.id, first, after), toLedgerFindingView);
  }
}
