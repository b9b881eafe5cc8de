import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ConsultationCharge, Refund } from './modules/consultation/charge.entity';
import { ConsultationStatusChange } from './modules/consultation/consultation.entity';
import { loadReviewPages, type ReviewPageKey, type ReviewRow } from './modules/review/review.service';
import type { ConnectionShape } from './graphql/connection';

/** Per-request batch loaders for fields that would otherwise cost one query per row of a list. */
export interface Loaders {
  chargeByConsultation: DataLoader<string, ConsultationCharge | null>;
  refundsByCharge: DataLoader<string, Refund[]>;
  historyByConsultation: DataLoader<string, ConsultationStatusChange[]>;
  /** A page of each advisor's reviews; one statement for a whole page of advisors. */
  reviewsByAdvisor: DataLoader<ReviewPageKey, ConnectionShape<ReviewRow>, string>;
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

export function createLoaders(em: EntityManager): Loaders {
  return {
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
  };
}
