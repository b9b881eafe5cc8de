import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import os from 'node:os';
import { Pool } from 'pg';
import { makeWorkerUtils, run, type JobHelpers, type Runner, type Task, type TaskList, type WorkerEvents } from 'graphile-worker';
import type { Logger as PinoLogger } from 'pino';
import { Logger as WorkerLogger } from 'graphile-worker';
import { SCHEDULER } from '../common/actor';
import { PermanentError } from '../common/errors';
import { withLogScope } from '../logging';
import type { Services } from '../services';
import type { JobName, JobPayloads } from './payloads';

/** The job's last try: an ambiguous failure now ends with a recorded decision instead of a retry. */
const lastAttempt = (helpers: JobHelpers) => helpers.job.attempts >= helpers.job.max_attempts;

/** Every task, each given the payload JobPayloads names for it. */
export type Tasks = { [N in JobName]: (payload: JobPayloads[N], helpers: JobHelpers) => Promise<void> };

/**
 * The durable job queue (graphile-worker, in the same PostgreSQL). Jobs are added with `enqueue`
 * (queue.ts) inside the transaction that makes them necessary, so a job exists exactly when its
 * cause committed; failures are retried with exponential backoff.
 *
 * The money tasks end for good on a permanent error, with the decision recorded where admins see
 * it: holds are released (status history, the charge's failure message), refunds record Stripe's
 * refusal on the charge, webhook events and payouts end FAILED, Cal.com's refusal is noted in the
 * consultation's history. Only ambiguous failures are retried, a bounded number of times. Emails
 * keep their last error on the outbox row and stop after EMAIL_MAX_ATTEMPTS (10 by default).
 */
