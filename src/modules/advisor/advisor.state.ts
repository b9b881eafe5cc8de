import { conflict } from '../../common/errors';
import { ApprovalStatus } from './advisor.entity';

/**
 * The advisor approval lifecycle, listed once. Every change of `approvalStatus` goes through
 * `applyAdvisorAction`; anything not listed here is a CONFLICT.
 *
 *   pending --approve--> approved --suspend--> suspended --reactivate--> approved
 *   pending --reject---> rejected --reapply--> pending
 */
export const ADVISOR_ACTIONS = {
  approve: { from: [ApprovalStatus.PENDING], to: ApprovalStatus.APPROVED },
  reject: { from: [ApprovalStatus.PENDING], to: ApprovalStatus.REJECTED },
  suspend: { from: [ApprovalStatus.APPROVED], to: ApprovalStatus.SUSPENDED },
  reactivate: { from: [ApprovalStatus.SUSPENDED], to: ApprovalStatus.APPROVED },
  reapply: { from: [ApprovalStatus.REJECTED], to: ApprovalStatus.PENDING },
} as const satisfies Record<string, { from: readonly ApprovalStatus[]; to: ApprovalStatus }>;

export type AdvisorAction = keyof typeof ADVISOR_ACTIONS;

export function nextAdvisorStatus(current: ApprovalStatus, action: AdvisorAction): ApprovalStatus {
  const rule = ADVISOR_ACTIONS[action];
  if (!(rule.from as readonly ApprovalStatus[]).includes(current)) {
    throw conflict(`Cannot ${action} an advisor whose application is ${current}`, { status: current.toUpperCase(), action });
  }
  return rule.to;
}
