import { Pool } from 'pg';
import { run, type JobHelpers, type Runner, type Task, type TaskList } from 'graphile-worker';
import type { Logger as PinoLogger } from 'pino';
import { Logger as WorkerLogger } from 'graphile-worker';
import type { RefundSource } from './modules/consultation/charge.entity';
import { withLogScope } from './logging';
import type { Services } from './services';

/**
 * The durable job queue (graphile-worker, in the same PostgreSQL). Jobs are added with
 * `graphile_worker.add_job(...)` inside the transaction that makes them necessary, so a job
 * exists exactly when its cause committed; failures are retried with exponential backoff.
 */
export function taskList(services: Services): TaskList {
  return {
    deliver_email: async (payload) => {
      const { id } = payload as { id: string };
      await services.notifications.deliver(services.orm.em.fork(), id);
    },
    expire_unpaid_booking: async (payload) => {
      const { consultationId } = payload as { consultationId: string };
      await services.consultations.expireUnpaid(consultationId);
    },
    process_webhook_event: async (payload, helpers) => {
      const { id } = payload as { id: string };
      await services.webhooks.process(id, { attempt: helpers.job.attempts, maxAttempts: helpers.job.max_attempts });
    },
    calcom_cancel_booking: async (payload) => {
      const { uid, reason } = payload as { uid: string; reason: string };
      await services.calcom.cancelBooking(uid, reason);
    },
    refund_consultation: async (payload) => {
      const p = payload as { consultationId: string; source: RefundSource; userId: string | null; reason: string | null };
      await services.consultations.refundRemaining(p.consultationId, p.source, p.userId, p.reason);
    },
    process_payout: async (payload) => {
      const { payoutId } = payload as { payoutId: string };
      await services.payouts.processOne(payoutId, null);
    },
  };
}

function workerLogger(log: PinoLogger): WorkerLogger {
  return new WorkerLogger(() => (level, message, meta) => {
    const fn = level === 'error' ? log.error : level === 'warning' ? log.warn : log.debug;
    fn.call(log, meta ?? {}, `[jobs] ${message}`);
  });
}

/** Each job logs with its job id, and with the id of the request that queued it when its payload carries one. */
function inLogScope(tasks: TaskList, log: PinoLogger): TaskList {
  return Object.fromEntries(
    Object.entries(tasks as Record<string, Task>).map(([task, fn]) => [
      task,
      (payload: unknown, helpers: JobHelpers) => {
        const reqId = (payload as { reqId?: unknown } | null)?.reqId;
        const scope = { jobId: helpers.job.id, task, reqId: typeof reqId === 'string' ? reqId : undefined };
        return withLogScope(scope, async () => {
          const started = Date.now();
          await fn(payload, helpers);
          log.debug({ attempt: helpers.job.attempts, ms: Date.now() - started }, 'job done');
        });
      },
    ]),
  );
}

export interface Jobs {
  runner: Runner;
  stop(): Promise<void>;
}

export async function startJobs(services: Services, connectionString: string, extraTasks: TaskList = {}): Promise<Jobs> {
  // Our own pool, so that an idle connection dropped by the server (a restart, a failover) is
  // logged rather than an unhandled 'error' event, and so that stopping ends it for certain.
  const pgPool = new Pool({ connectionString, max: 6 });
  pgPool.on('error', (err) => services.log.warn({ err }, '[jobs] idle database connection lost'));
  const runner = await run({
    pgPool,
    concurrency: 4,
    noHandleSignals: true,
    pollInterval: 1000,
    logger: workerLogger(services.log),
    taskList: inLogScope({ ...taskList(services), ...extraTasks }, services.log),
  });
  return {
    runner,
    async stop() {
      await runner.stop();
      await pgPool.end();
    },
  };
}
