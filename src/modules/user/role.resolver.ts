import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { Access } from '../../auth/auth-checker';
import { assertUuid } from '../../common/ids';
import type { Context } from '../../context';
import { GrantedRole } from './user-role.entity';
import { RoleGrant, toRoleGrant } from './role.types';

@Resolver()
export class RoleResolver {
  @Authorized(Access.ADMIN)
  @Query(() => [RoleGrant], { description: "Granted roles, oldest first: every user's, or one user's (admins)" })
  async roleGrants(
    @Ctx() ctx: Context,
    @Arg('userId', () => ID, { description: "Only this user's grants", nullable: true }) userId?: string,
  ) {
    return (await ctx.services.roles.list(ctx.em, userId)).map(toRoleGrant);
  }

  @Authorized(Access.ADMIN)
  @Mutation(() => RoleGrant, { description: 'Grants a role to a user who has signed in before; recorded in the audit log (admins)' })
  async grantRole(
    @Ctx() ctx: Context,
    @Arg('userId', () => ID, { description: 'The user (the token sub)' }) userId: string,
    @Arg('role', () => GrantedRole, { description: 'The role' }) role: GrantedRole,
    @Arg('reason', () => String, { description: 'Why, kept in the audit log', nullable: true }) reason?: string,
  ) {
    assertUuid(userId, 'userId');
    const grant = await ctx.services.roles.grant(ctx.requireActor(), userId, role, reason?.trim() || null);
    return toRoleGrant(grant);
  }

  @Authorized(Access.ADMIN)
  @Mutation(() => Boolean, {
    description: 'Revokes a role; effective from the next request. False when the user did not hold it. Recorded in the audit log (admins)',
  })
  async revokeRole(
    @Ctx() ctx: Context,
    @Arg('userId', () => ID, { description: 'The user (the token sub)' }) userId: string,
    @Arg('role', () => GrantedRole, { description: 'The role' }) role: GrantedRole,
    @Arg('reason', () => String, { description: 'Why, kept in the audit log', nullable: true }) reason?: string,
  ) {
    assertUuid(userId, 'userId');
    return ctx.services.roles.revoke(ctx.requireActor(), userId, role, reason?.trim() || null);
  }
}
