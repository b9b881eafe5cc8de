/**
 * The simulator as its own process (scripts/stripe-simulator.ts), so a test can kill the server
 * while Stripe stays up and remembers what it did. Options from arguments, else the environment:
 *
 *   --port N              STRIPE_SIMULATOR_PORT            (0 = any free port; default 12111)
 *   --host H              STRIPE_SIMULATOR_HOST            (default 127.0.0.1)
 *   --webhook-url U       STRIPE_SIMULATOR_WEBHOOK_URL     where to deliver webhooks (none: only recorded)
 *   --webhook-secret S    STRIPE_WEBHOOK_SECRET            the endpoint's signing secret
 *   --webhook-retries L   STRIPE_SIMULATOR_WEBHOOK_RETRIES delays in ms between retries of a failed
 *                                                          delivery, e.g. 1000,5000,30000 (Stripe retries too)
 */
import { parseArgs } from 'node:util';
import { startStripeSimulator, type StripeSimulator } from './simulator';
import type { StripeSimulatorOptions } from './types';

export function standaloneOptions(argv: string[], env: NodeJS.ProcessEnv): StripeSimulatorOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'webhook-url': { type: 'string' },
      'webhook-secret': { type: 'string' },
      'webhook-retries': { type: 'string' },
    },
  });
  const port = Number(values.port ?? env.STRIPE_SIMULATOR_PORT ?? 12111);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`Invalid port: ${values.port ?? env.STRIPE_SIMULATOR_PORT}`);
  const url = values['webhook-url'] ?? env.STRIPE_SIMULATOR_WEBHOOK_URL;
  const secret = values['webhook-secret'] ?? env.STRIPE_WEBHOOK_SECRET;
  if (url && !secret) throw new Error('A webhook URL needs its signing secret (--webhook-secret or STRIPE_WEBHOOK_SECRET)');
  const retries = values['webhook-retries'] ?? env.STRIPE_SIMULATOR_WEBHOOK_RETRIES;
  const webhookRetryDelaysMs = retries ? retries.split(',').map((ms) => Number(ms.trim())) : [];
  if (webhookRetryDelaysMs.some((ms) => !Number.isFinite(ms) || ms < 0)) throw new Error(`Invalid webhook retries: ${retries}`);
  return {
    port,
    host: values.host ?? env.STRIPE_SIMULATOR_HOST ?? '127.0.0.1',
    webhook: url && secret ? { url, secret } : undefined,
    webhookRetryDelaysMs,
  };
}

export function startStandaloneSimulator(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<StripeSimulator> {
  return startStripeSimulator(standaloneOptions(argv, env));
}
