import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Our side of the ledger check (ledger-check.ts): reporting reads across the money tables, in SQL
 * because each joins several tables and takes its id lists as JSON arrays. Read-only. Parameters
 * in the order of the `?` in each query.
 */

export interface ChargeRow {
  charge_id: string;
  consultation_id: string;
  pi: string | null;
  status: string;
  amount: number;
  currency: string;
  refunded_cents: number;
  dispute_status: string | null;
  created_at: string;
  consultation_status: string;
  cancelled_by: string | null;
  cancelled_at: string | null;
  start_time: string;
}

export interface RefundRow {
  id: string;
  stripe_refund_id: string;
  amount: number;
  created_at: string;
  consultation_id: string;
  pi: string | null;
}

export interface DisputeRow {
  consultation_id: string;
  pi: string | null;
  dispute_status: string | null;
  created_at: string;
  earning: number | null;
  entries: { kind: 'chargeback' | 'chargeback_won'; amount: number; ref: string | null; created_at: string }[];
}

export interface PayoutRow {
  id: string;
  status: string;
  amount: number;
  currency: string;
  stripe_transfer_id: string | null;
  processed_at: string | null;
  destination: string | null;
  recredited: number;
  recredited_in_period: boolean;
}

export function chargeRows(em: EntityManager, params: unknown[]): Promise<ChargeRow[]> {
  return em.execute<ChargeRow[]>(
    `select ch.id as charge_id, ch.consultation_id, ch.stripe_payment_intent_id as pi, ch.status, ch.total_amount_cents as amount,
         lower(ch.currency) as currency, ch.refunded_cents, ch.dispute_status, ch.created_at,
         c.status as consultation_status, c.cancelled_by, c.cancelled_at, c.start_time
       from consultation_charges ch join consultations c on c.id = ch.consultation_id
       where ch.consultation_id in (select jsonb_array_elements_text(?::jsonb)::uuid)
          or ch.stripe_payment_intent_id in (select jsonb_array_elements_text(?::jsonb))
          or (ch.status in ('succeeded', 'refunded') and ch.created_at >= ? and ch.created_at < ?)`,
    params,
  );
}

export function refundRows(em: EntityManager, params: unknown[]): Promise<RefundRow[]> {
  return em.execute<RefundRow[]>(
    `select r.id, r.stripe_refund_id, r.amount_cents as amount, r.created_at, ch.consultation_id, ch.stripe_payment_intent_id as pi
       from refunds r join consultation_charges ch on ch.id = r.charge_id
       where r.stripe_refund_id in (select jsonb_array_elements_text(?::jsonb))
          or ch.stripe_payment_intent_id in (select jsonb_array_elements_text(?::jsonb))
          or (r.created_at >= ? and r.created_at < ?)`,
    params,
  );
}

export function disputeRows(em: EntityManager, params: unknown[]): Promise<DisputeRow[]> {
  return em.execute<DisputeRow[]>(
    `select ch.consultation_id, ch.stripe_payment_intent_id as pi, ch.dispute_status, ch.created_at, earning.amount_cents as earning,
         coalesce((select json_agg(json_build_object('kind', e.kind, 'amount', e.amount_cents, 'ref', e.external_ref, 'created_at', e.created_at)
                                   order by e.created_at)
                   from ledger_entries e where e.consultation_id = ch.consultation_id and e.kind in ('chargeback', 'chargeback_won')), '[]'::json) as entries
       from consultation_charges ch
       left join ledger_entries earning on earning.consultation_id = ch.consultation_id and earning.kind = 'earning'
       where ch.stripe_payment_intent_id in (select jsonb_array_elements_text(?::jsonb))
          or (ch.dispute_status is not null and ch.created_at >= ? and ch.created_at < ?)
          or exists (select 1 from ledger_entries e where e.consultation_id = ch.consultation_id
                       and e.kind in ('chargeback', 'chargeback_won') and e.created_at >= ? and e.created_at < ?)`,
    params,
  );
}

export function payoutRows(em: EntityManager, params: unknown[]): Promise<PayoutRow[]> {
  return em.execute<PayoutRow[]>(
    `select p.id, p.status, p.total_cents as amount, lower(p.currency) as currency, p.stripe_transfer_id, p.processed_at,
         a.stripe_connect_account_id as destination, coalesce(r.cents, 0)::int as recredited, coalesce(r.in_period, false) as recredited_in_period
       from advisor_payouts p
       join advisors a on a.id = p.advisor_id
       left join lateral (
         select sum(e.amount_cents) as cents, bool_or(e.created_at >= ? and e.created_at < ?) as in_period
         from ledger_entries e
         where e.kind = 'manual' and e.advisor_id = p.advisor_id and p.stripe_transfer_id is not null
           and starts_with(e.external_ref, 'transfer-reversal:' || p.stripe_transfer_id || ':')
       ) r on true
       where p.id in (select jsonb_array_elements_text(?::jsonb)::uuid)
          or p.stripe_transfer_id in (select jsonb_array_elements_text(?::jsonb))
          or (p.status = 'paid' and p.processed_at >= ? and p.processed_at < ?)
          or r.in_period`,
    params,
  );
}
