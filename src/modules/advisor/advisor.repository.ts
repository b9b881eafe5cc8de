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
};
