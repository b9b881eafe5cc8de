import { conflict } from './errors';

/**
 * One lifecycle, listed once: for each state the states it may move to. Every lifecycle in the
 * project (consultation, payout, advisor approval) is one of these, so an illegal move is the same
 * CONFLICT everywhere and the allowed moves are read in one place.
 */
export class StateMachine<S extends string> {
  constructor(
    /** What the states belong to, in the error message: "A payout that is PAID cannot become FAILED". */
    private readonly subject: string,
    readonly transitions: Readonly<Record<S, readonly S[]>>,
  ) {}

  can(from: S, to: S): boolean {
    return this.transitions[from].includes(to);
  }

  /** Throws CONFLICT (with `status` and `requested` in its details) unless `from -> to` is listed. */
  assert(from: S, to: S): void {
    if (!this.can(from, to)) {
      throw conflict(`${this.subject} that is ${from.toUpperCase()} cannot become ${to.toUpperCase()}`, {
        status: from.toUpperCase(),
        requested: to.toUpperCase(),
      });
    }
  }

  /** States with no way out. */
  finalStates(): S[] {
    return (Object.keys(this.transitions) as S[]).filter((s) => this.transitions[s].length === 0);
  }
}
