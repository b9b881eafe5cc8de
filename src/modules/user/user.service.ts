import type { EntityManager } from '@mikro-orm/postgresql';
import type { Claims } from '../../auth/token';

/**
 * Keeps the users table in step with token claims. A user is written the first time a token is
 * seen and again only when its claims change, so an ordinary request costs no write. An erased
 * user's row is never written again from claims.
 */
export class UserService {
  private readonly seen = new Map<string, string>();
  private static readonly MAX_CACHED = 10_000;

  async syncFromClaims(em: EntityManager, claims: Claims): Promise<void> {
    const fingerprint = JSON.stringify([claims.email, claims.givenName, claims.familyName, claims.roles]);
    if (this.seen.get(claims.sub) === fingerprint) return;
    await em.execute(
      `insert into users (id, email, given_name, family_name, roles)
       values (?, ?, ?, ?, ?::text[])
       on conflict (id) do update set email = excluded.email, given_name = excluded.given_name,
         family_name = excluded.family_name, roles = excluded.roles, updated_at = now()
       where users.erased_at is null and (users.email, users.given_name, users.family_name, users.roles)
         is distinct from (excluded.email, excluded.given_name, excluded.family_name, excluded.roles)`,
      [claims.sub, claims.email, claims.givenName, claims.familyName, `{${claims.roles.join(',')}}`],
    );
    if (this.seen.size >= UserService.MAX_CACHED) this.seen.clear();
    this.seen.set(claims.sub, fingerprint);
  }

  /**
   * What the database says of a signed-in user, in one statement per request: whether user_roles
   * makes them an admin, and whether their data was erased (their tokens are then refused).
   */
  async standing(em: EntityManager, userId: string): Promise<{ isAdmin: boolean; erased: boolean }> {
    const [row] = await em.execute<{ is_admin: boolean; erased: boolean }[]>(
      `select exists (select 1 from user_roles where user_id = ? and role = 'admin') as is_admin,
         exists (select 1 from users where id = ? and erased_at is not null) as erased`,
      [userId, userId],
    );
    return { isAdmin: !!row?.is_admin, erased: !!row?.erased };
  }

  /** Forget what was seen (a test that recreates its database needs users written again). */
  reset(): void {
    this.seen.clear();
  }
}
