import type { EntityManager } from '@mikro-orm/postgresql';
import { actorUserId, type Actor } from '../../common/actor';
import { badInput, conflict, notFound } from '../../common/errors';
import { isUuid } from '../../common/ids';
import { auditLog } from '../audit/audit.service';
import { User } from './user.entity';
import { GrantedRole, UserRole } from './user-role.entity';

const EMAIL = /^[^\s@]+@[^\s@]+$/;

/**
 * The user module owns user_roles: grants and revocations (each recorded in audit_log in the
 * same transaction), the list, and the per-request question "is this user an admin". Admin-only
 * on the API (@Authorized on the resolver); the operator grants the first admin from the command
 * line (scripts/admin-grant.ts) through the same `grant`.
 */
export class RoleService {
  constructor(private readonly deps: { em: () => EntityManager }) {}

  /** One indexed lookup (user_roles_user_role_unique), made once per request. */
  async isAdmin(em: EntityManager, userId: string): Promise<boolean> {
    const rows = await em.execute<{ one: number }[]>('select 1 as one from user_roles where user_id = ? and role = ? limit 1', [
      userId,
      GrantedRole.ADMIN,
    ]);
    return rows.length > 0;
  }

  /**
   * Grants a role to a user named by id or email (who must have signed in once, so the users row
   * exists). Granting a role the user holds changes nothing and records nothing.
   */
  async grant(actor: Actor, userRef: string, role: GrantedRole, reason: string | null = null): Promise<UserRole> {
    return this.withRole(userRef, role, reason, async (em, user, existing) => {
      if (existing) return existing;
      const before = await heldRoles(em, user.id);
      const grantedBy = actorUserId(actor);
      const grant = new UserRole(user, role, grantedBy ? em.getReference(User, grantedBy) : null);
      em.persist(grant);
      auditLog.record(em, actor, {
        action: 'role.grant',
        subjectType: 'user',
        subjectId: user.id,
        reason,
        before: { roles: before },
        after: { roles: [...before, role].sort() },
      });
      return grant;
    });
  }

  /** Revokes a role; false (and nothing recorded) when the user did not hold it. */
  async revoke(actor: Actor, userRef: string, role: GrantedRole, reason: string | null = null): Promise<boolean> {
    return this.withRole(userRef, role, reason, async (em, user, existing) => {
      if (!existing) return false;
      const before = await heldRoles(em, user.id);
      em.remove(existing);
      auditLog.record(em, actor, {
        action: 'role.revoke',
        subjectType: 'user',
        subjectId: user.id,
        reason,
        before: { roles: before },
        after: { roles: before.filter((r) => r !== role) },
      });
      return true;
    });
  }

  /**
   * Runs `fn` in a transaction with the user found and their grant of `role` (or null), with
   * grants and revocations of that role of that user serialised, so each audit row tells the truth.
   */
  private withRole<T>(
    userRef: string,
    role: GrantedRole,
    reason: string | null,
    fn: (em: EntityManager, user: User, existing: UserRole | null) => Promise<T>,
  ): Promise<T> {
    if (reason && reason.length > 1000) throw badInput('reason', 'must be at most 1000 characters');
    return this.deps.em().transactional(async (em) => {
      const user = await findUser(em, userRef);
      await em.execute('select pg_advisory_xact_lock(hashtext(?), 4)', [`user-role:${user.id}:${role}`]);
      return fn(em, user, await em.findOne(UserRole, { user: user.id, role }));
    });
  }

  /** Every grant, or one user's, oldest first (admins; the resolver checks the role). */
  async list(em: EntityManager, userId?: string | null): Promise<UserRole[]> {
    if (userId && !isUuid(userId)) throw badInput('userId', 'must be a UUID');
    return em.find(UserRole, userId ? { user: userId } : {}, { populate: ['user'], orderBy: { grantedAt: 'asc', id: 'asc' } });
  }
}

/** A user by id, or by email (case-insensitive) when exactly one user has it. */
async function findUser(em: EntityManager, ref: string): Promise<User> {
  const value = ref.trim();
  if (isUuid(value)) {
    const user = await em.findOne(User, { id: value.toLowerCase() });
    if (!user) throw notFound('User');
    return user;
  }
  if (!EMAIL.test(value)) throw badInput('user', 'must be a user id (UUID) or an email address');
  const users = await em.find(User, { email: { $ilike: value.replace(/[\\%_]/g, (c) => `\\${c}`) } }, { limit: 2 });
  if (users.length > 1) throw conflict('Several users have this email; name the user by id');
  if (!users[0]) throw notFound('User');
  return users[0];
}

async function heldRoles(em: EntityManager, userId: string): Promise<string[]> {
  const rows = await em.find(UserRole, { user: userId }, { fields: ['role'], orderBy: { role: 'asc' } });
  return rows.map((r) => r.role);
}
