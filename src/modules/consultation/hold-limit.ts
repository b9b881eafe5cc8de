import { conflict, type DomainError } from '../../common/errors';
import type { Config } from '../../config';
import type { HoldCounts } from './consultation.repository';

/** Why an expired hold was released: how the hold limit recognises a lapsed hold. */
export const HOLD_LAPSED = 'Payment not completed in time';

/**
 * At most `maxUnpaidHolds` unpaid holds per client, and a hold released unpaid (lapsed, or let go
 * by the client) keeps counting for `holdCooldownMinutes`, so one client cannot hold an advisor's
 * calendar by booking or renewing holds. Checked in the statement that inserts the hold, under the
 * client's hold lock, before Stripe is asked (consultationRepository.insertHold): this is the
 * limit it is given.
 */
export function holdLimit(booking: Config['booking'], now = Date.now()) {
  return { since: new Date(now - booking.holdCooldownMinutes * 60_000), lapsedReason: HOLD_LAPSED, max: booking.maxUnpaidHolds };
}

/** The refusal when the counts are at the limit (CONFLICT, `reason: HOLD_LIMIT`, `retryAt` when waiting helps), else null. */
export function holdLimitRefusal(holds: HoldCounts, booking: Config['booking']): DomainError | null {
  if (holds.unpaid + holds.released < booking.maxUnpaidHolds) return null;
  const cooldownMs = booking.holdCooldownMinutes * 60_000;
  // Live holds end by payment or expiry; released ones when the oldest leaves the cooldown.
  const retryAt =
    holds.unpaid < booking.maxUnpaidHolds && holds.oldestReleasedAt
      ? new Date(holds.oldestReleasedAt.getTime() + cooldownMs).toISOString()
      : null;
  return conflict(
    holds.unpaid >= booking.maxUnpaidHolds
      ? `You already have ${holds.unpaid} unpaid bookings; pay for or cancel one before booking again`
      : `Too many unpaid bookings recently; try again after ${retryAt}`,
    { reason: 'HOLD_LIMIT', maxUnpaidHolds: booking.maxUnpaidHolds, unpaidHolds: holds.unpaid, releasedHolds: holds.released, retryAt },
  );
}
