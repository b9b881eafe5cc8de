import type { EntityManager } from '@mikro-orm/postgresql';
import { enqueueEach } from '../../jobs/queue';

/**
 * The payout statements that buy a concurrency guarantee; everything else goes through MikroORM.
 */

/** Serialises payout generation (all advisors at once) to the caller's commit. */
export async function lockPayoutGeneration(em: EntityManager): Promise<void> {
  await em.execute('select pg_advisory_xact_lock(hashtext(?), 2)', ['payout-generation']);
}

/**
 * The month's payouts for every advisor, in one statement: each advisor's entries accrued before
 * `before` that are in no payout yet are locked and summed; an advisor with a positive sum and no
 * payout for the month gets one for exactly that sum, and exactly those entries point at it. An
 * entry written meanwhile is not picked and waits for the next payout; a sum of zero or less makes
 * no payout. Run after {@link lockPayoutGeneration}, so a second run sees the first one's payouts
 * (and the unique advisor+month is the last word). This statement writes ledger_entries.payout_id
 * beside the payout it creates: that pairing is the exactly-once guarantee, so it is not split.
 * Returns the new payouts' ids in advisor order.
 */
export async function createPayoutsForUnpaid(
  em: EntityManager,
  payoutMonth: string,
  before: Date,
): Promise<{ id: string; advisorId: string; totalCents: number }[]> {
  const rows = await em.execute<{ id: string; advisor_id: string; total_cents: string }[]>(
    `with unpaid as (
       select le.id, le.advisor_id, le.amount_cents from ledger_entries le
       where le.payout_id is null and le.accrued_at < ?
         and not exists (select 1 from advisor_payouts p where p.advisor_id = le.advisor_id and p.payout_month = ?::date)
       for update of le
     ), sums as (
       select advisor_id, sum(amount_cents)::bigint as total from unpaid group by advisor_id having sum(amount_cents) > 0
     ), created as (
       insert into advisor_payouts (id, advisor_id, payout_month, total_cents, currency, status, attempts, created_at, updated_at)
       select gen_random_uuid(), advisor_id, ?::date, total, 'USD', 'pending', 0, now(), now() from sums
       on conflict (advisor_id, payout_month) do nothing
       returning id, advisor_id, total_cents
     ), assigned as (
       update ledger_entries le set payout_id = created.id
       from unpaid join created on created.advisor_id = unpaid.advisor_id
       where le.id = unpaid.id
       returning le.id
     )
     select id, advisor_id, total_cents from created order by advisor_id`,
    [before, payoutMonth, payoutMonth],
  );
  return rows.map((r) => ({ id: r.id, advisorId: r.advisor_id, totalCents: Number(r.total_cents) }));
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
