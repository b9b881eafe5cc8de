import { DomainError } from '../../common/errors';
import { ConsultationStatus as S } from './consultation.entity';
import { assertTransition, CONSULTATION_TRANSITIONS } from './consultation.state';

describe('consultation state machine', () => {
  const all = Object.values(S);
  it('allows exactly the listed transitions', () => {
    const allowed: string[] = [];
    for (const from of all) {
      for (const to of all) {
        try {
          assertTransition(from, to);
          allowed.push(`${from}->${to}`);
        } catch (err) {
          expect((err as DomainError).code).toBe('CONFLICT');
        }
      }
    }
    expect(allowed.sort()).toEqual(
      [
        'pending_payment->scheduled',
        'pending_payment->cancelled',
        'scheduled->in_progress',
        'scheduled->completed',
        'scheduled->cancelled',
        'scheduled->no_show',
        'in_progress->completed',
        'in_progress->no_show',
      ].sort(),
    );
  });

  it('has no way out of a final status', () => {
    for (const s of [S.COMPLETED, S.CANCELLED, S.NO_SHOW]) expect(CONSULTATION_TRANSITIONS[s]).toEqual([]);
  });
});
