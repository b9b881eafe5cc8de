import {
  ApplyAsAdvisorDocument,
  ApproveAdvisorDocument,
  SearchAdvisorsDocument,
  SetAcceptingBookingsDocument,
  SuspendAdvisorDocument,
} from './generated/graphql';
import { codeOf, startTestApp, type TestApp, type TestUser } from './helpers/app';
import { expectOk } from './helpers/fixtures';

let t: TestApp;
let admin: TestUser;
const ids: Record<string, string> = {};

async function seed(name: string, input: Record<string, unknown>, rating: number, reviews: number, status = 'approved') {
  const u = await t.user({ givenName: name });
  const r = expectOk(await t.gql(ApplyAsAdvisorDocument, { input: { displayName: name, ...input } }, u.token));
  const id = r.applyAsAdvisor.id;
  if (status !== 'pending') expectOk(await t.gql(ApproveAdvisorDocument, { id }, admin.token));
  if (status === 'suspended') expectOk(await t.gql(SuspendAdvisorDocument, { id }, admin.token));
  // Ratings come from reviews (another module); set them directly to test ordering.
  await t.app.services.orm.em.fork().execute('update advisors set rating = ?, review_count = ? where id = ?', [rating, reviews, id]);
  ids[name] = id;
  return { u, id };
}

beforeAll(async () => {
  t = await startTestApp();
  admin = await t.user({ roles: ['admin'] });
  await seed('Alice', { skills: ['react', 'node'], languages: ['en'], bio: 'Frontend performance' }, 4.9, 20);
  await seed('Bob', { skills: ['go'], specialties: ['backend'], languages: ['de', 'en'] }, 4.9, 30);
  await seed('Carol', { skills: ['react'], languages: ['ar'], bio: '100% remote' }, 4.5, 10);
  await seed('Dave', { skills: ['rust'], languages: ['en'] }, 3.0, 2);
  const erin = await seed('Erin', { skills: ['react'], languages: ['en'] }, 5.0, 1);
  expectOk(await t.gql(SetAcceptingBookingsDocument, { accepting: false }, erin.u.token));
  await seed('Pending Pat', { skills: ['react'] }, 5, 100, 'pending');
  await seed('Suspended Sam', { skills: ['react'] }, 5, 100, 'suspended');
});
afterAll(() => t.close());

const names = (r: { advisors: { edges: { node: { id: string } }[] } }) =>
  r.advisors.edges.map((e) => Object.keys(ids).find((k) => ids[k] === e.node.id));

describe('advisor search', () => {
  it('shows approved, unsuspended advisors by rating, review count, id', async () => {
    const r = expectOk(await t.gql(SearchAdvisorsDocument, {}));
    expect(names(r)).toEqual(['Erin', 'Bob', 'Alice', 'Carol', 'Dave']);
  });

  it.each([
    ['skills (any of, case-insensitive)', { skills: ['React', 'go'] }, ['Erin', 'Bob', 'Alice', 'Carol']],
    ['specialties', { specialties: ['backend'] }, ['Bob']],
    ['languages (any of)', { languages: ['de', 'ar'] }, ['Bob', 'Carol']],
    ['minimum rating', { minRating: 4.5 }, ['Erin', 'Bob', 'Alice', 'Carol']],
    ['accepting bookings', { acceptingBookings: true }, ['Bob', 'Alice', 'Carol', 'Dave']],
    ['free text over bio', { text: 'performance' }, ['Alice']],
    ['free text over name', { text: 'car' }, ['Carol']],
    ['free text with LIKE wildcards taken literally', { text: '100%' }, ['Carol']],
    ['combined filters', { skills: ['react'], languages: ['en'], acceptingBookings: true }, ['Alice']],
  ])('filters by %s', async (_n, filter, expected) => {
    expect(names(expectOk(await t.gql(SearchAdvisorsDocument, { filter })))).toEqual(expected);
  });

  it('pages with opaque cursors without gaps or repeats', async () => {
    const seen: string[] = [];
    let after: string | null | undefined;
    for (let page = 0; page < 10; page++) {
      const r = expectOk(await t.gql(SearchAdvisorsDocument, { first: 2, after }));
      seen.push(...(names(r) as string[]));
      if (!r.advisors.pageInfo.hasNextPage) break;
      after = r.advisors.pageInfo.endCursor;
    }
    expect(seen).toEqual(['Erin', 'Bob', 'Alice', 'Carol', 'Dave']);
  });

  it('refuses a tampered cursor and an oversized page', async () => {
    expect(codeOf(await t.gql(SearchAdvisorsDocument, { after: Buffer.from('["x"]').toString('base64url') }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(SearchAdvisorsDocument, { first: 0 }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(SearchAdvisorsDocument, { first: 101 }))).toBe('BAD_USER_INPUT');
  });

  it('answers any page size with the same bounded number of SQL statements', async () => {
    for (let i = 0; i < 55; i++) await seed(`Bulk ${i}`, { skills: ['bulk'] }, 1 + (i % 4), i);
    const count = async (first: number) => {
      t.statements.length = 0;
      const r = await t.raw({
        query: `query($first: Int) { advisors(first: $first, filter: { skills: ["bulk"] }) { edges { cursor node { id displayName skills languages specialties rating reviewCount } } pageInfo { hasNextPage endCursor } } }`,
        variables: { first },
      });
      expect(r.json.data.advisors.edges).toHaveLength(first);
      // The job queue delivering approval emails shares the ORM; only this request's statements count.
      return t.statements.filter((sql) => !/email_outbox/.test(sql)).length;
    };
    const five = await count(5);
    const fifty = await count(50);
    expect(five).toBe(1);
    expect(fifty).toBe(1);
  });
});
