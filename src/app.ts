import type { MikroORM, Options } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { Config } from './config';
import { openDatabase } from './db/database';
import { PgPubSub } from './events/pg-pubsub';
import { armCrashPoint } from './common/crash';
import { startJobs, type Jobs } from './jobs/worker';
import { createEmailTransport, type EmailTransport } from './modules/notifications/transports';
import { createLogger } from './logging';
import type Stripe from 'stripe';
import { createStripeClient, PaymentGateway } from './payments/gateway';
import { startStripeSimulator, type StripeSimulator } from './payments/stripe-simulator';
import { createSchema } from './schema';
import { createHttpServer, type HttpServer } from './server';
import { attachWebSocket, type WebSocketHandle } from './server-ws';
import { createServices, type Services } from './services';

export interface AppOptions {
  config: Config;
  databaseUrl: string;
  log?: Logger;
  emailTransport?: EmailTransport;
  /** Extra MikroORM options (tests count statements with `onQuery`). */
  orm?: Partial<Options>;
  /** An events engine to use instead of the app's own; the caller then owns (and closes) it. */
  pubSub?: PgPubSub;
}

export interface App {
  services: Services;
  http: HttpServer;
  jobs: Jobs;
  /** Subscription events over PostgreSQL LISTEN/NOTIFY, shared by every instance on the database. */
  pubsub: PgPubSub;
  /** graphql-ws on the HTTP port (/graphql). */
  ws: WebSocketHandle;
  /** The built-in Stripe simulator, when no STRIPE_SECRET_KEY is configured. */
  stripeSimulator: StripeSimulator | null;
  /** Starts listening; returns the base URL, e.g. http://127.0.0.1:4000. */
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Real Stripe when STRIPE_SECRET_KEY is set, at STRIPE_API_BASE when that is set; with neither,
 * the built-in simulator, which the config never allows in production.
 */
async function connectStripe(config: Config, log: Logger): Promise<{ client: Stripe; simulator: StripeSimulator | null }> {
  if (config.stripe.secretKey) return { client: createStripeClient(config.stripe.secretKey, config.stripe.apiBase), simulator: null };
  // A Stripe-compatible server (stripe-mock, say) accepts any test key.
  if (config.stripe.apiBase) return { client: createStripeClient('sk_test_local', config.stripe.apiBase), simulator: null };
  const simulator = await startStripeSimulator();
  if (config.nodeEnv !== 'test')
    log.warn({ url: simulator.url }, 'STRIPE_SECRET_KEY is unset: payments go to the built-in Stripe simulator (no real money moves)');
  return { client: createStripeClient('sk_test_simulator', simulator.url), simulator };
}

/** Wires database, services, job queue and HTTP/WebSocket server; used by main.ts and the tests. */
export async function createApp(opts: AppOptions): Promise<App> {
  const { config } = opts;
  const log = opts.log ?? createLogger(config.logLevel);
  if (config.crashAt) {
    armCrashPoint(config.crashAt);
    log.warn({ crashAt: config.crashAt }, 'CRASH_AT is set: this process will kill itself there (crash tests only)');
  }
  const orm: MikroORM = await openDatabase(opts.databaseUrl, { migrate: config.runMigrations, log, extra: opts.orm });
  const pubsub = opts.pubSub ?? new PgPubSub({ connectionString: opts.databaseUrl, log: log.child({ component: 'events' }) });
  // Listening before the server accepts anything, so no early subscriber misses a committed event.
  await pubsub.start();
  const stripe = await connectStripe(config, log);
  const services = createServices({
    config,
    log,
    orm,
    emailTransport: opts.emailTransport ?? createEmailTransport(config, log.child({ component: 'email' })),
    payments: new PaymentGateway(stripe.client),
    events: pubsub,
  });
  const jobs = await startJobs(services, opts.databaseUrl);
  const schema = await createSchema(pubsub);
  const http = await createHttpServer(services, schema);
  const ws = attachWebSocket({ httpServer: http.fastify.server, schema, services });
  http.metrics.observeJobs(jobs.runner.events);
  http.metrics.observeSubscribers(() => ws.activeSubscriptions);

  let closed = false;
  return {
    services,
    http,
    jobs,
    pubsub,
    ws,
    stripeSimulator: stripe.simulator,
    async listen(port = config.port, host = config.host) {
      await http.fastify.listen({ port, host });
      const addr = http.fastify.server.address();
      const actualPort = typeof addr === 'object' && addr ? addr.port : port;
      const base = `http://127.0.0.1:${actualPort}`;
      // The simulator delivers its signed webhooks to this very server, as Stripe would.
      stripe.simulator?.setWebhookTarget({ url: `${base}/webhooks/stripe`, secret: config.stripe.webhookSecret });
      return base;
    },
    async close() {
      if (closed) return;
      closed = true;
      // WebSockets first: the HTTP server cannot finish closing while upgraded sockets stay open.
      await ws.close();
      if (!opts.pubSub) await pubsub.close();
      await http.fastify.close();
      await jobs.stop();
      await orm.close();
      await services.notifications.transport.close?.();
      await services.limits.close();
      await stripe.simulator?.close();
    },
  };
}
