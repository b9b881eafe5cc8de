import type { EntityManager } from '@mikro-orm/postgresql';

/** The advisors table's hand-written SQL: only statements whose form buys a concurrency guarantee. */
export const advisorRepository = {
  /** Serialises two applications of one user (there is no row to lock yet), so the second sees the first. */
  async lockApplicationsOf(em: EntityManager, userId: string): Promise<void> {
    await em.execute('select pg_advisory_xact_lock(hashtext(?), 1)', [`advisor-apply:${userId}`]);
  },

  /**
   * A review's rating added to the totals in one UPDATE: it takes the row lock, so each concurrent
   * review adds to the row as the previous one left it and none is lost from the average.
   */
  async addRating(em: EntityManager, advisorId: string, rating: number): Promise<void> {
    await em.execute(
      `update advisors set rating_total = rating_total + ?, review_count = review_count + 1,
         rating = (rating_total + ?)::double precision / (review_count + 1), updated_at = now()
       where id = ?`,
      [rating, rating, advisorId],
    );
  },

  // The advisor columns the payout module asks for: the Stripe Connect account the payouts go to,
  // and what Stripe says of it. Each is one statement, so two callers at once cannot undo each other.

  /**
   * Records the advisor's Connect account unless one is recorded already (two clicks creating two
   * accounts at once); returns the account the advisor has now.
   */
  async setConnectAccountIfNone(em: EntityManager, advisorId: string, accountId: string): Promise<string> {
    await em.execute(
      `update advisors set stripe_connect_account_id = ?, updated_at = now() where id = ? and stripe_connect_account_id is null`,
      [accountId, advisorId],
    );
    const [row] = await em.execute<{ stripe_connect_account_id: string }[]>('select stripe_connect_account_id from advisors where id = ?', [
      advisorId,
    ]);
    return row!.stripe_connect_account_id;
  },

  /** What Stripe says of a Connect account, on the advisor it belongs to; returns that advisor's id, or null. */
  async setConnectAccountState(
    em: EntityManager,
    accountId: string,
    state: { detailsSubmitted: boolean; payoutsEnabled: boolean },
  ): Promise<string | null> {
    const [advisor] = await em.execute<{ id: string }[]>(
      `update advisors set stripe_details_submitted = ?, stripe_payouts_enabled = ?, updated_at = now()
       where stripe_connect_account_id = ? returning id`,
      [state.detailsSubmitted, state.payoutsEnabled, accountId],
    );
    return advisor?.id ?? null;
  },
};
