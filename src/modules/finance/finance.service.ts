import type { EntityManager } from '@mikro-orm/postgresql';
import { badInput } from '../../common/errors';
import { parseMonth, type Month } from './month';

/**
 * A month's money, reconciled. Charges count in the month their consultation starts (the month the
 * advisor's earning accrues in); each paid charge lands in exactly one bucket:
 *
 *   grossBookings = platformRevenue + advisorEarnings + refunds + chargebacks + unearned
 *
 * - refunds: what went back to clients (the `refunds` rows);
 * - chargebacks: what banks took back on open or lost disputes (net of refunds before them);
 * - advisorEarnings: the ledger's entries for these consultations (earnings, refunds, chargebacks),
 *   summed from the ledger, not derived from the charges, so the identity checks one against the
 *   other;
 * - platformRevenue: the platform fee of each charge the advisor keeps an earning for, less any
 *   partial refund;
 * - unearned: paid consultations not yet delivered (or with a refund still on its way).
 *
 * Manual adjustments and payouts are not part of the charges' identity and are reported beside it.
 */
export interface FinanceReport {
  month: Month;
  paidBookings: number;
  grossBookingsCents: number;
  refundsCents: number;
  chargebacksCents: number;
  platformRevenueCents: number;
  advisorEarningsCents: number;
  unearnedCents: number;
  manualAdjustmentsCents: number;
  payoutsCount: number;
  payoutsPaidCents: number;
  payoutsPendingCents: number;
  payoutsFailedCents: number;
  payoutsOnHoldCents: number;
  unpaidLedgerCents: number;
}

export interface PlatformMetrics {
  from: Date;
  to: Date;
  applications: number;
  approvals: number;
  approvedAdvisors: number;
  activeAdvisors: number;
  bookings: number;
  completionRate: number | null;
  cancellationRate: number | null;
  noShowRate: number | null;
  refundRate: number | null;
  averageRating: number | null;
  reviews: number;
  medianApprovalHours: number | null;
  medianPayoutProcessingHours: number | null;
  payoutsPaid: number;
}

const MAX_METRICS_RANGE_MS = 5 * 366 * 86_400_000;

const num = (v: unknown): number => Number(v ?? 0);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/**
 * Admins' reports (the resolver checks the role). Read-only: reporting sums across the money
 * tables, in SQL, on a fork of their own.
 */
export class FinanceService {
  constructor(private readonly em: () => EntityManager) {}

  async report(monthKey: string): Promise<FinanceReport> {
    const month = parseMonth(monthKey);
    const em = this.em();
    const [c] = await em.execute<Record<string, string>[]>(
      `with ch as (
         select cc.total_amount_cents as total, cc.platform_fee_cents as fee, cc.refunded_cents, cc.status, cc.dispute_status,
                (select coalesce(sum(r.amount_cents), 0) from refunds r where r.charge_id = cc.id) as refunded_rows,
                exists (select 1 from ledger_entries e where e.consultation_id = cc.consultation_id and e.kind = 'earning') as earned,
                (select coalesce(sum(e.amount_cents), 0) from ledger_entries e
                  where e.consultation_id = cc.consultation_id and e.kind <> 'manual') as advisor_net
         from consultation_charges cc join consultations c on c.id = cc.consultation_id
         where c.start_time >= ? and c.start_time < ? and cc.status in ('succeeded', 'refunded')
       ), bucketed as (
         select *, case
           when status = 'refunded' then 'refunded'
           when dispute_status in ('open', 'lost') then 'chargeback'
           when earned then 'earned'
           else 'unearned' end as bucket
         from ch
       )
       select count(*) as paid_bookings,
         coalesce(sum(total), 0) as gross,
         coalesce(sum(refunded_rows), 0) as refunds,
         coalesce(sum(total - refunded_cents) filter (where bucket = 'chargeback'), 0) as chargebacks,
         coalesce(sum(fee - refunded_cents) filter (where bucket = 'earned'), 0) as platform,
         coalesce(sum(total - refunded_cents) filter (where bucket = 'unearned'), 0) as unearned,
         coalesce(sum(advisor_net), 0) as advisor
       from bucketed`,
      [month.start, month.end],
    );
    const [m] = await em.execute<Record<string, string>[]>(
      `select
         (select coalesce(sum(amount_cents), 0) from ledger_entries
           where kind = 'manual' and accrued_at >= ? and accrued_at < ?) as manual,
         (select coalesce(sum(amount_cents), 0) from ledger_entries
           where payout_id is null and accrued_at < ?) as unpaid`,
      [month.start, month.end, month.end],
    );
    const [p] = await em.execute<Record<string, string>[]>(
      `select count(*) as n,
         coalesce(sum(total_cents) filter (where status = 'paid'), 0) as paid,
         coalesce(sum(total_cents) filter (where status in ('pending', 'processing')), 0) as pending,
         coalesce(sum(total_cents) filter (where status = 'failed'), 0) as failed,
         coalesce(sum(total_cents) filter (where status = 'on_hold'), 0) as on_hold
       from advisor_payouts where payout_month = ?::date`,
      [month.firstDay],
    );
    return {
      month,
      paidBookings: num(c?.paid_bookings),
      grossBookingsCents: num(c?.gross),
      refundsCents: num(c?.refunds),
      chargebacksCents: num(c?.chargebacks),
      platformRevenueCents: num(c?.platform),
      advisorEarningsCents: num(c?.advisor),
      unearnedCents: num(c?.unearned),
      manualAdjustmentsCents: num(m?.manual),
      payoutsCount: num(p?.n),
      payoutsPaidCents: num(p?.paid),
      payoutsPendingCents: num(p?.pending),
      payoutsFailedCents: num(p?.failed),
      payoutsOnHoldCents: num(p?.on_hold),
      unpaidLedgerCents: num(m?.unpaid),
    };
  }

