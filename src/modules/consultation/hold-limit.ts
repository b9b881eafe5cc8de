import type { EntityManager } from '@mikro-orm/postgresql';
import { conflict } from '../../common/errors';
import type { Config } from '../../config';
import { consultationRepository } from './consultation.repository';

/** Why an expired hold was released: how the hold limit recognises a lapsed hold. */
export const HOLD_LAPSED = 'Payment not completed in time';

/**
 * At most `maxUnpaidHolds` unpaid holds per client, and a hold released unpaid (lapsed, or let go
 * by the client) keeps counting for `holdCooldownMinutes`, so one client cannot hold an advisor's
 * calendar by booking or renewing holds. Runs inside the booking's transaction, before the hold is
 * inserted and before Stripe is asked; the client's hold lock makes concurrent bookings count
 * each other. Refused with CONFLICT, `reason: HOLD_LIMIT`, and `retryAt` when waiting helps.
 */
export async function assertHoldAllowed(em: EntityManager, clientId: string, booking: Config['booking']): Promise<void> {
  const cooldownMs = booking.holdCooldownMinutes * 60_000;
  const since = new Date(Date.now() - cooldownMs);
  const holds = await consultationRepository.lockAndCountHolds(em, clientId, since, HOLD_LAPSED);
  if (holds.unpaid + holds.released < booking.maxUnpaidHolds) return;
  // Live holds end by payment or expiry; released ones when the oldest leaves the cooldown.
  const retryAt =
    holds.unpaid < booking.maxUnpaidHolds && holds.oldestReleasedAt
      ? new Date(new Date(holds.oldestReleasedAt).getTime() + cooldownMs).toISOString()
      : null;
  throw conflict(
    holds.unpaid >= booking.maxUnpaidHolds
      ? `You already have ${holds.unpaid} unpaid bookings; pay for or cancel one before booking again`
      : `Too many unpaid bookings recently; try again after ${retryAt}`,
    { reason: 'HOLD_LIMIT', maxUnpaidHolds: booking.maxUnpaidHolds, unpaidHolds: holds.unpaid, releasedHolds: holds.released, retryAt },
  );
}
