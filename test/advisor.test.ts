import { signToken } from '../src/auth/token';
import {
  AdminAdvisorDocument,
  AdvisorApplicationsDocument,
  AdvisorStatusHistoryDocument,
  ApplyAsAdvisorDocument,
  ApproveAdvisorDocument,
  MyAdvisorProfileDocument,
  PricingDocument,
  PublicAdvisorDocument,
  ReactivateAdvisorDocument,
  RejectAdvisorDocument,
  SearchAdvisorsDocument,
  SetAcceptingBookingsDocument,
  SuspendAdvisorDocument,
  UpdateAdvisorProfileDocument,
} from './generated/graphql';
import { codeOf, startTestApp, type TestApp, type TestUser } from './helpers/app';
import { expectOk, makeAdvisor } from './helpers/fixtures';

let t: TestApp;
let admin: TestUser;

beforeAll(async () => {
  t = await startTestApp();
  admin = await t.user({ roles: ['admin'], givenName: 'Root' });
});
afterAll(() => t.close());

describe('pricing', () => {
  it('answers anonymously with the three SKUs split exactly', async () => {
    const { pricing } = expectOk(await t.gql(PricingDocument));
    expect(pricing).toEqual([
      { sku: '15min', durationMinutes: 15, priceCents: 900, platformFeeCents: 270, advisorEarningsCents: 630, currency: 'USD' },
      { sku: '30min', durationMinutes: 30, priceCents: 1900, platformFeeCents: 570, advisorEarningsCents: 1330, currency: 'USD' },
      { sku: '60min', durationMinutes: 60, priceCents: 3500, platformFeeCents: 1050, advisorEarningsCents: 2450, currency: 'USD' },
    ]);
  });
});

