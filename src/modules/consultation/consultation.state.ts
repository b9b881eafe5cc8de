import { StateMachine } from '../../common/state-machine';
import { ConsultationStatus as S } from './consultation.entity';

/**
 * The consultation lifecycle, listed once. Every status change goes through
 * ConsultationLifecycle.transition (lifecycle.ts), which applies it here and records who, when and why.
 *
 *   PENDING_PAYMENT -> SCHEDULED (paid) | CANCELLED (declined, expired or cancelled)
 *   SCHEDULED       -> IN_PROGRESS | COMPLETED | CANCELLED | NO_SHOW
 *   IN_PROGRESS     -> COMPLETED | NO_SHOW
 *   COMPLETED, CANCELLED, NO_SHOW are final.
 */
export const CONSULTATION_TRANSITIONS: Readonly<Record<S, readonly S[]>> = {
  [S.PENDING_PAYMENT]: [S.SCHEDULED, S.CANCELLED],
  [S.SCHEDULED]: [S.IN_PROGRESS, S.COMPLETED, S.CANCELLED, S.NO_SHOW],
  [S.IN_PROGRESS]: [S.COMPLETED, S.NO_SHOW],
  [S.COMPLETED]: [],
  [S.CANCELLED]: [],
  [S.NO_SHOW]: [],
};

export const consultationMachine = new StateMachine<S>('consultation', CONSULTATION_TRANSITIONS);

/** Statuses that hold the advisor's time (the exclusion constraint's WHERE clause says the same). */
export const ACTIVE_STATUSES: readonly S[] = [S.PENDING_PAYMENT, S.SCHEDULED, S.IN_PROGRESS];
export const FINAL_STATUSES: readonly S[] = consultationMachine.finals;

export const canTransition = (from: S, to: S): boolean => consultationMachine.can(from, to);
export const assertTransition = (from: S, to: S): void => consultationMachine.assert(from, to);
