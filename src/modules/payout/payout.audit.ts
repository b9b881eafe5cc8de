import type { EntityManager } from '@mikro-orm/postgresql';
import type { Actor } from '../../common/actor';
import { auditLog } from '../audit/audit.service';
import type { PayoutStatus } from './payout.entity';

/**
 * A payout's status change in audit_log, in the caller's unit of work; the advisor reads it as their
 * money. Generation is audited by the statement that creates the payouts (createPayoutsForUnpaid).
 */
export function auditPayout(
  em: EntityManager,
  actor: Actor,
  action: 'payout.process' | 'payout.paid' | 'payout.failed',
  payout: { id: string; totalCents: number; advisorId?: string; advisor?: { id: string } },
  from: PayoutStatus | null,
  to: PayoutStatus,
  reason: string | null,
  extra: Record<string, unknown> = {},
): void {
  auditLog.record(em, actor, {
    action,
    subjectType: 'payout',
    subjectId: payout.id,
    reason,
    before: from ? { status: from } : null,
    after: { status: to, totalCents: payout.totalCents, ...extra },
    advisorId: payout.advisorId ?? payout.advisor!.id,
  });
}
