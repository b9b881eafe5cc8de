import { Arg, Args, Authorized, Ctx, Query, Resolver } from 'type-graphql';
import { Access } from '../../auth/auth-checker';
import type { Context } from '../../context';
import { ForwardPageArgs, mapConnection } from '../../graphql/connection';
import { AuditEntryConnection, AuditLogFilter, toAuditEntryView } from './audit.types';

/** Reads only: the audit log has no mutation; entries are written by the actions they record. */
@Resolver()
export class AuditResolver {
  @Authorized(Access.ADMIN)
  @Query(() => AuditEntryConnection, { description: 'The audit log, newest first (admins)' })
  async auditLog(
    @Ctx() ctx: Context,
    @Args() { first, after }: ForwardPageArgs,
    @Arg('filter', () => AuditLogFilter, { nullable: true, description: 'Which entries; all by default' }) filter?: AuditLogFilter,
  ) {
    return mapConnection(await ctx.services.audit.list(ctx, filter, { first, after }), toAuditEntryView);
  }

  @Authorized()
  @Query(() => AuditEntryConnection, {
    description: 'The audit entries about your money as an advisor (earnings, refunds, adjustments, payouts), newest first',
  })
  async myAuditLog(@Ctx() ctx: Context, @Args() { first, after }: ForwardPageArgs) {
    return mapConnection(await ctx.services.audit.mine(ctx.readScope(), { first, after }), toAuditEntryView);
  }
}