  /** The plan's KPIs over [from, to), computed in SQL. */
  async metrics(from: Date, to: Date): Promise<PlatformMetrics> {
    if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) throw badInput('from', 'and to must be valid times');
    if (from.getTime() >= to.getTime()) throw badInput('to', 'must be after from');
    if (to.getTime() - from.getTime() > MAX_METRICS_RANGE_MS) throw badInput('to', 'must be at most 5 years after from');
    const [r] = await this.em().execute<Record<string, string | null>[]>(
      `with
       b as (select ?::timestamptz as f, ?::timestamptz as t),
       paid as (
         select c.id, c.advisor_id, c.status, c.start_time, c.created_at, cc.refunded_cents
         from consultations c join consultation_charges cc on cc.consultation_id = c.id
         where cc.status in ('succeeded', 'refunded')
       ),
       held as (select paid.* from paid, b where start_time >= b.f and start_time < b.t),
       finished as (select * from held where status in ('completed', 'no_show', 'cancelled')),
       booked as (select paid.* from paid, b where created_at >= b.f and created_at < b.t),
       applications as (
         select s.* from advisor_status_changes s, b where s.to_status = 'pending' and s.created_at >= b.f and s.created_at < b.t
       ),
       approvals as (
         select s.created_at as approved_at,
                (select max(p.created_at) from advisor_status_changes p
                  where p.advisor_id = s.advisor_id and p.to_status = 'pending' and p.created_at <= s.created_at) as applied_at
         from advisor_status_changes s, b
         where s.to_status = 'approved' and s.from_status = 'pending' and s.created_at >= b.f and s.created_at < b.t
       ),
       paid_payouts as (
         select extract(epoch from (processed_at - created_at)) / 3600.0 as hours
         from advisor_payouts, b where status = 'paid' and processed_at >= b.f and processed_at < b.t
       ),
       rated as (select rating from advisor_reviews, b where created_at >= b.f and created_at < b.t)
       select
         (select count(*) from applications) as applications,
         (select count(*) from approvals) as approvals,
         (select count(*) from advisors where approval_status = 'approved') as approved_advisors,
         (select count(distinct advisor_id) from held) as active_advisors,
         (select count(*) from booked) as bookings,
         (select count(*) filter (where status = 'completed')::float8 / nullif(count(*), 0) from finished) as completion_rate,
         (select count(*) filter (where status = 'cancelled')::float8 / nullif(count(*), 0) from finished) as cancellation_rate,
         (select count(*) filter (where status = 'no_show')::float8 / nullif(count(*), 0) from finished) as no_show_rate,
         (select count(*) filter (where refunded_cents > 0)::float8 / nullif(count(*), 0) from booked) as refund_rate,
         (select avg(rating)::float8 from rated) as average_rating,
         (select count(*) from rated) as reviews,
         (select percentile_cont(0.5) within group (order by extract(epoch from (approved_at - applied_at)) / 3600.0)
            from approvals where applied_at is not null) as median_approval_hours,
         (select percentile_cont(0.5) within group (order by hours) from paid_payouts) as median_payout_hours,
         (select count(*) from paid_payouts) as payouts_paid`,
      [from, to],
    );
    return {
      from,
      to,
      applications: num(r?.applications),
      approvals: num(r?.approvals),
      approvedAdvisors: num(r?.approved_advisors),
      activeAdvisors: num(r?.active_advisors),
      bookings: num(r?.bookings),
      completionRate: numOrNull(r?.completion_rate),
      cancellationRate: numOrNull(r?.cancellation_rate),
      noShowRate: numOrNull(r?.no_show_rate),
      refundRate: numOrNull(r?.refund_rate),
      averageRating: numOrNull(r?.average_rating),
      reviews: num(r?.reviews),
      medianApprovalHours: numOrNull(r?.median_approval_hours),
      medianPayoutProcessingHours: numOrNull(r?.median_payout_hours),
      payoutsPaid: num(r?.payouts_paid),
    };
  }
}