describe('applying', () => {
  it('creates a pending application with normalised lists, one live application per user', async () => {
    const u = await t.user();
    const r = expectOk(
      await t.gql(
        ApplyAsAdvisorDocument,
        {
          input: {
            displayName: '  Grace Hopper ',
            bio: 'Compilers',
            avatarUrl: 'https://example.com/a.png',
            skills: ['React', ' react ', 'Node'],
            specialties: ['fullstack'],
            languages: ['en', 'pt-BR'],
            countryCode: 'us',
            calComEventTypeUrl: 'https://cal.com/grace/30min',
          },
        },
        u.token,
      ),
    );
    expect(r.applyAsAdvisor).toMatchObject({
      displayName: 'Grace Hopper',
      skills: ['react', 'node'],
      languages: ['en', 'pt-BR'],
      countryCode: 'US',
      approvalStatus: 'PENDING',
    });
    const again = await t.gql(ApplyAsAdvisorDocument, { input: { displayName: 'Grace again' } }, u.token);
    expect(codeOf(again)).toBe('CONFLICT');
    const mine = expectOk(await t.gql(MyAdvisorProfileDocument, undefined, u.token));
    expect(mine.myAdvisorProfile?.displayName).toBe('Grace Hopper');
  });

  it('lets a rejected applicant apply again, keeping the decision history', async () => {
    const u = await t.user();
    const { applyAsAdvisor } = expectOk(await t.gql(ApplyAsAdvisorDocument, { input: { displayName: 'First Try' } }, u.token));
    const rejected = expectOk(await t.gql(RejectAdvisorDocument, { id: applyAsAdvisor.id, note: 'Needs a portfolio' }, admin.token));
    expect(rejected.rejectAdvisor).toMatchObject({ approvalStatus: 'REJECTED', decisionNote: 'Needs a portfolio' });
    const mine = expectOk(await t.gql(MyAdvisorProfileDocument, undefined, u.token));
    expect(mine.myAdvisorProfile).toMatchObject({ approvalStatus: 'REJECTED', decisionNote: 'Needs a portfolio' });

    const again = expectOk(await t.gql(ApplyAsAdvisorDocument, { input: { displayName: 'Second Try' } }, u.token));
    expect(again.applyAsAdvisor).toMatchObject({
      id: applyAsAdvisor.id,
      approvalStatus: 'PENDING',
      displayName: 'Second Try',
      decisionNote: null,
    });

    const history = expectOk(await t.gql(AdvisorStatusHistoryDocument, { id: applyAsAdvisor.id }, admin.token));
    expect(history.advisorStatusHistory.map((h) => [h.fromStatus, h.toStatus, h.note, h.actorId])).toEqual([
      [null, 'PENDING', null, u.id],
      ['PENDING', 'REJECTED', 'Needs a portfolio', admin.id],
      ['REJECTED', 'PENDING', null, u.id],
    ]);
  });

  it('allows exactly one of many concurrent first applications', async () => {
    const u = await t.user();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => t.gql(ApplyAsAdvisorDocument, { input: { displayName: `Racer ${i}` } }, u.token)),
    );
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(results.filter((r) => codeOf(r) === 'CONFLICT')).toHaveLength(7);
  });

  it.each([
    ['displayName', { displayName: 'x' }],
    ['avatarUrl', { displayName: 'Valid Name', avatarUrl: 'javascript:alert(1)' }],
    ['countryCode', { displayName: 'Valid Name', countryCode: 'XX' }],
    ['languages', { displayName: 'Valid Name', languages: ['english'] }],
    ['skills', { displayName: 'Valid Name', skills: Array.from({ length: 31 }, (_, i) => `s${i}`) }],
    ['calComEventTypeUrl', { displayName: 'Valid Name', calComEventTypeUrl: 'not a url' }],
    ['bio', { displayName: 'Valid Name', bio: 'b'.repeat(4001) }],
  ])('refuses a bad %s with BAD_USER_INPUT naming it, writing nothing', async (field, input) => {
    const u = await t.user();
    const r = await t.gql(ApplyAsAdvisorDocument, { input }, u.token);
    expect(codeOf(r)).toBe('BAD_USER_INPUT');
    expect(r.errors![0]!.message).toContain(field);
    expect((r.errors![0]!.extensions!.fields as { field: string }[]).map((f) => f.field)).toContain(field);
    const mine = expectOk(await t.gql(MyAdvisorProfileDocument, undefined, u.token));
    expect(mine.myAdvisorProfile).toBeNull();
  });
});

describe('approval state machine through the API', () => {
  it('approves, suspends and reactivates, recording who, when and the note', async () => {
    const { advisorId } = await makeAdvisor(t, admin, { status: 'pending' });
    const approved = expectOk(await t.gql(ApproveAdvisorDocument, { id: advisorId, note: 'Great portfolio' }, admin.token));
    expect(approved.approveAdvisor).toMatchObject({ approvalStatus: 'APPROVED', decisionNote: 'Great portfolio' });
    expect(approved.approveAdvisor.approvedAt).toBeTruthy();

    const suspended = expectOk(await t.gql(SuspendAdvisorDocument, { id: advisorId, note: 'Complaints' }, admin.token));
    expect(suspended.suspendAdvisor.approvalStatus).toBe('SUSPENDED');
    const reactivated = expectOk(await t.gql(ReactivateAdvisorDocument, { id: advisorId }, admin.token));
    expect(reactivated.reactivateAdvisor.approvalStatus).toBe('APPROVED');

    const details = expectOk(await t.gql(AdminAdvisorDocument, { id: advisorId }, admin.token));
    expect(details.adminAdvisor!.decidedById).toBe(admin.id);
    expect(details.adminAdvisor!.approvedAt).toBe(approved.approveAdvisor.approvedAt);
  });

  it.each([
    ['reject an approved advisor', 'approved', RejectAdvisorDocument],
    ['approve an approved advisor', 'approved', ApproveAdvisorDocument],
    ['reactivate an approved advisor', 'approved', ReactivateAdvisorDocument],
    ['suspend a pending applicant', 'pending', SuspendAdvisorDocument],
    ['reactivate a pending applicant', 'pending', ReactivateAdvisorDocument],
    ['approve a suspended advisor', 'suspended', ApproveAdvisorDocument],
  ] as const)('refuses to %s with CONFLICT', async (_name, status, doc) => {
    const { advisorId } = await makeAdvisor(t, admin, { status });
    const r = await t.gql(doc as typeof ApproveAdvisorDocument, { id: advisorId }, admin.token);
    expect(codeOf(r)).toBe('CONFLICT');
  });

  it('answers NOT_FOUND for an unknown advisor and BAD_USER_INPUT for a malformed id', async () => {
    expect(codeOf(await t.gql(ApproveAdvisorDocument, { id: '00000000-0000-4000-8000-000000000000' }, admin.token))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(ApproveAdvisorDocument, { id: 'nope' }, admin.token))).toBe('BAD_USER_INPUT');
  });

  it('queues the applicant an email for each decision', async () => {
    const { user, advisorId } = await makeAdvisor(t, admin, { status: 'pending' });
    expectOk(await t.gql(ApproveAdvisorDocument, { id: advisorId }, admin.token));
    const deadline = Date.now() + 10_000;
    while (!t.emails.sent.some((e) => e.to === user.email) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(t.emails.sent.filter((e) => e.to === user.email).map((e) => e.template)).toEqual(['advisor-approve']);
  });
});

