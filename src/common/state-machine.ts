import { conflict } from './errors';

/** One status change of a lifecycle, as its history table records it. */
export interface Transition<S extends string> {
  from: S;
  to: S;
}

/**
 * A lifecycle's allowed transitions, listed once. Every lifecycle (consultation, payout, advisor
 * approval) declares one of these, and its owner changes status only through `apply`, which checks
 * the move and hands the change to the lifecycle's history writer in the same unit of work.
 */
export class StateMachine<S extends string> {
  constructor(
    /** What the lifecycle is about, for messages: "consultation", "payout", "advisor". */
    readonly subject: string,
    readonly transitions: Readonly<Record<S, readonly S[]>>,
  ) {}

  can(from: S, to: S): boolean {
    return this.transitions[from].includes(to);
  }

  /** Statuses nothing leaves. */
  get finals(): S[] {
    return (Object.keys(this.transitions) as S[]).filter((s) => this.transitions[s].length === 0);
  }

  assert(from: S, to: S): void {
    if (!this.can(from, to)) {
      throw conflict(`A ${this.subject} that is ${from.toUpperCase()} cannot become ${to.toUpperCase()}`, {
        status: from.toUpperCase(),
        requested: to.toUpperCase(),
      });
    }
  }

  /**
   * Moves `target.status` to `to` and records the change through `record` (the lifecycle's
   * history row). The caller holds the row's lock and flushes with its own unit of work.
   */
  apply<T extends { status: S }>(target: T, to: S, record: (change: Transition<S>) => void): Transition<S> {
    const change = { from: target.status, to };
    this.assert(change.from, to);
    target.status = to;
    record(change);
    return change;
  }
}
