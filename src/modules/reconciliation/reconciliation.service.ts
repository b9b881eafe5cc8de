import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { notFound } from '../../common/errors';
import { assertUuid } from '../../common/ids';
import { actorUserId, type Actor } from '../../common/actor';
import { cursorShapes, keysetCondition, keysetOrder, pageRequest, toConnection, type ConnectionShape } from '../../graphql/connection';
import { isAmbiguousStripeError, type PaymentGateway, type Period } from '../../payments/gateway';
import { enqueue } from '../../jobs/queue';
import { User } from '../user/user.entity';
import { checkLedger, findingLine, summaryLine, type LedgerCheckResult } from './ledger-check';
import { checkPeriod, lastDays } from './period';
import { LedgerCheckFinding, LedgerCheckRun, LedgerCheckStatus, LedgerCheckTrigger } from './reconciliation.entity';

/** What the check_ledger job is given: a run an admin queued, or graphile-worker's own `_cron` for the daily one (src/jobs/worker.ts). */
export interface LedgerCheckPayload {
  runId?: string;
  _cron?: { ts: string };
}

/**
 * Ledger checks as runs with stored findings: the daily one, the ones admins queue, and the pages
 * admins read them in. The comparison itself is `checkLedger` (ledger-check.ts).
 */
export class ReconciliationService {
  constructor(
    private readonly deps: {
      log: Logger;
      payments: PaymentGateway;
      em: () => EntityManager;
    },
  ) {}

  /** Runs the check now, in-process, and returns what it found; nothing is stored. */
  check(period: Period): Promise<LedgerCheckResult> {
    return checkLedger({ em: this.deps.em(), payments: this.deps.payments }, period);
  }

  /** Admin: queue a check of a period (YYYY-MM-DD days; the last 30 days by default). */
  async queue(actor: Actor, input: { from?: string | null; to?: string | null }): Promise<LedgerCheckRun> {
    const period = checkPeriod(input);
    return this.deps.em().transactional(async (em) => {
      const run = new LedgerCheckRun(LedgerCheckTrigger.ADMIN, period.from, period.to);
      const requestedBy = actorUserId(actor);
      run.requestedBy = requestedBy ? em.getReference(User, requestedBy) : null;
      em.persist(run);
      await em.flush();
      await enqueue(em, 'check_ledger', { runId: run.id }, { jobKey: `ledger-check:${run.id}`, maxAttempts: 3 });
      return run;
    });
  }

  /**
   * The task. Each attempt records its outcome on the run: AGREED or DIFFERENCES with the findings,
   * or FAILED with the error. A refusal from Stripe (a bad key, a 4xx) ends the job at once; other
   * failures are retried by the queue, and the run stays FAILED after the last attempt.
   */
  async runJob(payload: LedgerCheckPayload, attempt: { attempt: number; maxAttempts: number }): Promise<void> {
    const runId = await this.claim(payload);
    if (!runId) return;
    const [run] = await this.deps
      .em()
      .execute<{ period_from: string; period_to: string }[]>('select period_from, period_to from ledger_check_runs where id = ?', [runId]);
    let result: LedgerCheckResult;
    try {
      result = await this.check({ from: new Date(run!.period_from), to: new Date(run!.period_to) });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await this.deps
        .em()
        .execute(`update ledger_check_runs set status = 'failed', error = ?, finished_at = now() where id = ?`, [message, runId]);
      const retry = isAmbiguousStripeError(err) && attempt.attempt < attempt.maxAttempts;
      this.deps.log.warn({ err, runId, retry }, 'ledger check failed');
      if (retry) throw err;
      return;
    }
    await this.store(runId, result);
    if (result.findings.length) this.deps.log.warn({ runId, differences: result.findings.length }, summaryLine(result));
  }

