import type { ApolloServerPlugin } from '@apollo/server';
import type { FastifyInstance } from 'fastify';
import { Kind, type OperationDefinitionNode } from 'graphql';
import type { WorkerEvents } from 'graphile-worker';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Context } from './context';
import type { Services } from './services';

/**
 * Prometheus metrics at GET /metrics (protected by METRICS_TOKEN as a bearer token when set).
 *
 * Two kinds, on purpose:
 * - this instance's traffic, counted as it happens: HTTP and GraphQL latency, bookings by
 *   outcome (the bookConsultation mutation's result or error code), job failures, live subscribers;
 * - the business totals, read from PostgreSQL when scraped, so they survive restarts and need no
 *   hooks in the services: payments by charge status, refunds by source, webhook events by
 *   outcome, the job queue's depth and its failing jobs. These are the same from every instance:
 *   aggregate them with max(), not sum().
 */
export interface Metrics {
  registry: Registry;
  apolloPlugin: ApolloServerPlugin<Context>;
  /** Counts failed job attempts; called with the job runner's events once it runs. */
  observeJobs(events: WorkerEvents): void;
  /** Reports the live subscription count; called once the WebSocket server exists. */
  observeSubscribers(count: () => number): void;
}

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(services: Services): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const db = () => services.orm.em.fork();

  new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by method, route and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: BUCKETS,
    registers: [registry],
  });
  const graphql = new Histogram({
    name: 'graphql_operation_duration_seconds',
    help: 'GraphQL operations over HTTP by operation name and type, and whether they had errors',
    labelNames: ['operation_name', 'operation_type', 'outcome'] as const,
    buckets: BUCKETS,
    registers: [registry],
  });
  const bookings = new Counter({
    name: 'bookings_total',
    help: 'bookConsultation results: ok, or the error code (CONFLICT, PAYMENT_FAILED, BAD_USER_INPUT, ...)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const jobFailures = new Counter({
    name: 'job_failures_total',
    help: 'Failed job attempts by task (each is retried with backoff until its max attempts)',
    labelNames: ['task'] as const,
    registers: [registry],
  });
  let subscribers: () => number = () => 0;
  new Gauge({
    name: 'graphql_live_subscriptions',
    help: 'Subscriptions streaming over graphql-ws on this instance',
    registers: [registry],
    collect() {
      this.set(subscribers());
    },
  });

  const fromDatabase = <L extends string>(name: string, help: string, labelNames: readonly L[], sql: string): Gauge<L> =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const rows = await db().execute<(Record<L, string> & { n: string })[]>(sql);
        this.reset();
        for (const r of rows) this.set(Object.fromEntries(labelNames.map((l) => [l, r[l]])) as unknown as Record<L, string>, Number(r.n));
      },
    });
  fromDatabase(
    'payments',
    'Consultation charges by status (pending, succeeded, failed, canceled, refunded); database totals',
    ['status'],
    `select status, count(*) as n from consultation_charges group by status`,
  );
  fromDatabase('refunds', 'Refunds by source; database totals', ['source'], `select source, count(*) as n from refunds group by source`);
  fromDatabase(
    'refunded_cents',
    'Refunded amount in cents by source; database totals',
    ['source'],
    `select source, coalesce(sum(amount_cents), 0) as n from refunds group by source`,
  );
  fromDatabase(
    'webhook_events',
    'Webhook deliveries by provider and outcome (received, processed, ignored, failed); database totals',
    ['provider', 'status'],
    `select provider, status, count(*) as n from processed_webhook_events group by provider, status`,
  );
  new Gauge({
    name: 'job_queue_depth',
    help: 'Jobs due to run now and not yet taken by a worker',
    registers: [registry],
    async collect() {
      const [row] = await db().execute<{ n: string }[]>(
        `select count(*) as n from graphile_worker.jobs where run_at <= now() and locked_at is null and attempts < max_attempts`,
      );
      this.set(Number(row?.n ?? 0));
    },
  });
  fromDatabase(
    'job_queue_failing',
    'Jobs whose last attempt failed, by task and whether they will be retried (retrying) or not (given_up)',
    ['task', 'state'],
    `select task_identifier as task, case when attempts >= max_attempts then 'given_up' else 'retrying' end as state, count(*) as n
     from graphile_worker.jobs where last_error is not null group by 1, 2`,
  );

  const apolloPlugin: ApolloServerPlugin<Context> = {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      let op: OperationDefinitionNode | undefined;
      return {
        async didResolveOperation({ operation }) {
          op = operation ?? undefined;
        },
        async willSendResponse({ response, errors, operationName }) {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
          // The formatted errors: their codes are the ones clients see.
          const all = body?.errors ?? errors ?? [];
          graphql.observe(
            {
              operation_name: operationName ?? op?.name?.value ?? 'anonymous',
              operation_type: op?.operation ?? 'unknown',
              outcome: all.length ? 'error' : 'ok',
            },
            seconds,
          );
          if (op?.operation !== 'mutation') return;
          for (const sel of op.selectionSet.selections) {
            if (sel.kind !== Kind.FIELD || sel.name.value !== 'bookConsultation') continue;
            const key = sel.alias?.value ?? sel.name.value;
            const failed = all.find((e) => e.path?.[0] === key);
            bookings.inc({ outcome: failed ? String(failed.extensions?.code ?? 'INTERNAL_SERVER_ERROR') : 'ok' });
          }
        },
      };
    },
  };

  return {
    registry,
    apolloPlugin,
    observeJobs(events) {
      events.on('job:failed', ({ job }) => jobFailures.inc({ task: job.task_identifier }));
    },
    observeSubscribers(count) {
      subscribers = count;
    },
  };
}

/** GET /metrics, and the HTTP latency of every route (by its pattern, so ids do not make new series). */
export function addMetricsRoute(fastify: FastifyInstance, metrics: Metrics, token: string | undefined): void {
  const http = metrics.registry.getSingleMetric('http_request_duration_seconds') as Histogram<'method' | 'route' | 'status_code'>;
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (route === '/metrics') return;
    http.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
  fastify.get('/metrics', async (request, reply) => {
    if (token && request.headers.authorization !== `Bearer ${token}`) {
      return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'METRICS_TOKEN required' });
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}
