import { ChargeStatus } from './charge.entity';
import { ActorKind, ConsultationStatus as S } from './consultation.entity';
import { decideCancellationRefund } from './refund-policy';

/** What the earning decision reads: facts stored on the consultation and its charge, nothing else. */
export interface EarningFacts {
  status: S;
  startTime: Date;
  cancelledBy: ActorKind | null;
  cancelledAt: Date | null;
  charge: { status: ChargeStatus; refundedCents: number; disputeStatus: 'open' | 'won' | 'lost' | null } | null;
}

export type EarningDecision = { payable: true } | { payable: false; why: string };

/**
 * THE one place an advisor's earning is decided (the ledger writes what this decides; see the
 * earnings rule in ledger.service.ts). Payable when the consultation took place (COMPLETED or
 * NO_SHOW) or was cancelled late by the client (the refund policy kept the charge), and its
 * charge succeeded, is not refunded at all, and is not disputed (open or lost).
 */
export function decideEarning(f: EarningFacts): EarningDecision {
  const ch = f.charge;
  if (!ch || ch.status !== ChargeStatus.SUCCEEDED) return { payable: false, why: 'not paid' };
  if (ch.refundedCents > 0) return { payable: false, why: 'refunded' };
  if (ch.disputeStatus === 'open' || ch.disputeStatus === 'lost') return { payable: false, why: 'disputed' };
  if (f.status === S.COMPLETED || f.status === S.NO_SHOW) return { payable: true };
  if (f.status === S.CANCELLED && f.cancelledBy === ActorKind.CLIENT && f.cancelledAt) {
    const kept = decideCancellationRefund({ actor: ActorKind.CLIENT, paid: true, startTime: f.startTime, now: f.cancelledAt });
    if (kept.refund === 'none') return { payable: true };
  }
  return { payable: false, why: `a ${f.status} consultation earns nothing` };
}