describe('applications list', () => {
  it('lists pending applications oldest first, paginated with opaque cursors', async () => {
    const fresh = await startTestApp();
    try {
      const boss = await fresh.user({ roles: ['admin'] });
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await makeAdvisor(fresh, boss, { status: 'pending' })).advisorId);
      await makeAdvisor(fresh, boss, { status: 'approved' });
      const p1 = expectOk(await fresh.gql(AdvisorApplicationsDocument, { first: 2 }, boss.token));
      const p2 = expectOk(
        await fresh.gql(AdvisorApplicationsDocument, { first: 2, after: p1.advisorApplications.pageInfo.endCursor }, boss.token),
      );
      const p3 = expectOk(
        await fresh.gql(AdvisorApplicationsDocument, { first: 2, after: p2.advisorApplications.pageInfo.endCursor }, boss.token),
      );
      const seen = [p1, p2, p3].flatMap((p) => p.advisorApplications.edges.map((e) => e.node.id));
      expect(seen).toEqual(ids);
      expect(p3.advisorApplications.pageInfo.hasNextPage).toBe(false);
      expect(p1.advisorApplications.edges[0]!.node.email).toMatch(/@example.com$/);
      expect(codeOf(await fresh.gql(AdvisorApplicationsDocument, { after: 'garbage' }, boss.token))).toBe('BAD_USER_INPUT');
      expect(codeOf(await fresh.gql(AdvisorApplicationsDocument, { first: 1000 }, boss.token))).toBe('BAD_USER_INPUT');
    } finally {
      await fresh.close();
    }
  });
});

