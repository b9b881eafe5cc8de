/**
 * npm run check:ledger [-- --from YYYY-MM-DD] [--to YYYY-MM-DD]
 *
 * Compares our charges, refunds, disputes and payouts with Stripe's for the days from --from to
 * --to (both included, UTC; by default the 30 days up to now), by the rule at the top of
 * src/modules/reconciliation/ledger-check.ts. Reads the database the server would use and Stripe
 * as configured (STRIPE_SECRET_KEY, STRIPE_API_BASE); it writes nothing.
 *
 * Exit 0 with one summary line when all agree; 1 with one line per difference (stdout; the
 * summary goes to stderr); 2 when it cannot run (bad arguments, no Stripe configured, no database).
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { DomainError } from '../src/common/errors';
import type { Config } from '../src/config';
import { createStripeClient, PaymentGateway, type Period } from '../src/payments/gateway';
import { checkLedger, findingLine, summaryLine } from '../src/modules/reconciliation/ledger-check';
import { checkPeriod } from '../src/modules/reconciliation/period';
import { CannotRun, operatorConfig, runCommand, withServerDatabase } from './operator';

function stripeOf(config: Config): { gateway: PaymentGateway; label: string } {
  const { secretKey, apiBase } = config.stripe;
  if (!secretKey && !apiBase) {
    throw new CannotRun(
      'check:ledger needs Stripe: set STRIPE_SECRET_KEY, or STRIPE_API_BASE to the Stripe simulator of a running server (it lives only inside that server)',
    );
  }
  // Said on the summary line, so nobody takes a simulator's agreement for Stripe's.
  const label = !secretKey ? `simulator:${apiBase}` : /^(sk|rk)_live_/.test(secretKey) ? 'live' : apiBase ? `test:${apiBase}` : 'test';
  // A Stripe-compatible server accepts any test key, as the server itself does (src/app.ts).
  return { gateway: new PaymentGateway(createStripeClient(secretKey ?? 'sk_test_local', apiBase)), label };
}

function periodOf(argv: string[]): Period {
  let values: { from?: string; to?: string };
  try {
    ({ values } = parseArgs({ args: argv, options: { from: { type: 'string' }, to: { type: 'string' } }, strict: true }));
  } catch (err) {
    throw new CannotRun(`${(err as Error).message}; usage: npm run check:ledger -- [--from YYYY-MM-DD] [--to YYYY-MM-DD]`);
  }
  try {
    return checkPeriod(values);
  } catch (err) {
    if (err instanceof DomainError) throw new CannotRun(`--${err.message}`);
    throw err;
  }
}

async function main(): Promise<number> {
  const period = periodOf(process.argv.slice(2));
  const config = operatorConfig();
  const stripe = stripeOf(config);
  // The server migrates; a check only reads, and refuses to run on a schema it does not know.
  return withServerDatabase(config, async (orm) => {
    const result = await checkLedger({ em: orm.em.fork(), payments: stripe.gateway }, period);
    const summary = `${summaryLine(result)} stripe=${stripe.label}`;
    if (result.findings.length === 0) {
      process.stdout.write(`${summary}\n`);
      return 0;
    }
    process.stdout.write(result.findings.map((f) => `${findingLine(f)}\n`).join(''));
    process.stderr.write(`${summary}\n`);
    return 1;
  });
}

runCommand('check:ledger', main);
