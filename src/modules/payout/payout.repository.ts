import type { EntityManager } from '@mikro-orm/postgresql';
import type { Actor } from '../../common/actor';
import { enqueueEach } from '../../jobs/queue';
import { auditEachSql } from '../audit/audit.service';

/**
 * The payout statements that buy a concurrency guarantee; everything else goes through MikroORM.
 */

/** Serialises payout generation (all advisors at once) to the caller's commit. */
export async function lockPayoutGeneration(em: EntityManager): Promise<void> {
  await em.execute('select pg_advisory_xact_lock(hashtext(?), 2)', ['payout-generation']);
}

/**
 * The month's payouts for every advisor, in one statement: each advisor's entries accrued before
 * `before` that are in no payout yet are summed; an advisor with a positive sum and no payout for
 * the month gets one for exactly that sum, exactly those entries point at it, and each new payout
 * gets its `payout.generate` audit entry. A sum of zero or less makes no payout. Run after
 * {@link lockPayoutGeneration}, so a second run sees the first one's payouts (and the unique
 * advisor+month is the last word). This statement writes ledger_entries.payout_id beside the
 * payout it creates: that pairing is the exactly-once guarantee, so it is not split.
 *
 * The sum and the assignment read the same snapshot, so an entry written meanwhile is in neither
 * and waits for the next payout. An entry changed meanwhile by someone else is re-checked by the
 * UPDATE and skipped if no longer unpaid; the statement then reports the payout whose entries do
 * not add up to its total, and the caller must roll back. This replaces a FOR UPDATE of every
 * unpaid entry ahead of the UPDATE, which locked each row twice.
 */
export async function createPayoutsForUnpaid(
  em: EntityManager,
  actor: Actor,
  payoutMonth: string,
  before: Date,
): Promise<{ created: number; mismatched: number }> {
  const audit = auditEachSql(actor, {
    action: 'payout.generate',
    subjectType: 'payout',
    subjectId: 'id',
    advisorId: 'advisor_id',
    after: `jsonb_build_object('status', status, 'totalCents', total_cents, 'month', to_char(payout_month, 'YYYY-MM'))`,
    from: 'created',
  });
  const [row] = await em.execute<{ created: number; mismatched: number }[]>(
    `with created as (
       insert into advisor_payouts (id, advisor_id, payout_month, total_cents, currency, status, attempts, created_at, updated_at)
       select gen_random_uuid(), sums.advisor_id, ?::date, sums.total, 'USD', 'pending', 0, now(), now()
       from (
         select advisor_id, sum(amount_cents) as total from ledger_entries
         where payout_id is null and accrued_at < ?
         group by advisor_id having sum(amount_cents) > 0
       ) sums
       where not exists (select 1 from advisor_payouts p where p.advisor_id = sums.advisor_id and p.payout_month = ?::date)
       on conflict (advisor_id, payout_month) do nothing
       returning id, advisor_id, payout_month, total_cents, status
     ), assigned as (
       update ledger_entries le set payout_id = created.id
       from created
       where le.advisor_id = created.advisor_id and le.payout_id is null and le.accrued_at < ?
       returning le.payout_id, le.amount_cents
     ), audited as (
       ${audit.sql}
     )
     select (select count(*) from created)::int as created,
            (select count(*) from created
               left join (select payout_id, sum(amount_cents) as total from assigned group by payout_id) paid on paid.payout_id = created.id
               where paid.total is distinct from created.total_cents)::int as mismatched`,
    [payoutMonth, before, payoutMonth, before, ...audit.params],
  );
  return { created: row!.created, mismatched: row!.mismatched };
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
