import type { EntityManager } from '@mikro-orm/postgresql';
import { currentReqId } from '../logging';
import type { JobName, JobPayloads } from './payloads';
import type { SqlFragment } from '../db/sql';

/**
 * Adding jobs to the durable queue (graphile-worker, in the same PostgreSQL). A job is added
 * through the caller's EntityManager, inside the transaction that makes it necessary, so it exists
 * exactly when its cause committed. Names and payloads are checked against JobPayloads.
 */

/** What a second job under the same key does (graphile-worker's job_key_mode). */
export type JobKeyMode = 'replace' | 'preserve_run_at' | 'unsafe_dedupe';

export interface EnqueueOptions {
  /** At most one waiting job per key: adding again replaces it (see jobKeyMode). */
  jobKey?: string;
  jobKeyMode?: JobKeyMode;
  /** Not before this time; by default now. */
  runAt?: Date;
  /** Not before this many milliseconds from now, on the database's clock (when runAt is not given). */
  delayMs?: number;
  /** Tries before the job is left failed; graphile-worker's default is 25. */
  maxAttempts?: number;
  /** Jobs of one named queue run one at a time, in order. */
  queueName?: string;
}

export async function enqueue<N extends JobName>(
  em: EntityManager,
  name: N,
  payload: JobPayloads[N],
  opts: EnqueueOptions = {},
): Promise<void> {
  const job = enqueueSql(name, payload, opts);
  await em.execute(`select ${job.sql}`, job.params);
}

/**
 * The add_job call of {@link enqueue} as an SQL expression with its parameters, for a statement
 * that must add the job together with the rows that make it necessary (and only if they are added).
 */
export function enqueueSql<N extends JobName>(name: N, payload: JobPayloads[N], opts: EnqueueOptions = {}): SqlFragment {
  return {
    sql: `graphile_worker.add_job(?, ?::json, queue_name := ?::text,
       run_at := coalesce(?::timestamptz, now() + ?::int * interval '1 millisecond'),
       max_attempts := ?::int, job_key := ?::text, job_key_mode := coalesce(?::text, 'replace'))`,
    params: [
      name,
      JSON.stringify({ ...payload, reqId: currentReqId() }),
      opts.queueName ?? null,
      opts.runAt ?? null,
      opts.delayMs ?? 0,
      opts.maxAttempts ?? null,
      opts.jobKey ?? null,
      opts.jobKeyMode ?? null,
    ],
  };
}

/** One job to add in {@link enqueueAll}. */
export type JobSpec = { [N in JobName]: { name: N; payload: JobPayloads[N]; opts?: EnqueueOptions } }[JobName];

/**
 * Several jobs added, and the waiting jobs under `removeKeys` removed, in one statement (each as
 * {@link enqueue} and {@link removeJob} would do it alone).
 */
export async function enqueueAll(em: EntityManager, jobs: readonly JobSpec[], removeKeys: readonly string[] = []): Promise<void> {
  if (jobs.length === 0 && removeKeys.length === 0) return;
  const { sql, params } = enqueueAllSql(jobs, removeKeys);
  await em.execute(`select ${sql}`, params);
}

/**
 * The calls of {@link enqueueAll} as an SQL select list with its parameters, for a statement that
 * adds the jobs together with the rows that make them necessary (`select <list> from <those rows>`).
 */
export function enqueueAllSql(jobs: readonly JobSpec[], removeKeys: readonly string[] = []): SqlFragment {
  const calls: string[] = [];
  const params: unknown[] = [];
  for (const job of jobs) {
    const one = enqueueSql(job.name, job.payload as never, job.opts);
    calls.push(`${one.sql} is not null`);
    params.push(...one.params);
  }
  for (const key of removeKeys) {
    calls.push('graphile_worker.remove_job(?) is null');
    params.push(key);
  }
  return { sql: calls.length ? calls.join(',\n  ') : 'null', params };
}

/** Removes the waiting job under `key`, if any (a job already running is left to finish). */
export async function removeJob(em: EntityManager, key: string): Promise<void> {
  await em.execute('select graphile_worker.remove_job(?)', [key]);
}

/**
 * One job per row, in one statement: the set-based form for sweeps. `from` is an SQL FROM clause
 * (tables, joins, conditions; `?` parameters from `params`); each payload field, and the job key,
 * is an SQL expression over its rows (without parameters). E.g.
 *
 *   enqueueEach(em, 'process_payout', {
 *     payload: { payoutId: 'id::text' },
 *     from: `advisor_payouts where status = 'processing' and updated_at < ?`,
 *     params: [staleBefore],
 *     jobKey: `'process-payout:' || id::text`,
 *     maxAttempts: 5,
 *   })
 *
 * Returns how many jobs were added (or replaced).
 */
export async function enqueueEach<N extends JobName>(
  em: EntityManager,
  name: N,
  spec: {
    payload: { [K in keyof JobPayloads[N]]: string };
    from: string;
    params?: unknown[];
    jobKey?: string;
    maxAttempts?: number;
    queueName?: string;
  },
): Promise<number> {
  const fields = Object.entries(spec.payload as Record<string, string>)
    .map(([field, expr]) => {
      if (!/^[A-Za-z_]\w*$/.test(field)) throw new Error(`not a payload field name: ${field}`);
      return `'${field}', ${expr}`;
    })
    .join(', ');
  const [row] = await em.execute<{ n: string }[]>(
    `select count(graphile_worker.add_job(?, json_build_object(${fields ? `${fields}, ` : ''}'reqId', ?::text),
       queue_name := ?::text, max_attempts := ?::int, job_key := ${spec.jobKey ?? 'null'})) as n
     from ${spec.from}`,
    [name, currentReqId(), spec.queueName ?? null, spec.maxAttempts ?? null, ...(spec.params ?? [])],
  );
  return Number(row?.n ?? 0);
}
