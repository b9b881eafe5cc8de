import { print } from 'graphql';
import {
  AdvisorReviewsDocument,
  BookConsultationDocument,
  CompleteConsultationDocument,
  ReviewConsultationDocument,
  type SearchAdvisorsWithReviewsQuery,
} from './generated/graphql';
import { codeOf, startTestApp, type TestApp, type TestUser } from './helpers/app';
import { expectOk, HOUR, inFuture, makeAdvisor, moveConsultation, sql, type AdvisorFixture } from './helpers/fixtures';

let t: TestApp;
let admin: TestUser;

beforeAll(async () => {
  t = await startTestApp();
  admin = await t.user({ roles: ['admin'], givenName: 'Root' });
});
afterAll(() => t.close());

let slot = 0;

/** A paid consultation, optionally taken to COMPLETED by an admin. */
async function consultation(advisor: AdvisorFixture, client: TestUser, complete = true): Promise<string> {
  const start = inFuture(30 * HOUR + slot++ * 2 * HOUR);
  const c = expectOk(
    await t.gql(
      BookConsultationDocument,
      { input: { advisorId: advisor.advisorId, durationMinutes: 30, startTime: start.toISOString(), paymentMethodId: 'pm_card_visa' } },
      client.token,
    ),
  ).bookConsultation.consultation;
  if (complete) {
    await moveConsultation(t, c.id, new Date(Date.now() - 1000 * HOUR + slot * 2 * HOUR));
    expectOk(await t.gql(CompleteConsultationDocument, { id: c.id }, admin.token));
  }
  return c.id;
}

const review = (id: string, token: string, input: Record<string, unknown> = { rating: 5 }) =>
  t.gql(ReviewConsultationDocument, { consultationId: id, input: input as never }, token);

async function advisorRow(id: string) {
  const [row] = await sql<{ rating: number; rating_total: number; review_count: number }>(
    t,
    'select rating, rating_total, review_count from advisors where id = ?',
    [id],
  );
  return row!;
}

describe('reviewing a consultation', () => {
  it('lets the client review a completed consultation once, with optional detail ratings and text', async () => {
    const advisor = await makeAdvisor(t, admin);
    const client = await t.user({ givenName: 'Nora', familyName: 'Privatesurname' });
    const id = await consultation(advisor, client);
    const r = expectOk(
      await review(id, client.token, {
        rating: 4,
        expertiseRating: 5,
        communicationRating: 3,
        helpfulnessRating: 4,
        text: '  Clear and useful.  ',
      }),
    ).reviewConsultation;
    expect(r).toMatchObject({
      rating: 4,
      expertiseRating: 5,
      communicationRating: 3,
      helpfulnessRating: 4,
      text: 'Clear and useful.',
      reviewerFirstName: 'Nora',
    });
    expect(await advisorRow(advisor.advisorId)).toEqual({ rating: 4, rating_total: 4, review_count: 1 });

    const again = await review(id, client.token, { rating: 1 });
    expect(codeOf(again)).toBe('CONFLICT');
    expect(await advisorRow(advisor.advisorId)).toEqual({ rating: 4, rating_total: 4, review_count: 1 });
  });

  it('refuses anyone but the client, and consultations that are not completed', async () => {
    const advisor = await makeAdvisor(t, admin);
    const client = await t.user();
    const done = await consultation(advisor, client);
    const scheduled = await consultation(advisor, client, false);
    expect(codeOf(await review(done, advisor.user.token))).toBe('FORBIDDEN');
    expect(codeOf(await review(done, admin.token))).toBe('FORBIDDEN');
    expect(codeOf(await review(done, (await t.user()).token))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(ReviewConsultationDocument, { consultationId: done, input: { rating: 5 } }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await review(scheduled, client.token))).toBe('CONFLICT');
    expect(codeOf(await review('not-a-uuid', client.token))).toBe('BAD_USER_INPUT');
    expect(codeOf(await review('00000000-0000-4000-8000-000000000000', client.token))).toBe('NOT_FOUND');
    expect(await advisorRow(advisor.advisorId)).toEqual({ rating: 0, rating_total: 0, review_count: 0 });
  });

  it.each([
    ['an overall rating of 0', { rating: 0 }],
    ['an overall rating of 6', { rating: 6 }],
    ['a detail rating out of range', { rating: 5, helpfulnessRating: 9 }],
    ['text over 2000 characters', { rating: 5, text: 'x'.repeat(2001) }],
  ])('refuses %s', async (_n, input) => {
    const advisor = await makeAdvisor(t, admin);
    const client = await t.user();
    const id = await consultation(advisor, client);
    expect(codeOf(await review(id, client.token, input))).toBe('BAD_USER_INPUT');
    expect(await advisorRow(advisor.advisorId)).toEqual({ rating: 0, rating_total: 0, review_count: 0 });
  });

  it('keeps the rating and count exact under 20 concurrent reviews, and counts a doubly sent review once', async () => {
    const advisor = await makeAdvisor(t, admin);
    const ratings = [5, 4, 3, 5, 2, 1, 5, 4, 4, 3, 5, 5, 2, 3, 4, 5, 1, 4, 5, 3];
    const clients = await Promise.all(ratings.map((_, i) => t.user({ givenName: `Client${i}` })));
    const ids: string[] = [];
    for (const client of clients) ids.push(await consultation(advisor, client));

    const results = await Promise.all(ids.map((id, i) => review(id, clients[i]!.token, { rating: ratings[i] })));
    expect(results.map(codeOf)).toEqual(ratings.map(() => undefined));
    const total = ratings.reduce((a, b) => a + b, 0);
    expect(await advisorRow(advisor.advisorId)).toEqual({ rating: total / ratings.length, rating_total: total, review_count: 20 });

    // The same review sent five times at once: one wins, the others are told it exists.
    const extra = await t.user();
    const id = await consultation(advisor, extra);
    const burst = await Promise.all(Array.from({ length: 5 }, () => review(id, extra.token, { rating: 1 })));
    expect(burst.map(codeOf).sort()).toEqual(['CONFLICT', 'CONFLICT', 'CONFLICT', 'CONFLICT', undefined]);
    expect(await advisorRow(advisor.advisorId)).toEqual({ rating: (total + 1) / 21, rating_total: total + 1, review_count: 21 });
  });
});

