import type { EntityManager } from '@mikro-orm/postgresql';
import { StateMachine } from '../../common/state-machine';
import type { Advisor } from '../advisor/advisor.entity';
import type { Month } from '../finance/month';
import { User } from '../user/user.entity';
import { AdvisorPayout, PayoutStatus as P, PayoutStatusChange } from './payout.entity';

/**
 * The payout lifecycle, listed once. Every status change goes through `changePayoutStatus`, which
 * checks it here and records it in `payout_status_changes`.
 *
 *   PENDING    -> PROCESSING (transfer sent) | ON_HOLD (no Connect account or payouts disabled)
 *   ON_HOLD    -> PROCESSING | ON_HOLD (reason updated)
 *   PROCESSING -> PAID (Stripe made the transfer) | FAILED (Stripe refused, or gave no answer)
 *   FAILED     -> PROCESSING (retried) | ON_HOLD
 *   PAID is final: a transfer reversed later is re-credited through the ledger, not by reopening
 *   the payout (see PayoutService.onTransferReversed).
 */
export const payoutLifecycle = new StateMachine<P>('payout', {
  [P.PENDING]: [P.PROCESSING, P.ON_HOLD],
  [P.ON_HOLD]: [P.PROCESSING, P.ON_HOLD],
  [P.PROCESSING]: [P.PAID, P.FAILED],
  [P.FAILED]: [P.PROCESSING, P.ON_HOLD],
  [P.PAID]: [],
});

/** Statuses an admin (or the job queue) may start a transfer from. */
export const PROCESSABLE_STATUSES: readonly P[] = [P.PENDING, P.FAILED, P.ON_HOLD];

/**
 * Moves the payout to `to` (with its `statusReason`) and records the change, in the caller's unit
 * of work; the caller holds the payout's row lock. `changedById` is the admin who asked, or null
 * for the job queue and webhooks.
 */
export function changePayoutStatus(
  em: EntityManager,
  payout: AdvisorPayout,
  to: P,
  opts: { reason: string | null; changedById: string | null },
): void {
  payoutLifecycle.apply(payout, to, (change) => {
    payout.statusReason = opts.reason;
    const by = opts.changedById ? em.getReference(User, opts.changedById) : null;
    em.persist(new PayoutStatusChange(payout, change.from, change.to, opts.reason, by));
  });
}

/** Why a payout cannot be sent to the advisor's Connect account yet (it goes ON_HOLD), or null. */
export function holdReason(advisor: Advisor): string | null {
  if (!advisor.stripeConnectAccountId) return 'The advisor has not set up a Stripe Connect account yet';
  if (!advisor.stripePayoutsEnabled) return 'Stripe has not enabled payouts on the advisor’s Connect account yet';
  return null;
}

/** A claimed payout's transfer, as sent to Stripe outside the claiming transaction. */
export interface TransferOrder {
  payoutId: string;
  advisorId: string;
  destination: string;
  amountCents: number;
  currency: string;
  month: Month;
  idempotencyKey: string;
}
