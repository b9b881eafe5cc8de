import { auditLog } from '../audit/audit.service';
import type { EntityManager } from '@mikro-orm/postgresql';
import { actorUserId, type Actor, type PersonActor } from '../../common/actor';
import { badInput, conflict, forbidden, notFound } from '../../common/errors';
import { assertUuid } from '../../common/ids';
import { Advisor } from '../advisor/advisor.entity';
import { Consultation } from '../consultation/consultation.entity';
import { LedgerKind } from '../ledger/ledger.entity';
import { LEDGER_ENTRY_COLUMNS, type LedgerService, type RawLedgerEntry } from '../ledger/ledger.service';
import { AdvisorPayout } from '../payout/payout.entity';
import { addMonths, monthFromFirstDay, monthOf, parseMonth, type Month } from './month';

/** What an advisor earned in a month: the ledger entries accrued in it, and the month's payout. */
export interface EarningsSummary {
  month: Month;
  consultations: number;
  grossCents: number;
  refundsCents: number;
  /** Chargebacks net of chargebacks won. */
  chargebacksCents: number;
  manualCents: number;
  adjustmentsCents: number;
  netCents: number;
  /** Entries accrued up to the month's end that are in no payout yet: carried forward when negative. */
  unpaidCents: number;
  payout: AdvisorPayout | null;
}

export interface LedgerEntryRow {
  id: string;
  advisorId: string;
  consultationId: string | null;
  kind: LedgerKind;
  amountCents: number;
  accruedAt: Date;
  reason: string | null;
  notes: string | null;
  payoutId: string | null;
  createdById: string | null;
  createdAt: Date;
}

export interface AdjustmentInput {
  advisorId: string;
  amountCents: number;
  reason: string;
  notes?: string | null;
  consultationId?: string | null;
  idempotencyKey?: string | null;
}

interface SumsRow {
  consultations: string;
  gross: string;
  refunds: string;
  chargebacks: string;
  manual: string;
  unpaid: string;
}

const SUMS = `
  count(*) filter (where kind = 'earning') as consultations,
  coalesce(sum(amount_cents) filter (where kind = 'earning'), 0) as gross,
  coalesce(sum(amount_cents) filter (where kind = 'refund'), 0) as refunds,
  coalesce(sum(amount_cents) filter (where kind in ('chargeback', 'chargeback_won')), 0) as chargebacks,
  coalesce(sum(amount_cents) filter (where kind = 'manual'), 0) as manual,
  coalesce(sum(amount_cents) filter (where payout_id is null), 0) as unpaid`;

/** A manual entry keeps its reason on the first line of `notes` and the admin's notes after it. */
export function splitNotes(kind: LedgerKind, stored: string | null): { reason: string | null; notes: string | null } {
  if (kind !== LedgerKind.MANUAL || stored === null) return { reason: null, notes: stored };
  const nl = stored.indexOf('\n');
  return nl < 0 ? { reason: stored, notes: null } : { reason: stored.slice(0, nl), notes: stored.slice(nl + 1) };
}

const MAX_ADJUSTMENT_CENTS = 1_000_000;

/**
 * The advisor's view of the ledger, by month, and the admins' manual corrections to it. Nothing
 * here derives earnings again: every figure is a sum of ledger entries (THE EARNINGS RULE).
 */
export class EarningsService {
  constructor(
    private readonly deps: {
      ledger: LedgerService;
      em: () => EntityManager;
    },
  ) {}

  async forMonth(actor: PersonActor, monthKey: string): Promise<{ summary: EarningsSummary; entries: LedgerEntryRow[] }> {
    const em = this.deps.em();
    const advisor = await this.advisorOf(em, actor);
    const month = parseMonth(monthKey);
    const summary = await this.summary(em, advisor.id, month);
    return { summary, entries: await this.entries(em, advisor.id, month) };
  }

  /** Every month from the advisor's first entry or payout to the current one, newest first. */
  async history(actor: PersonActor): Promise<EarningsSummary[]> {
    const em = this.deps.em();
    const advisor = await this.advisorOf(em, actor);
    const rows = await em.execute<(SumsRow & { month: string })[]>(
      `select to_char(date_trunc('month', accrued_at at time zone 'UTC'), 'YYYY-MM') as month, ${SUMS}
       from ledger_entries where advisor_id = ? group by 1 order by 1`,
      [advisor.id],
    );
    const payouts = await em.find(AdvisorPayout, { advisor: advisor.id }, { populate: ['advisor'] });
    const byMonth = new Map(rows.map((r) => [r.month, r]));
    const payoutByMonth = new Map(payouts.map((p) => [monthFromFirstDay(p.payoutMonth).key, p]));
    const current = monthOf(new Date());
    const keys = [...byMonth.keys(), ...payoutByMonth.keys()].filter((k) => k <= current.key).sort();
    if (keys.length === 0) return [];
    const out: EarningsSummary[] = [];
    let unpaid = 0;
    for (let m = parseMonth(keys[0]!); m.key <= current.key; m = addMonths(m, 1)) {
      const r = byMonth.get(m.key);
      unpaid += Number(r?.unpaid ?? 0);
      out.push(toSummary(m, r, payoutByMonth.get(m.key) ?? null, unpaid));
    }
    return out.reverse();
  }

