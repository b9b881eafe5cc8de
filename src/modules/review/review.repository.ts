import type { EntityManager } from '@mikro-orm/postgresql';
import { toConnection, type ConnectionShape } from '../../graphql/connection';
import type { ReviewPageKey, ReviewRow } from './review.service';

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

/**
 * The reviews table's hand-written SQL: the once-only insert (the unique index on the consultation
 * decides a race) and the page-per-advisor read the ORM cannot express (a lateral join).
 */
export const reviewRepository = {
  async insertOnce(
    em: EntityManager,
    r: {
      advisorId: string;
      clientId: string;
      consultationId: string;
      rating: number;
      expertise: number | null;
      communication: number | null;
      helpfulness: number | null;
      text: string | null;
    },
  ): Promise<ReviewRow | null> {
    const rows = await em.execute<RawReview[]>(
      `with ins as (
         insert into advisor_reviews (id, advisor_id, client_id, consultation_id, rating, expertise_rating, communication_rating,
           helpfulness_rating, review_text, created_at)
         values (gen_random_uuid(), ?, ?, ?, ?, ?, ?, ?, ?, now())
         on conflict (consultation_id) do nothing
         returning *
       )
       select ins.*, u.given_name, (extract(epoch from ins.created_at) * 1000000)::bigint::text as created_us
       from ins join users u on u.id = ins.client_id`,
      [r.advisorId, r.clientId, r.consultationId, r.rating, r.expertise, r.communication, r.helpfulness, r.text],
    );
    return rows[0] ? toRow(rows[0]) : null;
  },
};

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
