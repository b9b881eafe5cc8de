import { Readable } from 'node:stream';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { FastifyReply } from 'fastify';
import { DomainError, notFound, type ErrorCode } from '../../common/errors';
import type { Context } from '../../context';
import type { LedgerKind } from '../ledger/ledger.entity';
import { Amount, csvLine, type CsvValue } from './csv';
import { splitNotes } from './earnings.service';
import { parseMonth, type Month } from './month';

/**
 * The accounting export: GET /admin/exports/{payouts,charges,ledger}.csv?month=YYYY-MM with the
 * admin's bearer token, answered as a CSV download streamed page by page. A plain authenticated
 * GET (rather than a signed URL) keeps one way of proving who asks; an admin tool downloads it with
 * the token it already holds for GraphQL.
 */
const PAGE = 500;

interface ExportSpec {
  header: string[];
  /** A query over one month whose rows carry `sort_at` (text, microseconds) and `id`; `%KEYSET%` marks where paging goes. */
  sql: string;
  params: (m: Month) => unknown[];
  row: (r: Record<string, unknown>) => CsvValue[];
}

/** ISO 8601 in UTC with microseconds, from PostgreSQL itself (raw rows would carry its own text form). */
const TS = (col: string) => `to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const cents = (v: unknown) => Number(v ?? 0);
const text = (v: unknown) => (v === null || v === undefined ? null : String(v));

const EXPORTS: Record<string, ExportSpec> = {
  'payouts.csv': {
    header: [
      'payout_id',
      'month',
      'advisor_id',
      'advisor_name',
      'status',
      'total_cents',
      'total',
      'currency',
      'entries',
      'consultations',
      'stripe_transfer_id',
      'status_reason',
      'attempts',
      'created_at',
      'processed_at',
    ],
    sql: `select * from (
            select p.id, ${TS('p.created_at')} as sort_at, to_char(p.payout_month, 'YYYY-MM') as month, p.advisor_id,
                   a.display_name, p.status, p.total_cents, p.currency, p.stripe_transfer_id, p.status_reason, p.attempts,
                   ${TS('p.created_at')} as created_at, ${TS('p.processed_at')} as processed_at,
                   (select count(*) from ledger_entries e where e.payout_id = p.id) as entries,
                   (select count(*) from ledger_entries e where e.payout_id = p.id and e.kind = 'earning') as consultations
            from advisor_payouts p join advisors a on a.id = p.advisor_id
            where p.payout_month = ?::date
          ) x where true %KEYSET% order by x.sort_at, x.id limit ${PAGE}`,
    params: (m) => [m.firstDay],
    row: (r) => [
      r.id as string,
      r.month as string,
      r.advisor_id as string,
      r.display_name as string,
      r.status as string,
      cents(r.total_cents),
      new Amount(cents(r.total_cents)),
      r.currency as string,
      cents(r.entries),
      cents(r.consultations),
      r.stripe_transfer_id as string | null,
      r.status_reason as string | null,
      cents(r.attempts),
      text(r.created_at),
      text(r.processed_at),
    ],
  },
  'charges.csv': {
    header: [
      'consultation_id',
      'charge_id',
      'advisor_id',
      'advisor_name',
      'consultation_start',
      'consultation_status',
      'charge_status',
      'dispute_status',
      'gross_cents',
      'platform_fee_cents',
      'advisor_earnings_cents',
      'refunded_cents',
      'refunds',
      'currency',
      'stripe_payment_intent_id',
      'stripe_charge_id',
      'paid_at',
    ],
    sql: `select * from (
            select c.id, ${TS('c.start_time')} as sort_at, cc.id as charge_id, c.advisor_id, a.display_name,
                   ${TS('c.start_time')} as start_time,
                   c.status as consultation_status, cc.status as charge_status, cc.dispute_status, cc.total_amount_cents,
                   cc.platform_fee_cents, cc.advisor_earnings_cents, cc.refunded_cents, cc.currency,
                   cc.stripe_payment_intent_id, cc.stripe_charge_id, ${TS('cc.succeeded_at')} as succeeded_at,
                   (select count(*) from refunds r where r.charge_id = cc.id) as refunds
            from consultations c
            join consultation_charges cc on cc.consultation_id = c.id
            join advisors a on a.id = c.advisor_id
            where c.start_time >= ? and c.start_time < ? and cc.status in ('succeeded', 'refunded')
          ) x where true %KEYSET% order by x.sort_at, x.id limit ${PAGE}`,
    params: (m) => [m.start, m.end],
    row: (r) => [
      r.id as string,
      r.charge_id as string,
      r.advisor_id as string,
      r.display_name as string,
      text(r.start_time),
      r.consultation_status as string,
      r.charge_status as string,
      r.dispute_status as string | null,
      cents(r.total_amount_cents),
      cents(r.platform_fee_cents),
      cents(r.advisor_earnings_cents),
      cents(r.refunded_cents),
      cents(r.refunds),
      r.currency as string,
      r.stripe_payment_intent_id as string | null,
      r.stripe_charge_id as string | null,
      text(r.succeeded_at),
    ],
  },
  'ledger.csv': {
    header: [
      'entry_id',
      'accrued_at',
      'advisor_id',
      'advisor_name',
      'kind',
      'amount_cents',
      'amount',
      'consultation_id',
      'payout_id',
      'payout_month',
      'reason',
      'notes',
      'external_ref',
      'created_by',
      'created_at',
    ],
    sql: `select * from (
            select e.id, ${TS('e.accrued_at')} as sort_at, ${TS('e.accrued_at')} as accrued_at, e.advisor_id, a.display_name,
                   e.kind, e.amount_cents,
                   e.consultation_id, e.payout_id, to_char(p.payout_month, 'YYYY-MM') as payout_month, e.notes,
                   e.external_ref, e.created_by_id, ${TS('e.created_at')} as created_at
            from ledger_entries e
            join advisors a on a.id = e.advisor_id
            left join advisor_payouts p on p.id = e.payout_id
            where e.accrued_at >= ? and e.accrued_at < ?
          ) x where true %KEYSET% order by x.sort_at, x.id limit ${PAGE}`,
    params: (m) => [m.start, m.end],
    row: (r) => {
      const { reason, notes } = splitNotes(r.kind as LedgerKind, r.notes as string | null);
      return [
        r.id as string,
        text(r.accrued_at),
        r.advisor_id as string,
        r.display_name as string,
        r.kind as string,
        cents(r.amount_cents),
        new Amount(cents(r.amount_cents)),
        r.consultation_id as string | null,
        r.payout_id as string | null,
        r.payout_month as string | null,
        reason,
        notes,
        r.external_ref as string | null,
        r.created_by_id as string | null,
        text(r.created_at),
      ];
    },
  },
};

async function* csvRows(em: EntityManager, spec: ExportSpec, month: Month): AsyncGenerator<string> {
  yield csvLine(spec.header);
  let after: [string, string] | null = null;
  for (;;) {
    const keyset = after ? 'and (x.sort_at, x.id) > (?, ?::uuid)' : '';
    const rows: Record<string, unknown>[] = await em.execute(spec.sql.replace('%KEYSET%', keyset), [
      ...spec.params(month),
      ...(after ?? []),
    ]);
    for (const r of rows) yield csvLine(spec.row(r));
    if (rows.length < PAGE) return;
    const last = rows[rows.length - 1]!;
    after = [last.sort_at as string, last.id as string];
  }
}

/** One month's CSV, streamed from its own EntityManager (the route checks who may have it). */
export async function financeExport(em: EntityManager, file: string, monthParam: unknown): Promise<{ filename: string; body: Readable }> {
  const spec = Object.hasOwn(EXPORTS, file) ? EXPORTS[file] : undefined;
  if (!spec) throw notFound(`Export ${file}`);
  const month = parseMonth(typeof monthParam === 'string' ? monthParam : '');
  return { filename: `${file.replace(/\.csv$/, '')}-${month.key}.csv`, body: Readable.from(csvRows(em, spec, month)) };
}

const HTTP_STATUS: Record<ErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  BAD_USER_INPUT: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYMENT_FAILED: 402,
  RATE_LIMITED: 429,
};

/**
 * The route (GET /exports/...): admins only, the role checked here as a resolver's @Authorized
 * would; answers the CSV, or the domain error as JSON with the matching HTTP status.
 */
export async function sendFinanceExport(ctx: Context, file: string, month: unknown, reply: FastifyReply): Promise<FastifyReply> {
  let out;
  try {
    ctx.requireAdmin();
    out = await financeExport(ctx.em.fork(), file, month);
  } catch (err) {
    if (err instanceof DomainError) {
      return reply.code(HTTP_STATUS[err.code]).send({ error: { code: err.code, message: err.message } });
    }
    throw err;
  }
  return reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${out.filename}"`)
    .header('cache-control', 'no-store')
    .send(out.body);
}
