/**
 * Test-only crash points: `CRASH_AT=<point>:<n>` (read once by the config, refused in production)
 * makes the process SIGKILL itself at the n-th pass of the named point, so a crash test can stop
 * the server exactly between two steps of a payment (e.g. after Stripe answered, before the
 * answer is committed). Unarmed, a crash point is one comparison.
 */
export const CRASH_POINTS = [
  /** The booking's hold (consultation, charge with its idempotency key, expiry job) is committed; Stripe not yet asked. */
  'booking.hold-committed',
  /** The PaymentIntent exists (unconfirmed); its id is recorded nowhere yet. */
  'booking.intent-created',
  /** The card was charged; nothing of it is committed yet. */
  'booking.intent-confirmed',
  /** Before the statement (or inside the transaction) recording a successful payment commits. */
  'payment.before-outcome-commit',
  /** The expiry/recovery job has cancelled (or found paid) the PaymentIntent, and not yet recorded it. */
  'expiry.after-cancel',
  /** Stripe made a refund; it is not recorded yet. */
  'refund.after-stripe',
] as const;

export type CrashPointName = (typeof CRASH_POINTS)[number];

export interface CrashAt {
  point: CrashPointName;
  pass: number;
}

let armed: (CrashAt & { seen: number }) | null = null;

export function armCrashPoint(at: CrashAt | null): void {
  armed = at ? { ...at, seen: 0 } : null;
}

export function crashPoint(name: CrashPointName): void {
  if (!armed || armed.point !== name) return;
  armed.seen += 1;
  if (armed.seen === armed.pass) process.kill(process.pid, 'SIGKILL');
}
