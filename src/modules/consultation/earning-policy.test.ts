import { ChargeStatus } from './charge.entity';
import { ActorKind, ConsultationStatus as S } from './consultation.entity';
import { decideEarning, type EarningFacts } from './earning-policy';

const start = new Date('2030-01-10T12:00:00Z');
const hours = (h: number) => new Date(start.getTime() - h * 3600_000);
const paid = { status: ChargeStatus.SUCCEEDED, refundedCents: 0, disputeStatus: null };
const facts = (over: Partial<EarningFacts>): EarningFacts => ({
  status: S.COMPLETED,
  startTime: start,
  cancelledBy: null,
  cancelledAt: null,
  charge: paid,
  ...over,
});

describe('decideEarning', () => {
  it.each<[string, Partial<EarningFacts>, boolean]>([
    ['completed and paid', {}, true],
    ['no-show and paid', { status: S.NO_SHOW }, true],
    ['scheduled', { status: S.SCHEDULED }, false],
    ['in progress', { status: S.IN_PROGRESS }, false],
    ['completed, charge pending', { charge: { ...paid, status: ChargeStatus.PENDING } }, false],
    ['completed, no charge', { charge: null }, false],
    ['completed, partly refunded', { charge: { ...paid, refundedCents: 1 } }, false],
    ['completed, fully refunded', { charge: { ...paid, status: ChargeStatus.REFUNDED, refundedCents: 1900 } }, false],
    ['completed, dispute open', { charge: { ...paid, disputeStatus: 'open' } }, false],
    ['completed, dispute lost', { charge: { ...paid, disputeStatus: 'lost' } }, false],
    ['completed, dispute won', { charge: { ...paid, disputeStatus: 'won' } }, true],
    ['client cancelled 24 h before', { status: S.CANCELLED, cancelledBy: ActorKind.CLIENT, cancelledAt: hours(24) }, true],
    ['client cancelled 1 h before', { status: S.CANCELLED, cancelledBy: ActorKind.CLIENT, cancelledAt: hours(1) }, true],
    ['client cancelled 25 h before', { status: S.CANCELLED, cancelledBy: ActorKind.CLIENT, cancelledAt: hours(25) }, false],
    ['advisor cancelled 1 h before', { status: S.CANCELLED, cancelledBy: ActorKind.ADVISOR, cancelledAt: hours(1) }, false],
    ['admin cancelled 1 h before', { status: S.CANCELLED, cancelledBy: ActorKind.ADMIN, cancelledAt: hours(1) }, false],
  ])('%s: payable %s', (_name, over, payable) => {
    expect(decideEarning(facts(over)).payable).toBe(payable);
  });
});
