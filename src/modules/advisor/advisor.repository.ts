import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * The advisor columns other modules ask the advisor module to change: the Stripe Connect account
 * the payouts go to, and what Stripe says of it. Each is one statement, so two callers at once
 * cannot undo each other.
 */

/**
 * Records the advisor's Connect account unless one is recorded already (two clicks creating two
 * accounts at once); returns the account the advisor has now.
 */
export async function setConnectAccountIfNone(em: EntityManager, advisorId: string, accountId: string): Promise<string> {
  await em.execute(
    `update advisors set stripe_connect_account_id = ?, updated_at = now() where id = ? and stripe_connect_account_id is null`,
    [accountId, advisorId],
  );
  const [row] = await em.execute<{ stripe_connect_account_id: string }[]>('select stripe_connect_account_id from advisors where id = ?', [
    advisorId,
  ]);
  return row!.stripe_connect_account_id;
}

/** What Stripe says of a Connect account, on the advisor it belongs to; returns that advisor's id, or null. */
export async function setConnectAccountState(
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
}
