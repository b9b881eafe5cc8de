import { BookConsultationDocument, CancelConsultationDocument, GetConsultationDocument } from './generated/graphql';
import { codeOf, startTestApp, type GqlResult, type TestApp, type TestUser } from './helpers/app';
import { expectOk, HOUR, inFuture, makeAdvisor, sql, waitFor } from './helpers/fixtures';

// Issue 11, finding 3: one client held 5,000 unpaid bookings, 52 days of one advisor's calendar.
let t: TestApp;
let admin: TestUser;

beforeAll(async () => {
  // The default limit (2) and cooldown (30 min); holds lapse after 3 s.
  t = await startTestApp({ BOOKING_MAX_UNPAID_HOLDS: '2', BOOKING_HOLD_COOLDOWN_MINUTES: '30', PAYMENT_EXPIRY_MINUTES: '0.05' });
  admin = await t.user({ roles: ['admin'], givenName: 'Root' });
});
afterAll(() => t.close());

const hold = (client: TestUser, advisorId: string, start: Date, paymentMethodId: string | null = null) =>
  t.gql(
    BookConsultationDocument,
    { input: { advisorId, durationMinutes: 30, startTime: start.toISOString(), paymentMethodId } },
    client.token,
  );

const reasonOf = (r: GqlResult<unknown>) => r.errors?.[0]?.extensions?.reason;

describe('unpaid holds per client', () => {
  it('one client cannot hold many slots at once, even concurrently; another client still books them', async () => {
    const advisor = await makeAdvisor(t, admin);
    const hoarder = await t.user({ givenName: 'Hoarder' });
    const starts = Array.from({ length: 10 }, (_, i) => inFuture((48 + i) * HOUR));
    const intentsBefore = t.stripe.paymentIntents.size;

    const results = await Promise.all(starts.map((s) => hold(hoarder, advisor.advisorId, s)));

    const held = results.filter((r) => !r.errors);
    const refused = results.filter((r) => r.errors);
    expect(held).toHaveLength(2);
    expect(refused).toHaveLength(8);
    for (const r of refused) {
      expect(codeOf(r)).toBe('CONFLICT');
      expect(reasonOf(r)).toBe('HOLD_LIMIT');
      expect(r.errors![0]!.extensions).toMatchObject({ maxUnpaidHolds: 2 });
    }
    // Refused before Stripe was asked: one PaymentIntent per hold, none for the refusals.
    expect(t.stripe.paymentIntents.size - intentsBefore).toBe(2);

    // A real client books the slots the hoarder tried and did not get.
    const client = await t.user({ givenName: 'Real' });
    const free = starts.filter((_, i) => results[i]!.errors);
    for (const s of free.slice(0, 3)) {
      expect(expectOk(await hold(client, advisor.advisorId, s, 'pm_card_visa')).bookConsultation.consultation.status).toBe('SCHEDULED');
    }
  });

  it('paid bookings do not count', async () => {
    const advisor = await makeAdvisor(t, admin);
    const client = await t.user();
    for (let i = 0; i < 4; i++) {
      expectOk(await hold(client, advisor.advisorId, inFuture((100 + i) * HOUR), 'pm_card_visa'));
    }
  });

  it('a hold the client cancels keeps counting for the cooldown, so holds cannot be renewed', async () => {
    const advisor = await makeAdvisor(t, admin);
    const client = await t.user();
    const first = expectOk(await hold(client, advisor.advisorId, inFuture(120 * HOUR))).bookConsultation.consultation.id;
    expectOk(await hold(client, advisor.advisorId, inFuture(121 * HOUR)));
    expectOk(await t.gql(CancelConsultationDocument, { id: first, reason: 'renewing' }, client.token));
    const again = await hold(client, advisor.advisorId, inFuture(120 * HOUR));
    expect(codeOf(again)).toBe('CONFLICT');
    expect(reasonOf(again)).toBe('HOLD_LIMIT');
    expect(again.errors![0]!.extensions!.retryAt).toEqual(expect.any(String));
  });

  it('a lapsed hold counts against its client until the cooldown ends', async () => {
    const advisor = await makeAdvisor(t, admin);
    const client = await t.user();
    const lapsed = expectOk(await hold(client, advisor.advisorId, inFuture(130 * HOUR))).bookConsultation.consultation.id;
    await waitFor(
      async () => expectOk(await t.gql(GetConsultationDocument, { id: lapsed }, client.token)).consultation!.status === 'CANCELLED',
      15_000,
      'the hold to lapse',
    );
    // One lapsed and one live: the limit of two is reached.
    expectOk(await hold(client, advisor.advisorId, inFuture(131 * HOUR)));
    const refused = await hold(client, advisor.advisorId, inFuture(132 * HOUR));
    expect(reasonOf(refused)).toBe('HOLD_LIMIT');
    expect(new Date(refused.errors![0]!.extensions!.retryAt as string).getTime()).toBeGreaterThan(Date.now() + 29 * 60_000);

    // Past the cooldown the lapsed hold no longer counts.
    await sql(t, `update consultations set cancelled_at = cancelled_at - interval '31 minutes' where id = ?`, [lapsed]);
    expectOk(await hold(client, advisor.advisorId, inFuture(132 * HOUR)));
  });
});