  /** The run this attempt works on, marked RUNNING; the daily one is created on its first attempt. */
  private async claim(payload: LedgerCheckPayload): Promise<string | null> {
    const em = this.deps.em();
    if (payload.runId) {
      const rows = await em.execute<{ id: string }[]>(
        `update ledger_check_runs set status = 'running', attempts = attempts + 1, started_at = now(), error = null
         where id = ? returning id`,
        [payload.runId],
      );
      return rows[0]?.id ?? null;
    }
    const scheduledFor = payload._cron?.ts ? new Date(payload._cron.ts) : new Date();
    const period = lastDays(scheduledFor);
    const [row] = await em.execute<{ id: string }[]>(
      `insert into ledger_check_runs (id, trigger, trigger_key, period_from, period_to, status, attempts, started_at, created_at)
       values (gen_random_uuid(), 'schedule', ?, ?, ?, 'running', 1, now(), ?)
       on conflict (trigger_key) do update set status = 'running', attempts = ledger_check_runs.attempts + 1, started_at = now(), error = null
       returning id`,
      // created_at from the application's clock, in milliseconds like the page cursors.
      [`schedule:${scheduledFor.toISOString()}`, period.from, period.to, new Date()],
    );
    return row!.id;
  }

  /** The findings replace any of an earlier attempt, with the outcome, in one transaction. */
  private async store(runId: string, result: LedgerCheckResult): Promise<void> {
    const findings = result.findings.map((f, position) => ({
      position,
      kind: f.kind,
      our_id: f.ourId,
      stripe_id: f.stripeId,
      difference: f.difference,
      ours: f.ours,
      stripe: f.stripe,
      line: findingLine(f),
    }));
    await this.deps.em().transactional(async (em) => {
      await em.execute('delete from ledger_check_findings where run_id = ?', [runId]);
      await em.execute(
        `insert into ledger_check_findings (id, run_id, position, kind, our_id, stripe_id, difference, ours, stripe, line)
         select gen_random_uuid(), ?, f.position, f.kind, f.our_id, f.stripe_id, f.difference, f.ours, f.stripe, f.line
         from jsonb_to_recordset(?::jsonb) as f(position int, kind text, our_id text, stripe_id text, difference text, ours text, stripe text, line text)`,
        [runId, JSON.stringify(findings)],
      );
      const c = result.compared;
      await em.execute(
        `update ledger_check_runs set status = ?, payments_compared = ?, refunds_compared = ?, disputes_compared = ?,
           transfers_compared = ?, findings_count = ?, summary = ?, error = null, finished_at = now()
         where id = ?`,
        [
          findings.length ? LedgerCheckStatus.DIFFERENCES : LedgerCheckStatus.AGREED,
          c.payments,
          c.refunds,
          c.disputes,
          c.transfers,
          findings.length,
          summaryLine(result),
          runId,
        ],
      );
    });
  }

  // ---------------------------------------------------------------- reads

  async list(first?: number, after?: string): Promise<ConnectionShape<LedgerCheckRun>> {
    const page = pageRequest({ first, after }, cursorShapes.stringAndId);
    const order = [
      ['createdAt', 'desc'],
      ['id', 'desc'],
    ] as const;
    const where = page.cursor ? keysetCondition(order, [new Date(page.cursor[0] as string), page.cursor[1]], false) : {};
    const rows = await this.deps.em().find(LedgerCheckRun, where, { orderBy: keysetOrder(order, false), limit: page.size + 1 });
    return toConnection(
      rows,
      page,
      (r) => [r.createdAt.toISOString(), r.id],
      (r) => r,
    );
  }

  async get(id: string): Promise<LedgerCheckRun> {
    assertUuid(id);
    const run = await this.deps.em().findOne(LedgerCheckRun, { id });
    if (!run) throw notFound('Ledger check');
    return run;
  }

  async findings(runId: string, first?: number, after?: string): Promise<ConnectionShape<LedgerCheckFinding>> {
    const page = pageRequest({ first, after }, (v) => v.length === 1 && Number.isInteger(v[0]));
    const order = [['position', 'asc']] as const;
    const where = page.cursor ? { run: runId, ...keysetCondition(order, page.cursor, false) } : { run: runId };
    const rows = await this.deps.em().find(LedgerCheckFinding, where, { orderBy: keysetOrder(order, false), limit: page.size + 1 });
    return toConnection(
      rows,
      page,
      (f) => [f.position],
      (f) => f,
    );
  }
}