describe('reviews on the public advisor profile', () => {
  it('shows them newest first, paginated, with the reviewer by first name only', async () => {
    const advisor = await makeAdvisor(t, admin);
    const clients = await Promise.all(
      ['Ann', 'Ben', 'Cy', 'Dee', 'Eve'].map((givenName) => t.user({ givenName, familyName: `Secret${givenName}` })),
    );
    const made: string[] = [];
    for (const [i, client] of clients.entries()) {
      const id = await consultation(advisor, client);
      made.push(expectOk(await review(id, client.token, { rating: 1 + i, text: `Review ${i}` })).reviewConsultation.id);
    }
    const seen: { id: string; name: string | null }[] = [];
    let after: string | null | undefined;
    for (let page = 0; page < 5; page++) {
      const r = await t.raw({
        query: print(AdvisorReviewsDocument),
        variables: { id: advisor.advisorId, first: 2, after },
      });
      expect(r.json.errors).toBeUndefined();
      for (const c of clients) {
        expect(r.text).not.toContain(c.familyName);
        expect(r.text).not.toContain(c.email);
        expect(r.text).not.toContain(c.id);
      }
      const reviews = r.json.data.advisor.reviews;
      seen.push(
        ...reviews.edges.map((e: { node: { id: string; reviewerFirstName: string } }) => ({
          id: e.node.id,
          name: e.node.reviewerFirstName,
        })),
      );
      if (!reviews.pageInfo.hasNextPage) break;
      after = reviews.pageInfo.endCursor;
    }
    expect(seen.map((s) => s.id)).toEqual([...made].reverse());
    expect(seen.map((s) => s.name)).toEqual(['Eve', 'Dee', 'Cy', 'Ben', 'Ann']);
    const profile = expectOk(await t.gql(AdvisorReviewsDocument, { id: advisor.advisorId, first: 1 })).advisor!;
    expect(profile).toMatchObject({ rating: 3, reviewCount: 5 });
    expect(codeOf(await t.gql(AdvisorReviewsDocument, { id: advisor.advisorId, after: 'bogus' }))).toBe('BAD_USER_INPUT');
  });

  it('costs the same number of SQL statements for a page of 5 or 50 advisors with their reviews', async () => {
    const bulk: AdvisorFixture[] = [];
    for (let i = 0; i < 55; i++) bulk.push(await makeAdvisor(t, admin, { input: { skills: ['reviewbulk'] } }));
    // Some advisors across the page have reviews, so the batch really returns rows for several.
    for (const a of [bulk[0]!, bulk[3]!, bulk[30]!, bulk[54]!]) {
      for (let k = 0; k < 4; k++) {
        const client = await t.user({ givenName: `Rev${k}` });
        expectOk(await review(await consultation(a, client), client.token, { rating: 5 - k }));
      }
    }
    const count = async (first: number) => {
      t.statements.length = 0;
      // Literal page sizes: with variables the cost limit assumes the largest page.
      const r = await t.raw({
        query: `{ advisors(filter: { skills: ["reviewbulk"] }, first: ${first}) {
          edges { node { id rating reviewCount reviews(first: 3) { edges { node { id rating reviewerFirstName } } pageInfo { hasNextPage } } } } } }`,
      });
      const data = expectOk<SearchAdvisorsWithReviewsQuery>({ data: r.json.data, errors: r.json.errors });
      expect(data.advisors.edges).toHaveLength(first);
      const withReviews = data.advisors.edges.filter((e) => e.node.reviewCount > 0);
      for (const e of withReviews) {
        expect(e.node.reviews.edges).toHaveLength(3);
        expect(e.node.reviews.pageInfo.hasNextPage).toBe(true);
      }
      if (first === 50) expect(withReviews.length).toBeGreaterThanOrEqual(3);
      return t.statements.filter((s) => !/email_outbox/.test(s)).length;
    };
    const five = await count(5);
    const fifty = await count(50);
    expect(five).toBe(2);
    expect(fifty).toBe(2);
  });
});
