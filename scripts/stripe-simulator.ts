/**
 * Runs the Stripe simulator in its own process, so the server can be killed while "Stripe" keeps
 * what it did:
 *   npx ts-node --transpile-only scripts/stripe-simulator.ts [--port 12111] [--host 127.0.0.1]
 *     [--webhook-url http://127.0.0.1:4000/webhooks/stripe] [--webhook-secret whsec_…] [--webhook-retries 1000,5000]
 * Arguments win over the environment (STRIPE_SIMULATOR_PORT, STRIPE_SIMULATOR_HOST,
 * STRIPE_SIMULATOR_WEBHOOK_URL, STRIPE_WEBHOOK_SECRET, STRIPE_SIMULATOR_WEBHOOK_RETRIES); without a
 * webhook URL it delivers to this server's /webhooks/stripe at PORT, signed with the secret the
 * server verifies with. Point the server at it with STRIPE_API_BASE=<printed url>. Prints one line,
 * `Stripe simulator listening at <url>`, then runs until SIGINT or SIGTERM. Controls (faults,
 * dashboard refunds, webhook redelivery, ...) are under <url>/_simulator (StripeSimulatorControl).
 */
import { loadConfig } from '../src/config';
import { startStandaloneSimulator } from '../src/payments/stripe-simulator';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const env = {
    ...process.env,
    STRIPE_SIMULATOR_WEBHOOK_URL: process.env.STRIPE_SIMULATOR_WEBHOOK_URL ?? `http://127.0.0.1:${config.port}/webhooks/stripe`,
    STRIPE_WEBHOOK_SECRET: config.stripe.webhookSecret,
  };
  const sim = await startStandaloneSimulator(process.argv.slice(2), env);
  process.stdout.write(`Stripe simulator listening at ${sim.url}\n`);
  const stop = () => {
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
