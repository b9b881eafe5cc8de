/**
 * What tests inject: failures and slow answers for the next requests to a path, and the timers
 * behind Stripe's asynchronous follow-ups (all dropped when the simulator closes).
 */
import type { InjectedError } from './types';

interface PathRule {
  pathPrefix: string;
  remaining: number;
}

/** Consumes one use of the first rule matching `path`. */
function take<T extends PathRule>(rules: T[], path: string): T | undefined {
  const index = rules.findIndex((rule) => path.startsWith(rule.pathPrefix));
  if (index === -1) return undefined;
  const rule = rules[index];
  rule.remaining -= 1;
  if (rule.remaining <= 0) rules.splice(index, 1);
  return rule;
}

export const DEFAULT_INJECTED_ERROR: InjectedError = { status: 500, type: 'api_error', message: 'An unknown error occurred (simulated).' };

export class Faults {
  private readonly failures: (PathRule & { error: InjectedError })[] = [];
  private readonly slowdowns: (PathRule & { ms: number })[] = [];

  failNext(pathPrefix: string, count: number, error: InjectedError = DEFAULT_INJECTED_ERROR): void {
    this.failures.push({ pathPrefix, remaining: count, error });
  }

  delayNext(pathPrefix: string, count: number, ms: number): void {
    this.slowdowns.push({ pathPrefix, remaining: count, ms });
  }

  clearFailures(): void {
    this.failures.length = 0;
  }

  /** The failure the next request to `path` meets, if one is pending (it is used up). */
  takeFailure(path: string): InjectedError | undefined {
    return take(this.failures, path)?.error;
  }

  /** How long to hold the answer to the next request to `path`, if a delay is pending. */
  takeDelay(path: string): number | undefined {
    return take(this.slowdowns, path)?.ms;
  }
}

export class Timers {
  private readonly pending = new Set<NodeJS.Timeout>();

  /** Runs `fn` after `ms`; a follow-up that throws (no longer applies) is dropped. */
  later(fn: () => void, ms: number): void {
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      try {
        fn();
      } catch {
        // A follow-up that no longer applies (the charge was refunded first, say) is dropped.
      }
    }, ms);
    this.pending.add(timer);
  }

  clear(): void {
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
  }
}
