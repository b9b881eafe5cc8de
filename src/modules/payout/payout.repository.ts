import type { EntityManager } from '@mikro-orm/postgresql';
import { enqueueEach } from '../../jobs/queue';

/**
 * The payout statements that buy a concurrency guarantee; everything else goes through MikroORM.
 */

/** Serialises payout generation per advisor, to the caller's commit. */
export async function lockAdvisorPayouts(em: EntityManager, advisorId: string): Promise<void> {
  await em.execute('select pg_advisory_xact_lock(hashtext(?), 2)', [`advisor-payout:${advisorId}`]);
}

/** Creates the month's payout unless the advisor has one (the unique advisor+month); returns its id, or null. */
export async function insertPayoutIfNone(
  em: EntityManager,
  input: { advisorId: string; payoutMonth: string; totalCents: number },
): Promise<string | null> {
  const [row] = await em.execute<{ id: string }[]>(
    `insert into advisor_payouts (id, advisor_id, payout_month, total_cents, currency, status, attempts, created_at, updated_at)
     values (gen_random_uuid(), ?, ?::date, ?, 'USD', 'pending', 0, now(), now())
     on conflict (advisor_id, payout_month) do nothing
     returning id`,
    [input.advisorId, input.payoutMonth, input.totalCents],
  );
  return row?.id ?? null;
}

/** One process_payout job per payout matching `where` (an SQL condition on advisor_payouts), keyed by payout. */
export function queuePayouts(em: EntityManager, where: string, params: unknown[]): Promise<number> {
  return enqueueEach(em, 'process_payout', {
    payload: { payoutId: 'id::text' },
    from: `advisor_payouts where ${where}`,
    params,
    jobKey: `'process-payout:' || id::text`,
    maxAttempts: 5,
  });
}