describe('profile and availability', () => {
  it('lets an applicant edit their profile and an approved advisor toggle bookings', async () => {
    const { user, advisorId } = await makeAdvisor(t, admin);
    const r = expectOk(await t.gql(UpdateAdvisorProfileDocument, { input: { bio: 'New bio', skills: ['Go'] } }, user.token));
    expect(r.updateAdvisorProfile).toMatchObject({ id: advisorId, bio: 'New bio', skills: ['go'], displayName: 'Ada Advisor' });
    const off = expectOk(await t.gql(SetAcceptingBookingsDocument, { accepting: false }, user.token));
    expect(off.setAcceptingBookings.isAcceptingBookings).toBe(false);
    const bad = await t.gql(UpdateAdvisorProfileDocument, { input: { countryCode: 'ZZ' } }, user.token);
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
    expect(expectOk(await t.gql(MyAdvisorProfileDocument, undefined, user.token)).myAdvisorProfile!.countryCode).toBe('US');
  });

  it('never shows email, user id or admin notes to the public', async () => {
    const { advisorId } = await makeAdvisor(t, admin, { input: { bio: 'Public bio' } });
    const raw = await t.raw({ query: `{ advisor(id: "${advisorId}") { id displayName bio } }` });
    expect(raw.json.data.advisor.bio).toBe('Public bio');
    const sneaky = await t.raw({ query: `{ advisor(id: "${advisorId}") { id email } }` });
    expect(sneaky.json.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const pending = await makeAdvisor(t, admin, { status: 'pending' });
    expect(expectOk(await t.gql(PublicAdvisorDocument, { id: pending.advisorId })).advisor).toBeNull();
  });
});

describe('role matrix', () => {
  type Who = 'anonymous' | 'client' | 'otherClient' | 'pendingAdvisor' | 'approvedAdvisor' | 'suspendedAdvisor' | 'admin';
  const everyone: Who[] = ['anonymous', 'client', 'otherClient', 'pendingAdvisor', 'approvedAdvisor', 'suspendedAdvisor', 'admin'];
  let tokens: Record<Who, string | undefined>;
  let targetId: string;

  beforeAll(async () => {
    const client = await t.user();
    const otherClient = await t.user();
    const pending = await makeAdvisor(t, admin, { status: 'pending' });
    const approved = await makeAdvisor(t, admin, { status: 'approved' });
    const suspended = await makeAdvisor(t, admin, { status: 'suspended' });
    targetId = (await makeAdvisor(t, admin, { status: 'pending' })).advisorId;
    tokens = {
      anonymous: undefined,
      client: client.token,
      otherClient: otherClient.token,
      pendingAdvisor: pending.user.token,
      approvedAdvisor: approved.user.token,
      suspendedAdvisor: suspended.user.token,
      admin: admin.token,
    };
  });

  const expectations: [
    string,
    (token?: string) => Promise<{ errors?: { extensions?: Record<string, unknown> }[] }>,
    Partial<Record<Who, string | null>>,
  ][] = [
    ['pricing', (tk) => t.gql(PricingDocument, undefined, tk), {}],
    ['advisors', (tk) => t.gql(SearchAdvisorsDocument, {}, tk), {}],
    ['myAdvisorProfile', (tk) => t.gql(MyAdvisorProfileDocument, undefined, tk), { anonymous: 'UNAUTHENTICATED' }],
    [
      'setAcceptingBookings',
      (tk) => t.gql(SetAcceptingBookingsDocument, { accepting: true }, tk),
      {
        anonymous: 'UNAUTHENTICATED',
        client: 'FORBIDDEN',
        otherClient: 'FORBIDDEN',
        pendingAdvisor: 'FORBIDDEN',
        suspendedAdvisor: 'FORBIDDEN',
        admin: 'FORBIDDEN',
      },
    ],
    [
      'advisorApplications',
      (tk) => t.gql(AdvisorApplicationsDocument, {}, tk),
      {
        anonymous: 'UNAUTHENTICATED',
        client: 'FORBIDDEN',
        otherClient: 'FORBIDDEN',
        pendingAdvisor: 'FORBIDDEN',
        approvedAdvisor: 'FORBIDDEN',
        suspendedAdvisor: 'FORBIDDEN',
      },
    ],
    [
      'adminAdvisor',
      (tk) => t.gql(AdminAdvisorDocument, { id: targetId }, tk),
      {
        anonymous: 'UNAUTHENTICATED',
        client: 'FORBIDDEN',
        otherClient: 'FORBIDDEN',
        pendingAdvisor: 'FORBIDDEN',
        approvedAdvisor: 'FORBIDDEN',
        suspendedAdvisor: 'FORBIDDEN',
      },
    ],
    [
      'suspendAdvisor (on a pending applicant: CONFLICT for admins)',
      (tk) => t.gql(SuspendAdvisorDocument, { id: targetId }, tk),
      {
        anonymous: 'UNAUTHENTICATED',
        client: 'FORBIDDEN',
        otherClient: 'FORBIDDEN',
        pendingAdvisor: 'FORBIDDEN',
        approvedAdvisor: 'FORBIDDEN',
        suspendedAdvisor: 'FORBIDDEN',
        admin: 'CONFLICT',
      },
    ],
    [
      'updateAdvisorProfile (NOT_FOUND without a profile)',
      (tk) => t.gql(UpdateAdvisorProfileDocument, { input: { bio: 'x' } }, tk),
      { anonymous: 'UNAUTHENTICATED', client: 'NOT_FOUND', otherClient: 'NOT_FOUND', admin: 'NOT_FOUND' },
    ],
  ];

  it.each(expectations)('%s', async (_name, run, refusals) => {
    for (const who of everyone) {
      const r = await run(tokens[who]);
      const got = (r.errors?.[0]?.extensions?.code as string | undefined) ?? null;
      expect({ who, code: got }).toEqual({ who, code: refusals[who] ?? null });
    }
  });

  it('approving and rejecting are admin-only too', async () => {
    for (const who of everyone.filter((w) => w !== 'admin')) {
      expect(codeOf(await t.gql(ApproveAdvisorDocument, { id: targetId }, tokens[who]))).toBe(
        who === 'anonymous' ? 'UNAUTHENTICATED' : 'FORBIDDEN',
      );
      expect(codeOf(await t.gql(RejectAdvisorDocument, { id: targetId }, tokens[who]))).toBe(
        who === 'anonymous' ? 'UNAUTHENTICATED' : 'FORBIDDEN',
      );
      expect(codeOf(await t.gql(ReactivateAdvisorDocument, { id: targetId }, tokens[who]))).toBe(
        who === 'anonymous' ? 'UNAUTHENTICATED' : 'FORBIDDEN',
      );
    }
  });

  it('gives advisor powers from the database, not from an advisor role in the token', async () => {
    const pretender = await t.user({ roles: ['client', 'advisor'] });
    expect(codeOf(await t.gql(SetAcceptingBookingsDocument, { accepting: true }, pretender.token))).toBe('FORBIDDEN');
  });
});

describe('tokens', () => {
  it('refuses expired, forged and malformed tokens where a viewer is needed', async () => {
    const sub = '4b1f6a3c-1d2e-4f00-8a00-000000000001';
    const expired = await signToken(
      { sub, email: 'x@y.z', roles: ['client'] },
      t.config.auth.jwtSecret,
      Math.floor(Date.now() / 1000) - 60,
    );
    const forged = await signToken({ sub, email: 'x@y.z', roles: ['admin'] }, 'another-secret-another-secret-another-secret');
    const notUuid = await signToken({ sub: 'user-1', email: 'x@y.z', roles: ['client'] }, t.config.auth.jwtSecret);
    for (const token of [expired, forged, notUuid, 'not.a.jwt']) {
      const r = await t.gql(MyAdvisorProfileDocument, undefined, token);
      expect(codeOf(r)).toBe('UNAUTHENTICATED');
    }
    // A public query still answers with a bad token.
    expect(expectOk(await t.gql(PricingDocument, undefined, forged)).pricing).toHaveLength(3);
  });

  it('creates the user on first sight and follows changed claims', async () => {
    const u = await t.user({ givenName: 'Before' });
    expectOk(await t.gql(MyAdvisorProfileDocument, undefined, u.token));
    const renamed = await signToken(
      { sub: u.id, email: 'after@example.com', givenName: 'After', roles: ['client'] },
      t.config.auth.jwtSecret,
    );
    expectOk(await t.gql(MyAdvisorProfileDocument, undefined, renamed));
    const rows = await t.app.services.orm.em.fork().execute('select email, given_name from users where id = ?', [u.id]);
    expect(rows).toEqual([{ email: 'after@example.com', given_name: 'After' }]);
  });
});
