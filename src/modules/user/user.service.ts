import type { EntityManager } from '@mikro-orm/postgresql';
import type { Claims } from '../../auth/token';

/**
 * Keeps the users table in step with token claims. A user is written the first time a token is
 * seen and again only when its claims change, so an ordinary request costs no write.
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
       where (users.email, users.given_name, users.family_name, users.roles)
         is distinct from (excluded.email, excluded.given_name, excluded.family_name, excluded.roles)`,
      [claims.sub, claims.email, claims.givenName, claims.familyName, `{${claims.roles.join(',')}}`],
    );
    if (this.seen.size >= UserService.MAX_CACHED) this.seen.clear();
    this.seen.set(claims.sub, fingerprint);
  }

  /** Forget what was seen (a test that recreates its database needs users written again). */
  reset(): void {
    this.seen.clear();
  }
}
