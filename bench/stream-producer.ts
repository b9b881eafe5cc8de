/**
 * Status-change producer for the stream figure of npm run bench, forked by bench/run.ts: another
 * instance of the app (createApp over the same database, not listening), so the server under test
 * only receives the NOTIFYs, as it would from a second instance, and spends nothing on producing.
 * It receives one job over IPC and answers with the commit time of each change, on the clock all
 * bench processes share (performance.timeOrigin + performance.now()).
 *
 *   changes  paced at `rate`, each in its own transaction, stamped after COMMIT; by default the row's
 *            status and the event (publishStatusChanged, the lifecycle's own NOTIFY) alone, since
 *            the whole lifecycle through the ORM tops out well below 200/s in one process here;
 *            with `lifecycle`, lock + transition as the app does it (history, emails and all)
 *   raw      the anchor: pg_notify on `channel` at the same rate from one connection, the send
 *            time inside the payload, so a listener elsewhere measures NOTIFY -> LISTEN
 */
import 'reflect-metadata';
import pino from 'pino';
import { Client } from 'pg';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import type { ConsultationStatus } from '../src/modules/consultation/consultation.entity';
import { SYSTEM_ACTING } from '../src/modules/consultation/lifecycle';
import { publishStatusChanged } from '../src/modules/consultation/consultation.events';

export type ProducerJob =
  | { kind: 'changes'; databaseUrl: string; rate: number; lifecycle: boolean; changes: { id: string; to: ConsultationStatus }[] }
  | { kind: 'raw'; databaseUrl: string; rate: number; count: number; channel: string };

export interface ProducerReport {
  /** `${consultationId}:${STATUS}` -> commit time (shared clock, ms). */
  committed: [string, number][];
  failed: number;
  elapsedMs: number;
}

export const sharedNow = () => performance.timeOrigin + performance.now();

/** Fires `fire(n)` for n < count at `rate` per second without waiting for earlier ones. */
async function paced(count: number, rate: number, fire: (n: number) => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  const inFlight: Promise<unknown>[] = [];
  for (let n = 0; n < count; n++) {
    const wait = t0 + (n * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(fire(n));
  }
  await Promise.all(inFlight);
  return performance.now() - t0;
}

async function changes(job: Extract<ProducerJob, { kind: 'changes' }>): Promise<ProducerReport> {
  const log = pino({ level: 'warn' });
  const config = loadConfig({ EMAIL_TRANSPORT: 'log', ...process.env, RATE_LIMITS: 'off', NODE_ENV: 'test', LOG_LEVEL: 'warn' });
  const app = await createApp({ config: { ...config, runMigrations: false }, databaseUrl: job.databaseUrl, log });
  const { lifecycle } = app.services.consultations;
  const committed: [string, number][] = [];
  let failed = 0;
  try {
    const elapsedMs = await paced(job.changes.length, job.rate, async (n) => {
      const { id, to } = job.changes[n]!;
      try {
        await app.services.orm.em.fork().transactional(async (em) => {
          if (job.lifecycle) return lifecycle.transition(em, await lifecycle.lock(em, id), to, SYSTEM_ACTING, 'bench');
          const [row] = await em.execute<{ previous: ConsultationStatus; client_id: string; user_id: string }[]>(
            `with prev as (
               select c.status, c.client_id, a.user_id from consultations c join advisors a on a.id = c.advisor_id where c.id = ? for update of c
             )
             update consultations c set status = ?, updated_at = now() from prev where c.id = ?
             returning prev.status as previous, prev.client_id, prev.user_id`,
            [id, to, id],
          );
          if (!row) throw new Error(`no consultation ${id}`);
          await publishStatusChanged(app.pubsub, em, {
            consultationId: id,
            previousStatus: row.previous,
            status: to,
            changedAt: new Date().toISOString(),
            clientId: row.client_id,
            advisorUserId: row.user_id,
          });
        });
        committed.push([`${id}:${to.toUpperCase()}`, sharedNow()]);
      } catch (err) {
        if (failed++ === 0) console.error('a status change failed', err);
      }
    });
    return { committed, failed, elapsedMs };
  } finally {
    await app.close();
  }
}

async function raw(job: Extract<ProducerJob, { kind: 'raw' }>): Promise<ProducerReport> {
  const client = new Client({ connectionString: job.databaseUrl });
  await client.connect();
  try {
    // One connection runs one query at a time: each NOTIFY queues behind the previous one, as pg would.
    let previous: Promise<unknown> = Promise.resolve();
    const elapsedMs = await paced(job.count, job.rate, (n) => {
      const payload = `${n} ${sharedNow()}`;
      return (previous = previous.then(() => client.query('select pg_notify($1, $2)', [job.channel, payload])));
    });
    return { committed: [], failed: 0, elapsedMs };
  } finally {
    await client.end();
  }
}

process.once('message', (job: ProducerJob) => {
  (job.kind === 'changes' ? changes(job) : raw(job)).then(
    (report) => process.send!(report, () => process.exit(0)),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
});
