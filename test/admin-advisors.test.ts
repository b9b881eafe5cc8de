import {
  AdminAdvisorsDocument,
  AdminUpdateAdvisorProfileDocument,
  AuditLogDocument,
  CreateAdjustmentDocument,
  GeneratePayoutsDocument,
  ProcessPayoutDocument,
  PublicAdvisorDocument,
  ReviewConsultationDocument,
} from './generated/graphql';
import { codeOf, startTestApp, type TestApp, type TestUser } from './helpers/app';
import { expectOk, makeAdvisor } from './helpers/fixtures';
import { connectedAdvisor, consultation, monthsAgo, PRICES, Slots } from './helpers/money';
import { monthOf } from '../src/modules/finance/month';

let t: TestApp;
let admin: TestUser;

beforeAll(async () => {
  t = await startTestApp();
  admin = await t.user({ roles: ['admin'], givenName: 'Root' });
});
afterAll(() => t.close());

const statuses = (counts: Record<string, number>) =>
  ['pending_payment', 'scheduled', 'in_progress', 'completed', 'cancelled', 'no_show'].map((s) => ({
    status: s.toUpperCase(),
    count: counts[s] ?? 0,
  }));

describe('the admin advisor directory', () => {
  it('lists advisors with exact figures, filtered and ordered, in a fixed number of statements', async () => {
    const paula = await connectedAdvisor(t, admin, 'Paula');
    const client = await t.user({ givenName: 'Carl' });
    const slots = new Slots();
    const last = monthsAgo(1);
    const now = monthOf(new Date());
    const c1 = await consultation(t, admin, paula, client, slots, last, 30, 'complete');
    await consultation(t, admin, paula, client, slots, last, 15, 'noShow');
    await consultation(t, admin, paula, client, slots, last, 60, 'earlyCancel');
    const payout = expectOk(await t.gql(GeneratePayoutsDocument, { month: last.key }, admin.token)).generatePayouts.payouts[0]!;
    expect(payout.totalCents).toBe(PRICES[30].earning + PRICES[15].earning);
    expectOk(await t.gql(ProcessPayoutDocument, { id: payout.id }, admin.token));
    await consultation(t, admin, paula, client, slots, now, 60, 'complete');
    await consultation(t, admin, paula, client, slots, now, 30, 'leave');
    expectOk(await t.gql(CreateAdjustmentDocument, { advisorId: paula.advisorId, amountCents: -150, reason: 'Late start' }, admin.token));
    expectOk(await t.gql(ReviewConsultationDocument, { consultationId: c1.id, input: { rating: 4, text: 'Helpful' } }, client.token));

    const pending = await makeAdvisor(t, admin, { status: 'pending', givenName: 'Zed', input: { skills: ['go'], bio: 'Gopher' } });
    await makeAdvisor(t, admin, { status: 'suspended', givenName: 'Mona' });

    t.statements.length = 0;
    const all = expectOk(await t.gql(AdminAdvisorsDocument, { orderBy: 'NAME', first: 10 }, admin.token)).adminAdvisors;
    const queries = t.statements.filter((s) => /^\s*select/i.test(s) && !/user_roles/.test(s)).length;
    expect(queries).toBeLessThanOrEqual(3);
    expect(all.edges.map((e) => e.node.profile.displayName)).toEqual(['Mona Advisor', 'Paula Advisor', 'Zed Advisor']);

    const p = all.edges[1]!.node;
    expect(p).toEqual({
      profile: { id: paula.advisorId, displayName: 'Paula Advisor', bio: null, approvalStatus: 'APPROVED', email: paula.user.email },
      rating: 4,
      reviewCount: 1,
      consultationsByStatus: statuses({ completed: 2, no_show: 1, cancelled: 1, scheduled: 1 }),
      earningsThisMonthCents: PRICES[60].earning - 150,
      earningsTotalCents: PRICES[30].earning + PRICES[15].earning + PRICES[60].earning - 150,
      unpaidCents: PRICES[60].earning - 150,
      lastPayout: {
        id: payout.id,
        month: last.key,
        totalCents: PRICES[30].earning + PRICES[15].earning,
        status: 'PAID',
        processedAt: expect.any(String),
      },
      connectState: 'ENABLED',
    });
    expect(all.edges[2]!.node).toMatchObject({
      rating: 0,
      reviewCount: 0,
      consultationsByStatus: statuses({}),
      earningsThisMonthCents: 0,
      earningsTotalCents: 0,
      unpaidCents: 0,
      lastPayout: null,
      connectState: 'NONE',
    });

    // Filters: status, text (name, bio or email), skills.
    const names = async (filter: object, orderBy?: 'NEWEST' | 'RATING') =>
      expectOk(await t.gql(AdminAdvisorsDocument, { filter, orderBy }, admin.token)).adminAdvisors.edges.map(
        (e) => e.node.profile.displayName,
      );
    expect(await names({ status: 'PENDING' })).toEqual(['Zed Advisor']);
    expect(await names({ status: 'SUSPENDED' })).toEqual(['Mona Advisor']);
    expect(await names({ text: 'gopher' })).toEqual(['Zed Advisor']);
    expect(await names({ text: pending.user.email })).toEqual(['Zed Advisor']);
    expect(await names({ skills: ['GO'] })).toEqual(['Zed Advisor']);
    expect((await names({}, 'RATING'))[0]).toBe('Paula Advisor');
    expect(await names({}, 'NEWEST')).toEqual(['Mona Advisor', 'Zed Advisor', 'Paula Advisor']);

    // Paging by name.
    const first = expectOk(await t.gql(AdminAdvisorsDocument, { orderBy: 'NAME', first: 2 }, admin.token)).adminAdvisors;
    expect(first.pageInfo.hasNextPage).toBe(true);
    const next = expectOk(
      await t.gql(AdminAdvisorsDocument, { orderBy: 'NAME', first: 2, after: first.pageInfo.endCursor }, admin.token),
    ).adminAdvisors;
    expect(next.edges.map((e) => e.node.profile.displayName)).toEqual(['Zed Advisor']);

    expect(codeOf(await t.gql(AdminAdvisorsDocument, {}, client.token))).toBe('FORBIDDEN');
  });

  it('lets an admin edit a profile: live at once, audited with the reason and the values before and after', async () => {
    const a = await makeAdvisor(t, admin, { givenName: 'Eve', input: { bio: 'Old bio' } });
    const updated = expectOk(
      await t.gql(
        AdminUpdateAdvisorProfileDocument,
        { id: a.advisorId, input: { displayName: 'Eve Expert', bio: 'New bio', skills: ['Rust'] }, reason: 'Support ticket 42' },
        admin.token,
      ),
    ).adminUpdateAdvisorProfile;
    expect(updated).toEqual({ id: a.advisorId, displayName: 'Eve Expert', bio: 'New bio', skills: ['rust'] });
    // Live for the public at once (no review for an admin's edit).
    expect(expectOk(await t.gql(PublicAdvisorDocument, { id: a.advisorId })).advisor?.displayName).toBe('Eve Expert');
    const [entry] = expectOk(
      await t.gql(AuditLogDocument, { filter: { action: 'advisor_profile.admin_update', subjectId: a.advisorId } }, admin.token),
    ).auditLog.edges.map((e) => e.node);
    expect(entry).toMatchObject({ actorId: admin.id, reason: 'Support ticket 42' });
    expect(JSON.parse(entry!.before!)).toEqual({ displayName: 'Eve Advisor', bio: 'Old bio', skills: ['react'] });
    expect(JSON.parse(entry!.after!)).toEqual({ displayName: 'Eve Expert', bio: 'New bio', skills: ['rust'] });
    const other = await t.user();
    expect(
      codeOf(await t.gql(AdminUpdateAdvisorProfileDocument, { id: a.advisorId, input: { bio: 'x' }, reason: 'because' }, other.token)),
    ).toBe('FORBIDDEN');
  });
});
