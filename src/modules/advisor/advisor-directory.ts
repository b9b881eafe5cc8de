import type { FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ReadScope } from '../../common/read-scope';
import { badInput } from '../../common/errors';
import { keysetCondition, keysetOrder, pageRequest, toConnection, type ConnectionShape, type SortKeys } from '../../graphql/connection';
import { ConsultationStatus } from '../consultation/consultation.entity';
import { monthOf } from '../finance/month';
import type { PayoutStatus } from '../payout/payout.entity';
import { Advisor } from './advisor.entity';
import { toAdvisorProfile } from './advisor.types';
import { AdminAdvisorOrder, ConnectState, type AdminAdvisorFilter, type AdminAdvisorListing } from './advisor-directory.types';

const ORDERS: Record<AdminAdvisorOrder, { keys: SortKeys; value: (a: Advisor) => unknown }> = {
  [AdminAdvisorOrder.NEWEST]: {
    keys: [
      ['appliedAt', 'desc'],
      ['id', 'asc'],
    ],
    value: (a) => a.appliedAt.toISOString(),
  },
  [AdminAdvisorOrder.NAME]: {
    keys: [
      ['displayName', 'asc'],
      ['id', 'asc'],
    ],
    value: (a) => a.displayName,
  },
  [AdminAdvisorOrder.RATING]: {
    keys: [
      ['rating', 'desc'],
      ['reviewCount', 'desc'],
      ['id', 'asc'],
    ],
    value: (a) => a.rating,
  },
};

interface MetricsRow {
  id: string;
  by_status: Record<string, number> | null;
  month_cents: string | null;
  total_cents: string | null;
  unpaid_cents: string | null;
  payout_id: string | null;
  payout_month: string | null;
  payout_total: number | null;
  payout_status: PayoutStatus | null;
  payout_processed_at: Date | null;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * The admins' advisor directory: advisors in any status with their figures. A page costs two
 * statements whatever its size: the advisors, then one aggregate over consultations, the ledger
 * and payouts for exactly those advisors.
 */
export class AdvisorDirectory {
  async list(
    scope: Pick<ReadScope, 'em'>,
    filter: AdminAdvisorFilter | undefined,
    orderBy: AdminAdvisorOrder = AdminAdvisorOrder.NEWEST,
    paging: { first?: number; after?: string },
  ): Promise<ConnectionShape<AdminAdvisorListing>> {
    const order = ORDERS[orderBy];
    const page = pageRequest(paging, (v) => v.length === order.keys.length && typeof v.at(-1) === 'string');
    const and: FilterQuery<Advisor>[] = [];
    if (filter?.status) and.push({ approvalStatus: filter.status });
    const skills = filter?.skills?.map((s) => s.trim().toLowerCase()).filter(Boolean);
    if (skills?.length) and.push({ skills: { $overlap: skills } });
    const text = filter?.text?.trim();
    if (text) {
      const like = `%${escapeLike(text)}%`;
      and.push({ $or: [{ displayName: { $ilike: like } }, { bio: { $ilike: like } }, { user: { email: { $ilike: like } } }] });
    }
    if (page.cursor) {
      const values = orderBy === AdminAdvisorOrder.NEWEST ? [new Date(page.cursor[0] as string), page.cursor[1]] : page.cursor;
      if (orderBy === AdminAdvisorOrder.RATING && (typeof values[0] !== 'number' || typeof values[1] !== 'number')) {
        throw badInput('after', 'is not a valid cursor');
      }
      and.push(keysetCondition(order.keys, values, false));
    }
    const rows = await scope.em.find(Advisor, and.length ? { $and: and } : {}, {
      orderBy: keysetOrder(order.keys, false),
      limit: page.size + 1,
      populate: ['user'],
    });
    const metrics = await this.metrics(
      scope.em,
      rows.slice(0, page.size).map((a) => a.id),
    );
    return toConnection(
      rows,
      page,
      (a) => (orderBy === AdminAdvisorOrder.RATING ? [a.rating, a.reviewCount, a.id] : [order.value(a), a.id]),
      (a) => toListing(a, metrics.get(a.id)),
    );
  }

  /** One aggregate statement for a page of advisors. */
  private async metrics(em: EntityManager, ids: string[]): Promise<Map<string, MetricsRow>> {
    if (ids.length === 0) return new Map();
    const month = monthOf(new Date());
    const rows = await em.execute<MetricsRow[]>(
      `select a.id, c.by_status, l.month_cents, l.total_cents, l.unpaid_cents,
         p.id as payout_id, to_char(p.payout_month, 'YYYY-MM') as payout_month, p.total_cents as payout_total,
         p.status as payout_status, p.processed_at as payout_processed_at
       from unnest(?::uuid[]) as a(id)
       left join lateral (
         select jsonb_object_agg(s.status, s.n) as by_status
         from (select status, count(*)::int as n from consultations where advisor_id = a.id group by status) s
       ) c on true
       left join lateral (
         select sum(amount_cents) filter (where accrued_at >= ? and accrued_at < ?) as month_cents,
           sum(amount_cents) as total_cents, sum(amount_cents) filter (where payout_id is null) as unpaid_cents
         from ledger_entries where advisor_id = a.id
       ) l on true
       left join lateral (
         select id, payout_month, total_cents, status, processed_at from advisor_payouts
         where advisor_id = a.id order by payout_month desc, created_at desc limit 1
       ) p on true`,
      [`{${ids.join(',')}}`, month.start, month.end],
    );
    return new Map(rows.map((r) => [r.id, r]));
  }
}

function connectState(a: Advisor): ConnectState {
  if (!a.stripeConnectAccountId) return ConnectState.NONE;
  if (a.stripePayoutsEnabled) return ConnectState.ENABLED;
  return a.stripeDetailsSubmitted ? ConnectState.RESTRICTED : ConnectState.ONBOARDING;
}

function toListing(a: Advisor, m: MetricsRow | undefined): AdminAdvisorListing {
  const byStatus = m?.by_status ?? {};
  return {
    profile: toAdvisorProfile(a),
    rating: a.rating,
    reviewCount: a.reviewCount,
    consultationsByStatus: Object.values(ConsultationStatus).map((status) => ({ status, count: byStatus[status] ?? 0 })),
    earningsThisMonthCents: Number(m?.month_cents ?? 0),
    earningsTotalCents: Number(m?.total_cents ?? 0),
    unpaidCents: Number(m?.unpaid_cents ?? 0),
    lastPayout: m?.payout_id
      ? {
          id: m.payout_id,
          month: m.payout_month!,
          totalCents: m.payout_total!,
          status: m.payout_status!,
          processedAt: m.payout_processed_at ? new Date(m.payout_processed_at) : null,
        }
      : null,
    connectState: connectState(a),
  };
}
