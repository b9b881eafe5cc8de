import type { EntityManager } from '@mikro-orm/postgresql';
import { badInput, conflict, forbidden, notFound } from '../../common/errors';
import { assertUuid } from '../../common/ids';
import type { PersonActor } from '../../common/actor';
import { pageRequest, type Page, type PageRequest } from '../../graphql/connection';
import { Consultation, ConsultationStatus } from '../consultation/consultation.entity';
import { Advisor } from '../advisor/advisor.entity';
import type { AdvisorService } from '../advisor/advisor.service';
import { reviewRepository } from './review.repository';

export interface ReviewInputShape {
  rating: number;
  expertiseRating?: number | null;
  communicationRating?: number | null;
  helpfulnessRating?: number | null;
  text?: string | null;
}

/** A review as anyone may see it: the reviewer by first name only. */
export interface ReviewRow {
  id: string;
  advisorId: string;
  rating: number;
  expertiseRating: number | null;
  communicationRating: number | null;
  helpfulnessRating: number | null;
  text: string | null;
  reviewerFirstName: string | null;
  createdAt: Date;
}

export interface ReviewPageKey {
  advisorId: string;
  page: Page;
  /** The page request as text: keys with the same shape are read in one statement. */
  shape: string;
}

export const MAX_REVIEW_TEXT = 2000;

function checkRating(field: string, value: number | null | undefined, required: boolean): number | null {
  if (value === null || value === undefined) {
    if (required) throw badInput(field, 'is required');
    return null;
  }
  if (!Number.isInteger(value) || value < 1 || value > 5) throw badInput(field, 'must be a whole number from 1 to 5');
  return value;
}

export class ReviewService {
  constructor(
    private readonly deps: {
      advisors: AdvisorService;
      em: () => EntityManager;
    },
  ) {}

  /**
   * The client reviews a completed consultation, once. The review and the advisor's rating, total
   * and count change in one statement: the UPDATE takes the advisor's row lock and each concurrent
   * review adds to the row as the previous one left it, so no review is lost from the average.
   */
  async review(viewer: PersonActor, consultationId: string, input: ReviewInputShape): Promise<ReviewRow> {
    assertUuid(consultationId, 'consultationId');
    const rating = checkRating('rating', input.rating, true)!;
    const expertise = checkRating('expertiseRating', input.expertiseRating, false);
    const communication = checkRating('communicationRating', input.communicationRating, false);
    const helpfulness = checkRating('helpfulnessRating', input.helpfulnessRating, false);
    const text = input.text?.trim() || null;
    if (text && text.length > MAX_REVIEW_TEXT) throw badInput('text', `must be at most ${MAX_REVIEW_TEXT} characters`);

    const em = this.deps.em();
    const c = await em.findOne(Consultation, { id: consultationId });
    if (!c) throw notFound('Consultation');
    if (c.client.id !== viewer.id) {
      const mine = await em.findOne(Advisor, { user: viewer.id }, { fields: ['id'] });
      // The advisor and admins know the consultation exists; anyone else must not learn it does.
      if (viewer.isAdmin || (mine && mine.id === c.advisor.id))
        throw forbidden('Only the client who booked the consultation can review it');
      throw notFound('Consultation');
    }
    // COMPLETED is final, so this check cannot go stale before the insert.
    if (c.status !== ConsultationStatus.COMPLETED) {
      throw conflict('A consultation can be reviewed once it is completed', { status: c.status.toUpperCase() });
    }

    const row = await em.transactional(async (tx) => {
      const inserted = await reviewRepository.insertOnce(tx, {
        advisorId: c.advisor.id,
        clientId: viewer.id,
        consultationId: c.id,
        rating,
        expertise,
        communication,
        helpfulness,
        text,
      });
      if (inserted) await this.deps.advisors.addRating(tx, c.advisor.id, rating);
      return inserted;
    });
    if (!row) throw conflict('This consultation has already been reviewed');
    return row;
  }
}

/** Checks a page request before it reaches the loader, so a bad one fails alone. Ten reviews by default. */
export function reviewPageKey(advisorId: string, paging: PageRequest): ReviewPageKey {
  const page = pageRequest(
    paging,
    (v) => v.length === 2 && typeof v[0] === 'string' && /^\d{1,20}$/.test(v[0]) && typeof v[1] === 'string',
    10,
  );
  if (page.cursor) assertUuid(page.cursor[1] as string, page.backward ? 'before' : 'after');
  const shape = `${page.backward ? 'last' : 'first'}|${page.size}|${paging.after ?? paging.before ?? ''}`;
  return { advisorId, page, shape };
}
