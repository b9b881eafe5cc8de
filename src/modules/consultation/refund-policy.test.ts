import { ActorKind } from './consultation.entity';
import { decideCancellationRefund } from './refund-policy';

const now = new Date('2026-09-10T12:00:00Z');
const inMinutes = (m: number) => new Date(now.getTime() + m * 60_000);

describe('cancellation refund policy', () => {
  it.each([
    ['client, 24 h + 1 min before', ActorKind.CLIENT, 24 * 60 + 1, 'full'],
    ['client, exactly 24 h before', ActorKind.CLIENT, 24 * 60, 'none'],
    ['client, 24 h - 1 min before', ActorKind.CLIENT, 24 * 60 - 1, 'none'],
    ['client, a week before', ActorKind.CLIENT, 7 * 24 * 60, 'full'],
    ['advisor, 5 min before', ActorKind.ADVISOR, 5, 'full'],
    ['advisor, a week before', ActorKind.ADVISOR, 7 * 24 * 60, 'full'],
    ['admin, 1 h before', ActorKind.ADMIN, 60, 'full'],
  ] as const)('%s: %s refund', (_n, actor, minutes, refund) => {
    expect(decideCancellationRefund({ actor, paid: true, startTime: inMinutes(minutes), now }).refund).toBe(refund);
  });

  it('refunds nothing for an unpaid booking, whoever cancels', () => {
    for (const actor of [ActorKind.CLIENT, ActorKind.ADVISOR, ActorKind.ADMIN]) {
      expect(decideCancellationRefund({ actor, paid: false, startTime: inMinutes(7 * 24 * 60), now }).refund).toBe('none');
    }
  });
});
