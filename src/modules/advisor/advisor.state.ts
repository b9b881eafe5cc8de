import { conflict } from '../../common/errors';
import { StateMachine } from '../../common/state-machine';
import { ApprovalStatus as A } from './advisor.entity';

/**
 * The advisor approval lifecycle, listed once. Every change of `approvalStatus` goes through
 * AdvisorService with an action named here; anything not listed is a CONFLICT.
 *
 *   pending --approve--> approved --suspend--> suspended --reactivate--> approved
 *   pending --reject---> rejected --reapply--> pending
 */
export const ADVISOR_ACTIONS = {
  approve: { from: [A.PENDING], to: A.APPROVED },
  reject: { from: [A.PENDING], to: A.REJECTED },
  suspend: { from: [A.APPROVED], to: A.SUSPENDED },
  reactivate: { from: [A.SUSPENDED], to: A.APPROVED },
  reapply: { from: [A.REJECTED], to: A.PENDING },
} as const satisfies Record<string, { from: readonly A[]; to: A }>;

export type AdvisorAction = keyof typeof ADVISOR_ACTIONS;

export const advisorMachine = new StateMachine<A>('advisor', {
  [A.PENDING]: [A.APPROVED, A.REJECTED],
  [A.APPROVED]: [A.SUSPENDED],
  [A.SUSPENDED]: [A.APPROVED],
  [A.REJECTED]: [A.PENDING],
});

export function nextAdvisorStatus(current: A, action: AdvisorAction): A {
  const rule = ADVISOR_ACTIONS[action];
  if (!(rule.from as readonly A[]).includes(current)) {
    throw conflict(`Cannot ${action} an advisor whose application is ${current}`, { status: current.toUpperCase(), action });
  }
  return rule.to;
}
