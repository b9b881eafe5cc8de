import { ActorKind } from './consultation.entity';

/** The refund policy's cut-off: a client cancelling MORE than this before the start gets everything back. */
export const FREE_CANCELLATION_MS = 24 * 60 * 60 * 1000;

export type RefundDecision = { refund: 'full' | 'none'; explanation: string };

/**
 * Who cancels decides the money:
 * - the client, more than 24 h before the start: full refund; 24 h or less: no refund, and the
 *   advisor keeps the earning;
 * - the advisor, or an admin on the platform's behalf: full refund, always;
 * - an unpaid booking: nothing was charged, so nothing to refund (its PaymentIntent is cancelled).
 */
export function decideCancellationRefund(input: { actor: ActorKind; paid: boolean; startTime: Date; now: Date }): RefundDecision {
  if (!input.paid) return { refund: 'none', explanation: 'Nothing was charged.' };
  if (input.actor === ActorKind.CLIENT) {
    const notice = input.startTime.getTime() - input.now.getTime();
    return notice > FREE_CANCELLATION_MS
      ? { refund: 'full', explanation: 'Cancelled more than 24 hours before the start: full refund.' }
      : { refund: 'none', explanation: 'Cancelled 24 hours or less before the start: no refund.' };
  }
  if (input.actor === ActorKind.ADVISOR) return { refund: 'full', explanation: 'The advisor cancelled: full refund.' };
  return { refund: 'full', explanation: 'Cancelled by the platform: full refund.' };
}
