import { PayoutStatus as P } from './payout.entity';
import { payoutLifecycle, PROCESSABLE_STATUSES } from './payout.state';

const canTransition = (from: P, to: P) => payoutLifecycle.can(from, to);
const assertPayoutTransition = (from: P, to: P) => payoutLifecycle.assert(from, to);
const PAYOUT_TRANSITIONS = payoutLifecycle.transitions;

describe('payout state machine', () => {
  it.each([
    [P.PENDING, P.PROCESSING],
    [P.PENDING, P.ON_HOLD],
    [P.ON_HOLD, P.PROCESSING],
    [P.PROCESSING, P.PAID],
    [P.PROCESSING, P.FAILED],
    [P.FAILED, P.PROCESSING],
    [P.FAILED, P.ON_HOLD],
  ])('allows %s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertPayoutTransition(from, to)).not.toThrow();
  });

  it.each([
    [P.PENDING, P.PAID],
    [P.PENDING, P.FAILED],
    [P.ON_HOLD, P.PAID],
    [P.FAILED, P.PAID],
    [P.PROCESSING, P.PENDING],
    [P.PROCESSING, P.ON_HOLD],
    [P.PAID, P.PROCESSING],
    [P.PAID, P.FAILED],
  ])('refuses %s -> %s with CONFLICT', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    expect(() => assertPayoutTransition(from, to)).toThrow(expect.objectContaining({ code: 'CONFLICT' }));
  });

  it('never pays from a status that cannot reach PROCESSING, and never leaves PAID', () => {
    for (const s of PROCESSABLE_STATUSES) expect(canTransition(s, P.PROCESSING)).toBe(true);
    expect(PAYOUT_TRANSITIONS[P.PAID]).toEqual([]);
    // Only PROCESSING leads to PAID: no path pays without a transfer being attempted.
    const toPaid = Object.entries(PAYOUT_TRANSITIONS)
      .filter(([, tos]) => tos.includes(P.PAID))
      .map(([from]) => from);
    expect(toPaid).toEqual([P.PROCESSING]);
  });
});
