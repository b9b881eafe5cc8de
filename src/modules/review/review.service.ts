import type { EntityManager } from '@mikro-orm/postgresql';
import { badInput, conflict, forbidden, notFound } from '../../common/errors';
import { assertUuid } from '../../common/ids';
import type { Context } from '../../context';
import { pageRequest, toConnection, type ConnectionShape, type Page, type PageRequest } from '../../graphql/connection';
import { Consultation, ConsultationStatus } from '../consultation/consultation.entity';

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

interface RawReview {
  id: string;
  advisor_id: string;
  rating: number;
  expertise_rating: number | null;
  communication_rating: number | null;
  helpfulness_rating: number | null;
  review_text: string | null;
  given_name: string | null;
  created_at: Date;
  /** created_at in microseconds since the epoch, as text: the exact cursor (a JS Date keeps only milliseconds). */
  created_us: string;
}

const toRow = (r: RawReview): ReviewRow => ({
  id: r.id,
  advisorId: r.advisor_id,
  rating: Number(r.rating),
  expertiseRating: r.expertise_rating === null ? null : Number(r.expertise_rating),
  communicationRating: r.communication_rating === null ? null : Number(r.communication_rating),
  helpfulnessRating: r.helpfulness_rating === null ? null : Number(r.helpfulness_rating),
  text: r.review_text,
  reviewerFirstName: r.given_name,
  createdAt: new Date(r.created_at),
});

function checkRating(field: string, value: number | null | undefined, required: boolean): number | null {
  if (value === null || value === undefined) {
    if (required) throw badInput(field, 'is required');
    return null;
  }
  if (!Number.isInteger(value) || value < 1 || value > 5) throw badInput(field, 'must be a whole number from 1 to 5');
  return value;
}

export class ReviewService {
  /**
   * The client reviews a completed consultation, once. The review and the advisor's rating, total
   * and count change in one statement: the UPDATE takes the advisor's row lock and each concurrent
   * review adds to the row as the previous one left it, so no review is lost from the average.
   */
  async review(ctx: Context, consultationId: string, input: ReviewInputShape): Promise<ReviewRow> {
    const viewer = ctx.requireViewer();
    assertUuid(consultationId, 'consultationId');
    const rating = checkRating('rating', input.rating, true)!;
    const expertise = checkRating('expertiseRating', input.expertiseRating, false);
    const communication = checkRating('communicationRating', input.communicationRating, false);
    const helpfulness = checkRating('helpfulnessRating', input.helpfulnessRating, false);
    const text = input.text?.trim() || null;
    if (text && text.length > MAX_REVIEW_TEXT) throw badInput('text', `must be at most ${MAX_REVIEW_TEXT} characters`);

    const c = await ctx.em.findOne(Consultation, { id: consultationId });
    if (!c) throw notFound('Consultation');
    if (c.client.id !== viewer.id) {
      const mine = await ctx.myAdvisor();
      // The advisor and admins know the consultation exists; anyone else must not learn it does.
      if (viewer.isAdmin || (mine && mine.id === c.advisor.id))
        throw forbidden('Only the client who booked the consultation can review it');
      throw notFound('Consultation');
    }
    // COMPLETED is final, so this check cannot go stale before the insert.
    if (c.status !== ConsultationStatus.COMPLETED) {
      throw conflict('A consultation can be reviewed once it is completed', { status: c.status.toUpperCase() });
    }

    const rows = await ctx.em.execute<RawReview[]>(
      `with ins as (
         insert into advisor_reviews (id, advisor_id, client_id, consultation_id, rating, expertise_rating, communication_rating,
           helpfulness_rating, review_text, created_at)
         values (gen_random_uuid(), ?, ?, ?, ?, ?, ?, ?, ?, now())
         on conflict (consultation_id) do nothing
         returning *
       ), bumped as (
         update advisors a
         set rating_total = a.rating_total + ins.rating,
             review_count = a.review_count + 1,
             rating = (a.rating_total + ins.rating)::double precision / (a.review_count + 1),
             updated_at = now()
         from ins where a.id = ins.advisor_id
         returning a.id
       )
       select ins.*, u.given_name, (extract(epoch from ins.created_at) * 1000000)::bigint::text as created_us
       from ins join users u on u.id = ins.client_id`,
      [c.advisor.id, viewer.id, c.id, rating, expertise, communication, helpfulness, text],
    );
    if (!rows[0]) throw conflict('This consultation has already been reviewed');
    return toRow(rows[0]);
  }
}

/**
 * Reviews for many advisors at once, newest first: one statement per distinct page shape
 * (first/after or last/before) however many advisors a page of search results shows, each advisor's newest
 * reviews read from its (advisor_id, created_at) index with a LIMIT.
 */
export async function loadReviewPages(em: EntityManager, keys: readonly ReviewPageKey[]): Promise<ConnectionShape<ReviewRow>[]> {
  const groups = new Map<string, ReviewPageKey[]>();
  for (const k of keys) {
    const list = groups.get(k.shape);
    if (list) list.push(k);
    else groups.set(k.shape, [k]);
  }
  const pages = new Map<string, ConnectionShape<ReviewRow>>();
  for (const group of groups.values()) {
    const { page, shape } = group[0]!;
    const ids = [...new Set(group.map((k) => k.advisorId))];
    // Newest first; paging back reads the other way from the cursor and toConnection turns the page round.
    const [cmp, dir] = page.backward ? ['>', 'asc'] : ['<', 'desc'];
    let keyset = '';
    const params: unknown[] = [ids];
    if (page.cursor) {
      keyset = `and (r.created_at, r.id) ${cmp} (timestamptz 'epoch' + ?::bigint * interval '1 microsecond', ?::uuid)`;
      params.push(page.cursor[0], page.cursor[1]);
    }
    params.push(page.size + 1);
    const rows = await em.execute<RawReview[]>(
      `select r.*, u.given_name, (extract(epoch from r.created_at) * 1000000)::bigint::text as created_us
       from unnest(array[?]::uuid[]) as a(id)
       cross join lateral (
         select * from advisor_reviews r
         where r.advisor_id = a.id ${keyset}
         order by r.created_at ${dir}, r.id ${dir}
         limit ?
       ) r
       join users u on u.id = r.client_id
       order by r.advisor_id, r.created_at ${dir}, r.id ${dir}`,
      params,
    );
    const byAdvisor = new Map<string, RawReview[]>();
    for (const r of rows) {
      const list = byAdvisor.get(r.advisor_id);
      if (list) list.push(r);
      else byAdvisor.set(r.advisor_id, [r]);
    }
    for (const id of ids) {
      pages.set(
        `${id}|${shape}`,
        toConnection(byAdvisor.get(id) ?? [], page, (r) => [r.created_us, r.id], toRow),
      );
    }
  }
  return keys.map((k) => pages.get(`${k.advisorId}|${k.shape}`)!);
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
