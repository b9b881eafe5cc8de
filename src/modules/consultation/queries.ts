import type { FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { forbidden, notFound } from '../../common/errors';
import { assertUuid } from '../../common/ids';
import type { ReadScope } from '../../common/read-scope';
import {
  cursorShapes,
  keysetCondition,
  keysetOrder,
  pageRequest,
  toConnection,
  type ConnectionShape,
  type PageRequest,
} from '../../graphql/connection';
import { Consultation, ConsultationStatus as S } from './consultation.entity';
import { ACTIVE_STATUSES } from './consultation.state';

/** Who a person is to a consultation, which decides the view they get of it. */
export type Party = 'client' | 'advisor' | 'admin';

export interface ListFilter {
  as: 'client' | 'advisor';
  status?: S[];
  when?: 'upcoming' | 'past';
}

export interface AdminFilter {
  advisorId?: string;
  clientId?: string;
  status?: S[];
  from?: Date;
  to?: Date;
}

/** Reads of consultations, each in the asking person's view. */
export class ConsultationQueries {
  /** The client, the advisor, an admin, or nobody (null). */
  async partyOf(scope: Pick<ReadScope, 'actor' | 'myAdvisor'>, c: Consultation): Promise<Party | null> {
    const { actor } = scope;
    if (actor.isAdmin) return 'admin';
    if (c.client.id === actor.id) return 'client';
    const mine = await scope.myAdvisor();
    if (mine && c.advisor.id === mine.id) return 'advisor';
    return null;
  }

  async get(scope: ReadScope, id: string): Promise<{ consultation: Consultation; party: Party }> {
    assertUuid(id);
    const c = await scope.loaders.consultationById.load(id);
    const party = c && (await this.partyOf(scope, c));
    // Someone else's consultation is indistinguishable from one that does not exist.
    if (!c || !party) throw notFound('Consultation');
    return { consultation: c, party };
  }

  async listMine(scope: ReadScope, filter: ListFilter, paging: PageRequest): Promise<ConnectionShape<Consultation>> {
    const where: FilterQuery<Consultation> = {};
    if (filter.as === 'advisor') {
      const mine = await scope.myAdvisor();
      if (!mine) throw forbidden('You have no advisor profile');
      where.advisor = mine.id;
    } else {
      where.client = scope.actor.id;
    }
    return this.page(scope.em, where, filter, paging);
  }

  /** Every consultation, for admins (the resolver checks the role). */
  async adminList(scope: ReadScope, filter: AdminFilter, paging: PageRequest): Promise<ConnectionShape<Consultation>> {
    const where: FilterQuery<Consultation> = {};
    if (filter.advisorId) where.advisor = assertUuid(filter.advisorId, 'advisorId');
    if (filter.clientId) where.client = assertUuid(filter.clientId, 'clientId');
    const range: Record<string, Date> = {};
    if (filter.from) range.$gte = filter.from;
    if (filter.to) range.$lt = filter.to;
    if (Object.keys(range).length) where.startTime = range;
    return this.page(scope.em, where, { status: filter.status }, paging);
  }

  private async page(
    em: EntityManager,
    where: FilterQuery<Consultation>,
    filter: { status?: S[]; when?: 'upcoming' | 'past' },
    paging: PageRequest,
  ): Promise<ConnectionShape<Consultation>> {
    const page = pageRequest(paging, cursorShapes.stringAndId);
    const and: FilterQuery<Consultation>[] = [where];
    if (filter.status?.length) and.push({ status: { $in: filter.status } });
    const now = new Date();
    // Upcoming: soonest first; past and everything else: latest first.
    const direction = filter.when === 'upcoming' ? 'asc' : 'desc';
    const order = [
      ['startTime', direction],
      ['id', direction],
    ] as const;
    if (filter.when === 'upcoming') and.push({ endTime: { $gt: now }, status: { $in: [...ACTIVE_STATUSES] } });
    if (filter.when === 'past') and.push({ $or: [{ endTime: { $lte: now } }, { status: { $nin: [...ACTIVE_STATUSES] } }] });
    if (page.cursor) and.push(keysetCondition(order, [new Date(page.cursor[0] as string), page.cursor[1]], page.backward));
    const rows = await em.find(
      Consultation,
      { $and: and },
      { orderBy: keysetOrder(order, page.backward), limit: page.size + 1, populate: ['advisor', 'client'] },
    );
    return toConnection(
      rows,
      page,
      (c) => [c.startTime.toISOString(), c.id],
      (c) => c,
    );
  }
}

/** An advisor's live bookings and holds (ACTIVE_STATUSES) overlapping [from, to): the times they are not free. */
export async function liveBookingsBetween(
  em: EntityManager,
  advisorId: string,
  from: Date,
  to: Date,
): Promise<Pick<Consultation, 'startTime' | 'endTime'>[]> {
  return em.find(
    Consultation,
    { advisor: advisorId, status: { $in: [...ACTIVE_STATUSES] }, startTime: { $lt: to }, endTime: { $gt: from } },
    { fields: ['startTime', 'endTime'], orderBy: { startTime: 'asc' } },
  );
}
