import {
  BookConsultationDocument,
  GeneratePayoutsDocument,
  PageAdminPayoutsDocument,
  PageAdvisorReviewsDocument,
  PageMyConsultationsDocument,
  ReviewConsultationDocument,
  type PagingFragment,
} from './generated/graphql';
import { codeOf, startTestApp, type GqlResult, type TestApp, type TestUser } from './helpers/app';
import { expectOk, HOUR, inFuture, makeAdvisor, type AdvisorFixture } from './helpers/fixtures';
import { consultation, monthsAgo, Slots } from './helpers/money';

let t: TestApp;
let admin: TestUser;
let client: TestUser;
let advisor: AdvisorFixture;
const month = monthsAgo(2);

beforeAll(async () => {
  t = await startTestApp();
  admin = await t.user({ roles: ['admin'] });
  client = await t.user({ givenName: 'Pia' });
  advisor = await makeAdvisor(t, admin, { givenName: 'Ravi' });
  // Five completed consultations, each reviewed: five consultations and five reviews to page through.
  const slots = new Slots();
  for (let i = 0; i < 5; i++) {
    const c = await consultation(t, admin, advisor, client, slots, month, 15, 'complete');
    expectOk(await t.gql(ReviewConsultationDocument, { consultationId: c.id, input: { rating: 1 + i } }, client.token));
  }
  // Three more advisors with earnings in the month: four payouts.
  for (const name of ['Sam', 'Tao', 'Uma']) {
    const other = await makeAdvisor(t, admin, { givenName: name });
    await consultation(t, admin, other, client, new Slots(), month, 15, 'complete');
  }
  expectOk(await t.gql(GeneratePayoutsDocument, { month: month.key }, admin.token));
  // And three upcoming ones.
  for (let i = 0; i < 3; i++) {
    const startTime = inFuture(48 * HOUR + i * 2 * HOUR).toISOString();
    const input = { advisorId: advisor.advisorId, durationMinutes: 15, startTime, paymentMethodId: 'pm_card_visa' };
    expectOk(await t.gql(BookConsultationDocument, { input }, client.token));
  }
}, 120_000);
afterAll(() => t.close());

interface Conn {
  edges: { cursor: string; node: { id: string } }[];
  pageInfo: PagingFragment;
}
type Args = { first?: number; after?: string; last?: number; before?: string };

/**
 * Walks a list forward with first/after and back with last/before, two at a time, and checks that
 * both walks see the same items in the same order, with the page flags Relay requires.
 */
async function walkBothWays(fetchPage: (args: Args) => Promise<Conn>, total: number): Promise<string[]> {
  const forward: string[] = [];
  let after: string | undefined;
  for (let i = 0; ; i++) {
    const page = await fetchPage({ first: 2, after });
    forward.push(...page.edges.map((e) => e.node.id));
    expect(page.pageInfo.hasPreviousPage).toBe(i > 0);
    expect(page.pageInfo.startCursor).toBe(page.edges[0]?.cursor ?? null);
    expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor!;
  }
  expect(forward).toHaveLength(total);

  const backward: string[][] = [];
  let before: string | undefined;
  for (let i = 0; ; i++) {
    const page = await fetchPage({ last: 2, before });
    backward.unshift(page.edges.map((e) => e.node.id));
    expect(page.pageInfo.hasNextPage).toBe(i > 0);
    if (!page.pageInfo.hasPreviousPage) break;
    before = page.pageInfo.startCursor!;
  }
  expect(backward.flat()).toEqual(forward);
  // The last page read backward ends where the forward walk ends; the first one starts at the start.
  expect(backward[0]).toHaveLength(total % 2 || 2);

  // Back from the middle: the two items before the third.
  const third = await fetchPage({ first: 3 });
  const middle = await fetchPage({ last: 2, before: third.edges[2]!.cursor });
  expect(middle.edges.map((e) => e.node.id)).toEqual(forward.slice(0, 2));
  expect(middle.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: true });
  return forward;
}

const data = <T>(r: GqlResult<T>) => expectOk(r);

describe('Relay paging both ways', () => {
  it('pages my consultations forward and back, in both orders', async () => {
    const ids = await walkBothWays(async (args) => data(await t.gql(PageMyConsultationsDocument, args, client.token)).myConsultations, 11);
    const newestFirst = data(await t.gql(PageMyConsultationsDocument, { first: 11 }, client.token)).myConsultations.edges;
    expect(newestFirst.map((e) => e.node.id)).toEqual(ids);
    const starts = newestFirst.map((e) => e.node.startTime);
    expect([...starts].sort().reverse()).toEqual(starts);

    // Upcoming ones are listed soonest first, and page back the same way.
    const filter = { when: 'UPCOMING' as const };
    const upcoming = await walkBothWays(
      async (args) => data(await t.gql(PageMyConsultationsDocument, { filter, ...args }, client.token)).myConsultations,
      3,
    );
    const soonest = data(await t.gql(PageMyConsultationsDocument, { filter, first: 3 }, client.token)).myConsultations.edges;
    expect(soonest.map((e) => e.node.id)).toEqual(upcoming);
    expect(soonest.map((e) => e.node.startTime)).toEqual(soonest.map((e) => e.node.startTime).sort());
  });

  it('pages payouts forward and back', async () => {
    await walkBothWays(
      async (args) => data(await t.gql(PageAdminPayoutsDocument, { month: month.key, ...args }, admin.token)).adminPayouts,
      4,
    );
  });

  it("pages an advisor's reviews forward and back, newest first", async () => {
    const ids = await walkBothWays(
      async (args) => data(await t.gql(PageAdvisorReviewsDocument, { id: advisor.advisorId, ...args })).advisor!.reviews,
      5,
    );
    const all = data(await t.gql(PageAdvisorReviewsDocument, { id: advisor.advisorId, first: 5 })).advisor!.reviews.edges;
    expect(all.map((e) => e.node.id)).toEqual(ids);
  });

  it('refuses mixing directions and bad cursors with the argument named', async () => {
    const both = await t.gql(PageMyConsultationsDocument, { first: 2, last: 2 }, client.token);
    expect(codeOf(both)).toBe('BAD_USER_INPUT');
    expect(both.errors![0]!.message).toMatch(/^first: cannot be combined with last or before/);
    const badBefore = await t.gql(PageAdminPayoutsDocument, { last: 2, before: 'nonsense' }, admin.token);
    expect(codeOf(badBefore)).toBe('BAD_USER_INPUT');
    expect(badBefore.errors![0]!.message).toBe('before: is not a valid cursor');
    const tooMany = await t.gql(PageAdvisorReviewsDocument, { id: advisor.advisorId, last: 1000 });
    expect(codeOf(tooMany)).toBe('BAD_USER_INPUT');
  });
});