  private async summary(em: EntityManager, advisorId: string, month: Month): Promise<EarningsSummary> {
    const [r] = await em.execute<(SumsRow & { unpaid_to_date: string })[]>(
      `select ${SUMS},
         (select coalesce(sum(u.amount_cents), 0) from ledger_entries u
           where u.advisor_id = ? and u.payout_id is null and u.accrued_at < ?) as unpaid_to_date
       from ledger_entries where advisor_id = ? and accrued_at >= ? and accrued_at < ?`,
      [advisorId, month.end, advisorId, month.start, month.end],
    );
    const payout = await em.findOne(AdvisorPayout, { advisor: advisorId, payoutMonth: month.firstDay }, { populate: ['advisor'] });
    return toSummary(month, r, payout, Number(r?.unpaid_to_date ?? 0));
  }

  private async entries(em: EntityManager, advisorId: string, month: Month): Promise<LedgerEntryRow[]> {
    const rows = await em.execute<RawLedgerEntry[]>(
      `select ${LEDGER_ENTRY_COLUMNS} from ledger_entries where advisor_id = ? and accrued_at >= ? and accrued_at < ? order by accrued_at, id`,
      [advisorId, month.start, month.end],
    );
    return rows.map(toEntryRow);
  }

  /** An admin's correction, with who and why; an optional key makes a double submit one entry. */
  async createAdjustment(actor: Actor, input: AdjustmentInput): Promise<LedgerEntryRow> {
    const advisorId = assertUuid(input.advisorId, 'advisorId');
    const consultationId = input.consultationId ? assertUuid(input.consultationId, 'consultationId') : null;
    if (!Number.isInteger(input.amountCents) || input.amountCents === 0 || Math.abs(input.amountCents) > MAX_ADJUSTMENT_CENTS) {
      throw badInput('amountCents', `must be a non-zero number of cents between -${MAX_ADJUSTMENT_CENTS} and ${MAX_ADJUSTMENT_CENTS}`);
    }
    const reason = input.reason.trim();
    if (reason.length < 3 || reason.length > 200 || /[\r\n]/.test(reason)) {
      throw badInput('reason', 'must be one line of 3 to 200 characters');
    }
    const notes = input.notes?.trim() || null;
    if (notes && notes.length > 2000) throw badInput('notes', 'must be at most 2000 characters');
    const key = input.idempotencyKey ?? null;
    if (key !== null && !/^[\w-]{8,100}$/.test(key)) throw badInput('idempotencyKey', 'must be 8-100 letters, digits, _ or -');

    return this.deps.em().transactional(async (em) => {
      const advisor = await em.findOne(Advisor, { id: advisorId }, { fields: ['id'] });
      if (!advisor) throw notFound('Advisor');
      if (consultationId) {
        const c = await em.findOne(Consultation, { id: consultationId }, { fields: ['advisor'] });
        if (!c) throw notFound('Consultation');
        if (c.advisor.id !== advisorId) throw badInput('consultationId', 'is not a consultation of this advisor');
      }
      const { entry, created } = await this.deps.ledger.addAdjustment(em, {
        advisorId,
        consultationId,
        amountCents: input.amountCents,
        externalRef: key ? `adjustment:${key}` : null,
        createdById: actorUserId(actor),
        notes: notes ? `${reason}\n${notes}` : reason,
      });
      const row = toEntryRow(entry);
      if (created) {
        auditLog.record(em, actor, {
          action: 'ledger.adjustment',
          subjectType: 'ledger_entry',
          subjectId: row.id,
          reason: notes ? `${reason}\n${notes}` : reason,
          before: null,
          after: { amountCents: row.amountCents, consultationId, kind: row.kind },
          advisorId,
        });
        return row;
      }
      // The same key again: the entry it made, if this is the same adjustment.
      if (row.advisorId !== advisorId || row.amountCents !== input.amountCents) {
        throw conflict('This idempotency key was already used for a different adjustment');
      }
      return row;
    });
  }

  /** The actor's advisor profile in any status: a suspended advisor may still see what they earned and were paid. */
  private async advisorOf(em: EntityManager, actor: PersonActor): Promise<Advisor> {
    const advisor = await em.findOne(Advisor, { user: actor.id });
    if (!advisor) throw forbidden('You have no advisor profile');
    return advisor;
  }
}

function toEntryRow(r: RawLedgerEntry): LedgerEntryRow {
  return {
    id: r.id,
    advisorId: r.advisor_id,
    consultationId: r.consultation_id,
    kind: r.kind,
    amountCents: Number(r.amount_cents),
    accruedAt: new Date(r.accrued_at),
    ...splitNotes(r.kind, r.notes),
    payoutId: r.payout_id,
    createdById: r.created_by_id,
    createdAt: new Date(r.created_at),
  };
}

function toSummary(month: Month, r: SumsRow | undefined, payout: AdvisorPayout | null, unpaid: number): EarningsSummary {
  const gross = Number(r?.gross ?? 0);
  const refunds = Number(r?.refunds ?? 0);
  const chargebacks = Number(r?.chargebacks ?? 0);
  const manual = Number(r?.manual ?? 0);
  const adjustments = refunds + chargebacks + manual;
  return {
    month,
    consultations: Number(r?.consultations ?? 0),
    grossCents: gross,
    refundsCents: refunds,
    chargebacksCents: chargebacks,
    manualCents: manual,
    adjustmentsCents: adjustments,
    netCents: gross + adjustments,
    unpaidCents: unpaid,
    payout,
  };
}
