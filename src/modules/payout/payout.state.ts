import { conflict } from '../../common/errors';
import { PayoutStatus as P } from './payout.entity';

/**
 * The payout lifecycle, listed once. Every status change goes through PayoutService, which checks
 * it here.
 *
 *   PENDING    -> PROCESSING (transfer sent) | ON_HOLD (no Connect account or payouts disabled)
 *   ON_HOLD    -> PROCESSING | ON_HOLD (reason updated)
 *   PROCESSING -> PAID (Stripe made the transfer) | FAILED (Stripe refused, or gave no answer)
 *   FAILED     -> PROCESSING (retried) | ON_HOLD
 *   PAID is final: a transfer reversed later is re-credited through the ledger, not by reopening
 *   the payout (see PayoutService.onTransferReversed).
 */
export const PAYOUT_TRANSITIONS: Readonly<Record<P, readonly P[]>> = {
  [P.PENDING]: [P.PROCESSING, P.ON_HOLD],
  [P.ON_HOLD]: [P.PROCESSING, P.ON_HOLD],
  [P.PROCESSING]: [P.PAID, P.FAILED],
  [P.FAILED]: [P.PROCESSING, P.ON_HOLD],
  [P.PAID]: [],
};

/** Statuses an admin (or the job queue) may start a transfer from. */
export const PROCESSABLE_STATUSES: readonly P[] = [P.PENDING, P.FAILED, P.ON_HOLD];

export function canTransition(from: P, to: P): boolean {
  return PAYOUT_TRANSITIONS[from].includes(to);
}

export function assertPayoutTransition(from: P, to: P): void {
  if (!canTransition(from, to)) {
    throw conflict(`A payout that is ${from.toUpperCase()} cannot become ${to.toUpperCase()}`, {
      status: from.toUpperCase(),
      requested: to.toUpperCase(),
    });
  }
}
