import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ConsultationCharge, Refund } from './modules/consultation/charge.entity';
import { Advisor, AdvisorStatusChange } from './modules/advisor/advisor.entity';
import { Consultation, ConsultationStatusChange } from './modules/consultation/consultation.entity';
import { AdvisorPayout } from './modules/payout/payout.entity';
import { loadReviewPages } from './modules/review/review.repository';
import type { ReviewPageKey, ReviewRow } from './modules/review/review.service';
import type { ConnectionShape } from './graphql/connection';
import { unreadCounts } from './modules/chat/chat.service';

/**
 * Per-request batch loaders for fields that would otherwise cost one query per row of a list, and
 * for root fields that load by id: fifty aliases of `advisor(id:)` are one statement, not fifty.
 */
export interface Loaders {
  advisorById: DataLoader<string, Advisor | null>;
  advisorHistory: DataLoader<string, AdvisorStatusChange[]>;
  consultationById: DataLoader<string, Consultation | null>;
  payoutById: DataLoader<string, AdvisorPayout | null>;
  chargeByConsultation: DataLoader<string, ConsultationCharge | null>;
  refundsByCharge: DataLoader<string, Refund[]>;
  historyByConsultation: DataLoader<string, ConsultationStatusChange[]>;
  /** A page of each advisor's reviews; one statement for a whole page of advisors. */
  reviewsByAdvisor: DataLoader<ReviewPageKey, ConnectionShape<ReviewRow>, string>;
  /** A person's unread chat messages per consultation; one statement for a page of consultations. */
  unreadMessages: DataLoader<{ consultationId: string; userId: string }, number, string>;
}

function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = map.get(k);
    if (list) list.push(row);
    else map.set(k, [row]);
  }
  return map;
}

function byId<T extends { id: string }>(rows: T[], ids: readonly string[]): (T | null)[] {
  const map = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => map.get(id) ?? null);
}

export function createLoaders(em: EntityManager): Loaders {
  return {
    advisorById: new DataLoader(async (ids) => byId(await em.find(Advisor, { id: { $in: [...ids] } }, { populate: ['user'] }), ids)),
    advisorHistory: new DataLoader(async (ids) => {
      const rows = await em.find(AdvisorStatusChange, { advisor: { $in: [...ids] } }, { orderBy: { createdAt: 'asc', id: 'asc' } });
      const grouped = groupBy(rows, (r) => r.advisor.id);
      return ids.map((id) => grouped.get(id) ?? []);
    }),
    consultationById: new DataLoader(async (ids) =>
      byId(await em.find(Consultation, { id: { $in: [...ids] } }, { populate: ['advisor', 'client'] }), ids),
    ),
    payoutById: new DataLoader(async (ids) =>
      byId(await em.find(AdvisorPayout, { id: { $in: [...ids] } }, { populate: ['advisor'] }), ids),
    ),
    chargeByConsultation: new DataLoader(async (ids) => {
      const rows = await em.find(ConsultationCharge, { consultation: { $in: [...ids] } });
      const byId = new Map(rows.map((c) => [c.consultation.id, c]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    refundsByCharge: new DataLoader(async (ids) => {
      const rows = await em.find(Refund, { charge: { $in: [...ids] } }, { orderBy: { createdAt: 'asc', id: 'asc' } });
      const grouped = groupBy(rows, (r) => r.charge.id);
      return ids.map((id) => grouped.get(id) ?? []);
    }),
    historyByConsultation: new DataLoader(async (ids) => {
      const rows = await em.find(
        ConsultationStatusChange,
        { consultation: { $in: [...ids] } },
        { orderBy: { createdAt: 'asc', id: 'asc' } },
      );
      const grouped = groupBy(rows, (r) => r.consultation.id);
      return ids.map((id) => grouped.get(id) ?? []);
    }),
    reviewsByAdvisor: new DataLoader((keys) => loadReviewPages(em, keys), {
      cacheKeyFn: (k) => `${k.advisorId}|${k.shape}`,
    }),
    unreadMessages: new DataLoader(
      async (keys) => {
        const byUser = groupBy([...keys], (k) => k.userId);
        const counts = new Map<string, number>();
        for (const [userId, ks] of byUser) {
          for (const [id, n] of await unreadCounts(em, userId, [...new Set(ks.map((k) => k.consultationId))]))
            counts.set(`${id}|${userId}`, n);
        }
        return keys.map((k) => counts.get(`${k.consultationId}|${k.userId}`) ?? 0);
      },
      { cacheKeyFn: (k) => `${k.consultationId}|${k.userId}` },
    ),
  };
}
