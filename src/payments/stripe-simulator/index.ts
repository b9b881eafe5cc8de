/**
 * An offline stand-in for the slice of Stripe's REST API this app uses, answering as Stripe does
 * at one API version (SIMULATED_API_VERSION, the version the installed `stripe` SDK is typed for).
 *
 * The real `stripe` SDK is pointed at it with
 * `new Stripe('sk_test_…', { host: '127.0.0.1', port: sim.port, protocol: 'http' })`,
 * so the code under test exercises the same request encoding, error classes and
 * webhook verification it would against Stripe, without the network.
 *
 * It must never flatter its callers: what Stripe leaves out at this version it leaves out too.
 * A Charge carries no `refunds` unless `expand[]=refunds` asks, a PaymentIntent no `charges`,
 * and references (`latest_charge`, `payment_intent`, `charge`, `destination`, ...) stay ids unless
 * expanded. Lists are `{ object: 'list', data, has_more, url }` with `limit`, cursors and `created`
 * filters; unknown parameters are refused; errors carry Stripe's fields; idempotent replays and
 * conflicts behave as Stripe documents them. Test PaymentMethods (`pm_card_visa`, ...) become
 * fresh `pm_…` objects as they do in test mode.
 *
 * Besides the API it offers controls for things only Stripe (or its dashboard)
 * can cause — disputes, dashboard refunds, onboarding progress, faults and
 * slow responses — and records every request and event for assertions. It can run in its own
 * process (scripts/stripe-simulator.ts) and be driven there with StripeSimulatorControl.
 *
 * Layout: one file per resource family (payment-intents, charges, payment-methods, refunds,
 * disputes, accounts, transfers, events), the HTTP side (server), idempotency, webhooks,
 * errors, params (form decoding), lists (pagination), render (wire form and expand), controls,
 * remote (controls over HTTP), standalone (its own process) and simulator (the whole).
 */
export { StripeApiError } from './errors';
export { parseFormBody } from './params';
export { StripeSimulatorControl, type SimulatorState } from './remote';
export { startStripeSimulator, StripeSimulator } from './simulator';
export { standaloneOptions, startStandaloneSimulator } from './standalone';
export * from './types';
