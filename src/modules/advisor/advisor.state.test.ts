import { DomainError } from '../../common/errors';
import { ApprovalStatus } from './advisor.entity';
import { ADVISOR_ACTIONS, advisorMachine, nextAdvisorStatus, type AdvisorAction } from './advisor.state';

describe('advisor approval state machine', () => {
  const all = Object.values(ApprovalStatus);
  const actions = Object.keys(ADVISOR_ACTIONS) as AdvisorAction[];

  it.each([
    [ApprovalStatus.PENDING, 'approve', ApprovalStatus.APPROVED],
    [ApprovalStatus.PENDING, 'reject', ApprovalStatus.REJECTED],
    [ApprovalStatus.APPROVED, 'suspend', ApprovalStatus.SUSPENDED],
    [ApprovalStatus.SUSPENDED, 'reactivate', ApprovalStatus.APPROVED],
    [ApprovalStatus.REJECTED, 'reapply', ApprovalStatus.PENDING],
  ] as const)('%s --%s--> %s', (from, action, to) => {
    expect(nextAdvisorStatus(from, action)).toBe(to);
  });

  it('refuses every other pair with CONFLICT', () => {
    let refused = 0;
    for (const from of all) {
      for (const action of actions) {
        const allowed = (ADVISOR_ACTIONS[action].from as readonly string[]).includes(from);
        if (allowed) continue;
        try {
          nextAdvisorStatus(from, action);
          throw new Error(`${from} --${action}--> should be refused`);
        } catch (err) {
          expect(err).toBeInstanceOf(DomainError);
          expect((err as DomainError).code).toBe('CONFLICT');
          refused++;
        }
      }
    }
    expect(refused).toBe(all.length * actions.length - 5);
  });

  it('lists in the machine exactly the moves the actions make', () => {
    const fromActions = Object.values(ADVISOR_ACTIONS).flatMap((r) => r.from.map((f) => `${f}->${r.to}`));
    const fromMachine = all.flatMap((f) => advisorMachine.transitions[f].map((t) => `${f}->${t}`));
    expect(fromMachine.sort()).toEqual(fromActions.sort());
  });
});