export function taskList(services: Services): Tasks {
  return {
    deliver_email: async ({ id }, helpers) => {
      await services.notifications.deliver(id, {
        attempt: helpers.job.attempts,
        maxAttempts: helpers.job.max_attempts,
      });
    },
    expire_unpaid_booking: async ({ consultationId }, helpers) => {
      await services.consultations.booking.settleHold(consultationId, { lastAttempt: lastAttempt(helpers) });
    },
    settle_hold: async ({ consultationId }, helpers) => {
      await services.consultations.booking.settleHold(consultationId, { lastAttempt: lastAttempt(helpers) });
    },
    recover_payments: async () => {
      const holds = await services.consultations.booking.queueHoldSettlements();
      const payouts = await services.payouts.queueStaleClaims();
      if (holds || payouts) services.log.info({ holds, payouts }, '[jobs] recovery sweep queued work');
    },
    process_webhook_event: async ({ id }, helpers) => {
      await services.webhooks.process(id, { attempt: helpers.job.attempts, maxAttempts: helpers.job.max_attempts });
    },
    calcom_cancel_booking: async ({ uid, reason }) => {
      try {
        await services.calcom.cancelBooking(uid, reason);
      } catch (err) {
        if (!(err instanceof PermanentError)) throw err;
        services.log.error({ err, uid }, '[jobs] Cal.com refused to cancel a booking');
        await services.consultations.calendar.noteCalcomRefusal(uid, err.message);
      }
    },
    refund_consultation: async (p, helpers) => {
      await services.consultations.refunds.refundOrRecordRefusal(p.consultationId, p.source, p.userId, p.reason, {
        lastAttempt: lastAttempt(helpers),
      });
    },
    process_payout: async ({ payoutId }) => {
      await services.payouts.process(SCHEDULER, payoutId);
    },
    send_reminder: async ({ consultationId, role }) => {
      await services.notifications.remind(consultationId, role);
    },
    chat_unread_email: async ({ consultationId, userId }) => {
      await services.chat.notifyUnread(consultationId, userId);
    },
    check_ledger: async (payload, helpers) => {
      await services.reconciliation.runJob(payload, {
        attempt: helpers.job.attempts,
        maxAttempts: helpers.job.max_attempts,
      });
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
  /** This process's workers, as they appear in `locked_by`. */
  workerIds: readonly string[];
  /** Unlocks the jobs of workers whose process stopped beating; returns their ids. */
  reclaimDeadWorkers(): Promise<string[]>;
  stop(): Promise<void>;
}

export interface JobsOptions {
  /** How often this process says its workers are alive. */
  heartbeatMs?: number;
  /** A worker silent this long belongs to a dead process: its jobs are unlocked. */
  deadAfterMs?: number;
}

/**
 * graphile-worker's crontab (minute hour day month weekday task options); each tick runs once
 * across instances.
 * - The recovery sweep, every minute.
 * - The ledger check, daily at 03:17 UTC: `fill` runs a check missed while no worker was up in the
 *   12 hours before; `max` gives a check that keeps failing (Stripe unreachable) three tries
 *   before its run stays FAILED.
 */
const CRONTAB = ['* * * * * recover_payments ?max=3&jobKey=recover-payments', '17 3 * * * check_ledger ?fill=12h&max=3'].join('\n');

export async function startJobs(services: Services, connectionString: string, opts: JobsOptions = {}): Promise<Jobs> {
  const heartbeatMs = opts.heartbeatMs ?? 10_000;
  const deadAfterMs = opts.deadAfterMs ?? 30_000;
  // Our own pool, so that an idle connection dropped by the server (a restart, a failover) is
  // logged rather than an unhandled 'error' event, and so that stopping ends it for certain.
  const pgPool = new Pool({ connectionString, max: 6 });
  pgPool.on('error', (err) => services.log.warn({ err }, '[jobs] idle database connection lost'));

  // graphile-worker names its workers at random; we learn the names as it creates them.
  const workerIds: string[] = [];
  const events = new EventEmitter() as WorkerEvents;
  events.on('worker:create', ({ worker }) => {
    workerIds.push(worker.workerId);
  });
  const runner = await run({
    pgPool,
    concurrency: 4,
    noHandleSignals: true,
    pollInterval: 1000,
    logger: workerLogger(services.log),
    events,
    crontab: CRONTAB,
    taskList: inLogScope(taskList(services), services.log),
  });
  const utils = await makeWorkerUtils({ pgPool, logger: workerLogger(services.log) });
  const instanceId = `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

  const beat = () =>
    pgPool.query(
      `insert into job_worker_heartbeats (worker_id, instance_id, beat_at) select unnest($1::text[]), $2, now()
       on conflict (worker_id) do update set beat_at = now(), instance_id = excluded.instance_id`,
      [workerIds, instanceId],
    );

  /**
   * graphile-worker frees a dead worker's jobs only after 4 hours. A worker is dead when its
   * heartbeat is older than `deadAfterMs`; a worker with no heartbeat at all (a process that died
   * before its first beat, or one of a version without heartbeats) after 2 minutes of holding a
   * lock. A live instance beats every `heartbeatMs`, so its jobs are never taken from it.
   */
  const reclaimDeadWorkers = async (): Promise<string[]> => {
    const { rows } = await pgPool.query<{ worker_id: string }>(
      `select distinct j.locked_by as worker_id
       from graphile_worker.jobs j left join job_worker_heartbeats h on h.worker_id = j.locked_by
       where j.locked_by is not null and j.locked_by <> all($1::text[])
         and (h.beat_at < now() - $2 * interval '1 millisecond'
              or (h.worker_id is null and j.locked_at < now() - interval '2 minutes'))`,
      [workerIds, deadAfterMs],
    );
    const dead = rows.map((r) => r.worker_id);
    if (dead.length) {
      await utils.forceUnlockWorkers(dead);
      await pgPool.query('delete from job_worker_heartbeats where worker_id = any($1::text[])', [dead]);
      services.log.warn({ workers: dead }, '[jobs] unlocked the jobs of workers of a process that died');
    }
    return dead;
  };

  await beat();
  await reclaimDeadWorkers();
  // A process that died mid-booking leaves holds to settle: look soon after start, then every minute.
  await utils.addJob('recover_payments', {}, { runAt: new Date(Date.now() + 15_000), jobKey: 'recover-payments', maxAttempts: 3 });

  let beating = false;
  const timer = setInterval(() => {
    if (beating) return;
    beating = true;
    beat()
      .then(() => reclaimDeadWorkers())
      .then(() => pgPool.query(`delete from job_worker_heartbeats where beat_at < now() - interval '1 day'`))
      .catch((err: unknown) => services.log.warn({ err }, '[jobs] heartbeat failed'))
      .finally(() => {
        beating = false;
      });
  }, heartbeatMs);
  timer.unref();

  return {
    runner,
    workerIds,
    reclaimDeadWorkers,
    async stop() {
      clearInterval(timer);
      await runner.stop();
      await pgPool.query('delete from job_worker_heartbeats where worker_id = any($1::text[])', [workerIds]).catch(() => undefined);
      await utils.release();
      await pgPool.end();
    },
  };
}
