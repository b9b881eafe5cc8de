import {
  AdminConsultationsDocument,
  BookConsultationDocument,
  CancelConsultationDocument,
  CompleteConsultationDocument,
  GetConsultationDocument,
  MarkNoShowDocument,
  MyConsultationsDocument,
  RefundConsultationDocument,
  SetAcceptingBookingsDocument,
} from './generated/graphql';
import { codeOf, startTestApp, type TestApp, type TestUser } from './helpers/app';
import { expectOk, HOUR, inFuture, makeAdvisor, MINUTE, moveConsultation, sql, waitFor, type AdvisorFixture } from './helpers/fixtures';

let t: TestApp;
let admin: TestUser;

beforeAll(async () => {
  t = await startTestApp({ PAYMENT_EXPIRY_MINUTES: '0.05' });
  admin = await t.user({ roles: ['admin'], givenName: 'Root' });
});
afterAll(() => t.close());

async function setup(): Promise<{ advisor: AdvisorFixture; client: TestUser }> {
  const advisor = await makeAdvisor(t, admin);
  const client = await t.user({ givenName: 'Cleo', familyName: 'Secretlastname' });
  return { advisor, client };
}

async function book(
  client: TestUser,
  advisorId: string,
  startTime: Date,
  durationMinutes = 30,
  paymentMethodId: string | null = 'pm_card_visa',
) {
  return t.gql(
    BookConsultationDocument,
    { input: { advisorId, durationMinutes, startTime: startTime.toISOString(), paymentMethodId } },
    client.token,
  );
}

async function bookOk(client: TestUser, advisorId: string, startTime: Date, durationMinutes = 30) {
  return expectOk(await book(client, advisorId, startTime, durationMinutes)).bookConsultation.consultation;
}

const ledger = (id: string) =>
  sql<{ kind: string; amount_cents: number }>(
    t,
    'select kind, amount_cents from ledger_entries where consultation_id = ? order by created_at',
    [id],
  );

describe('booking', () => {
  it.each([
    [15, 900, 270, 630],
    [30, 1900, 570, 1330],
    [60, 3500, 1050, 2450],
  ])('books %i minutes at the platform price, paid at once', async (minutes, price, fee, earning) => {
    const { advisor, client } = await setup();
    const r = expectOk(
      await t.gql(
        BookConsultationDocument,
        {
          input: {
            advisorId: advisor.advisorId,
            durationMinutes: minutes,
            startTime: inFuture(48 * HOUR).toISOString(),
            paymentMethodId: 'pm_card_visa',
            locale: 'en-US',
            clientTimezone: 'America/New_York',
          },
        },
        client.token,
      ),
    );
    const c = r.bookConsultation.consultation;
    expect(c).toMatchObject({
      status: 'SCHEDULED',
      durationMinutes: minutes,
      priceCents: price,
      paymentStatus: 'SUCCEEDED',
      currency: 'USD',
    });
    expect(c.pricingSnapshot).toEqual({
      sku: `${minutes}min`,
      currency: 'USD',
      rateCents: price,
      platformFeeCents: fee,
      advisorEarningsCents: earning,
    });
    expect(r.bookConsultation.clientSecret).toBeNull();
    const [row] = await sql<{ price_cents: number; platform_fee_cents: number; advisor_earnings_cents: number }>(
      t,
      'select c.price_cents, cc.platform_fee_cents, cc.advisor_earnings_cents from consultations c join consultation_charges cc on cc.consultation_id = c.id where c.id = ?',
      [c.id],
    );
    expect(row).toEqual({ price_cents: price, platform_fee_cents: fee, advisor_earnings_cents: earning });

    const pi = [...t.stripe.paymentIntents.values()].find((p) => p.metadata.consultation_id === c.id)!;
    expect(pi).toMatchObject({ amount: price, currency: 'usd', status: 'succeeded', transfer_group: c.id });
    expect(pi.metadata).toEqual({ consultation_id: c.id, advisor_id: advisor.advisorId, duration_minutes: String(minutes) });
    expect(t.stripe.requestLog.some((r) => r.idempotencyKey === `consultation:${c.id}:payment-intent`)).toBe(true);
  });

  it('returns a client secret and holds the slot until paid when no payment method is sent', async () => {
    const { advisor, client } = await setup();
    const r = expectOk(await book(client, advisor.advisorId, inFuture(30 * HOUR), 30, null));
    expect(r.bookConsultation.consultation.status).toBe('PENDING_PAYMENT');
    expect(r.bookConsultation.clientSecret).toMatch(/^pi_.+_secret_/);
    // The slot is held meanwhile.
    expect(codeOf(await book(await t.user(), advisor.advisorId, inFuture(30 * HOUR)))).toBe('CONFLICT');
  });

  it('expires an unpaid booking, frees the slot and cancels its PaymentIntent', async () => {
    const { advisor, client } = await setup();
    const start = inFuture(50 * HOUR);
    const r = expectOk(await book(client, advisor.advisorId, start, 30, null));
    const id = r.bookConsultation.consultation.id;
    const deadline = Date.now() + 15_000;
    let status = 'PENDING_PAYMENT';
    while (status === 'PENDING_PAYMENT' && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 200));
      status = expectOk(await t.gql(GetConsultationDocument, { id }, client.token)).consultation!.status;
    }
    expect(status).toBe('CANCELLED');
    const pi = [...t.stripe.paymentIntents.values()].find((p) => p.metadata.consultation_id === id)!;
    expect(pi.status).toBe('canceled');
    expect((await bookOk(await t.user(), advisor.advisorId, start)).status).toBe('SCHEDULED');
  });

  it('answers PAYMENT_FAILED for a declined card and leaves the slot free, with no live PaymentIntent', async () => {
    const { advisor, client } = await setup();
    const start = inFuture(60 * HOUR);
    const r = await book(client, advisor.advisorId, start, 30, 'pm_card_chargeDeclined');
    expect(codeOf(r)).toBe('PAYMENT_FAILED');
    const id = r.errors![0]!.extensions!.consultationId as string;
    const pi = [...t.stripe.paymentIntents.values()].find((p) => p.metadata.consultation_id === id)!;
    expect(pi.status).toBe('canceled');
    const [charge] = await sql<{ status: string }>(t, 'select status from consultation_charges where consultation_id = ?', [id]);
    expect(charge!.status).toBe('failed');
    expect((await bookOk(client, advisor.advisorId, start)).status).toBe('SCHEDULED');
  });

  it('refuses overlaps but allows back-to-back slots', async () => {
    const { advisor, client } = await setup();
    const start = inFuture(72 * HOUR);
    await bookOk(client, advisor.advisorId, start, 60);
    expect(codeOf(await book(client, advisor.advisorId, new Date(start.getTime() + 30 * MINUTE), 15))).toBe('CONFLICT');
    expect(codeOf(await book(client, advisor.advisorId, new Date(start.getTime() - 15 * MINUTE), 30))).toBe('CONFLICT');
    expect((await bookOk(client, advisor.advisorId, new Date(start.getTime() + 60 * MINUTE), 15)).status).toBe('SCHEDULED');
    expect((await bookOk(client, advisor.advisorId, new Date(start.getTime() - 30 * MINUTE), 30)).status).toBe('SCHEDULED');
  });

  it.each([
    ['a duration that is not a SKU', { durationMinutes: 45 }, 'BAD_USER_INPUT'],
    ['a start inside the minimum notice', { startTime: () => inFuture(HOUR) }, 'BAD_USER_INPUT'],
    ['a start in the past', { startTime: () => inFuture(-HOUR) }, 'BAD_USER_INPUT'],
    ['a start beyond the horizon', { startTime: () => inFuture(91 * 24 * HOUR) }, 'BAD_USER_INPUT'],
    ['an unknown time zone', { clientTimezone: 'Mars/Olympus' }, 'BAD_USER_INPUT'],
    ['a malformed payment method', { paymentMethodId: 'card_123' }, 'BAD_USER_INPUT'],
  ])('refuses %s', async (_n, override, code) => {
    const { advisor, client } = await setup();
    const input: Record<string, unknown> = {
      advisorId: advisor.advisorId,
      durationMinutes: 30,
      startTime: inFuture(40 * HOUR).toISOString(),
      paymentMethodId: 'pm_card_visa',
    };
    for (const [k, v] of Object.entries(override)) input[k] = typeof v === 'function' ? (v as () => Date)().toISOString() : v;
    const r = await t.gql(BookConsultationDocument, { input: input as never }, client.token);
    expect(codeOf(r)).toBe(code);
    const [{ n }] = (await sql<{ n: string }>(t, 'select count(*) as n from consultations where advisor_id = ?', [advisor.advisorId])) as [
      { n: string },
    ];
    expect(Number(n)).toBe(0);
  });

  it('has no way for a client to send a price', async () => {
    const { advisor, client } = await setup();
    const r = await t.raw(
      {
        query: 'mutation($i: BookConsultationInput!) { bookConsultation(input: $i) { consultation { id } } }',
        variables: {
          i: { advisorId: advisor.advisorId, durationMinutes: 30, startTime: inFuture(40 * HOUR).toISOString(), priceCents: 1 },
        },
      },
      { authorization: `Bearer ${client.token}` },
    );
    expect(r.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('only lets signed-in clients book approved, unsuspended advisors who accept bookings, never themselves', async () => {
    const { advisor, client } = await setup();
    const start = () => inFuture(80 * HOUR);
    expect(
      codeOf(
        await t.gql(BookConsultationDocument, {
          input: { advisorId: advisor.advisorId, durationMinutes: 30, startTime: start().toISOString() },
        }),
      ),
    ).toBe('UNAUTHENTICATED');
    const adminOnly = await t.user({ roles: ['admin'] });
    expect(codeOf(await book(adminOnly, advisor.advisorId, start()))).toBe('FORBIDDEN');
    expect(codeOf(await book(advisor.user, advisor.advisorId, start()))).toBe('FORBIDDEN');
    const pending = await makeAdvisor(t, admin, { status: 'pending' });
    expect(codeOf(await book(client, pending.advisorId, start()))).toBe('NOT_FOUND');
    const suspended = await makeAdvisor(t, admin, { status: 'suspended' });
    expect(codeOf(await book(client, suspended.advisorId, start()))).toBe('NOT_FOUND');
    expectOk(await t.gql(SetAcceptingBookingsDocument, { accepting: false }, advisor.user.token));
    expect(codeOf(await book(client, advisor.advisorId, start()))).toBe('CONFLICT');
  });
});

describe('cancellation and the refund policy', () => {
  async function cancelledBy(who: 'client' | 'advisor' | 'admin', startsIn: number) {
    const { advisor, client } = await setup();
    const c = await bookOk(client, advisor.advisorId, new Date(Date.now() + startsIn));
    const token = who === 'client' ? client.token : who === 'advisor' ? advisor.user.token : admin.token;
    const r = expectOk(await t.gql(CancelConsultationDocument, { id: c.id, reason: 'Something came up' }, token));
    expect(r.cancelConsultation.status).toBe('CANCELLED');
    const [charge] = await sql<{ status: string; refunded_cents: number }>(
      t,
      'select status, refunded_cents from consultation_charges where consultation_id = ?',
      [c.id],
    );
    const refunds = await sql<{ amount_cents: number; source: string }>(
      t,
      'select r.amount_cents, r.source from refunds r join consultation_charges cc on cc.id = r.charge_id where cc.consultation_id = ?',
      [c.id],
    );
    return { c, charge: charge!, refunds, entries: await ledger(c.id), advisor, client };
  }

  it('refunds a client in full one minute more than 24 h before the start', async () => {
    const r = await cancelledBy('client', 24 * HOUR + MINUTE);
    expect(r.charge).toEqual({ status: 'refunded', refunded_cents: 1900 });
    expect(r.refunds).toEqual([{ amount_cents: 1900, source: 'client_cancellation' }]);
    expect(r.entries).toEqual([]);
    const sim = [...t.stripe.refunds.values()].filter((x) => x.metadata?.consultation_id === r.c.id);
    expect(sim).toHaveLength(1);
  });

  it('refunds nothing one minute less than 24 h before the start, and the advisor keeps the earning', async () => {
    const r = await cancelledBy('client', 24 * HOUR - MINUTE);
    expect(r.charge).toEqual({ status: 'succeeded', refunded_cents: 0 });
    expect(r.refunds).toEqual([]);
    expect(r.entries).toEqual([{ kind: 'earning', amount_cents: 1330 }]);
  });

  it('refunds in full when the advisor cancels, even at the last minute', async () => {
    const r = await cancelledBy('advisor', 3 * HOUR);
    expect(r.charge).toEqual({ status: 'refunded', refunded_cents: 1900 });
    expect(r.refunds).toEqual([{ amount_cents: 1900, source: 'advisor_cancellation' }]);
    expect(r.entries).toEqual([]);
  });

  it('refunds in full when an admin cancels', async () => {
    const r = await cancelledBy('admin', 3 * HOUR);
    expect(r.refunds).toEqual([{ amount_cents: 1900, source: 'admin' }]);
  });

  it('cancels the PaymentIntent of an unpaid booking and refunds nothing', async () => {
    const { advisor, client } = await setup();
    const b = expectOk(await book(client, advisor.advisorId, inFuture(40 * HOUR), 30, null)).bookConsultation.consultation;
    expectOk(await t.gql(CancelConsultationDocument, { id: b.id }, client.token));
    const pi = [...t.stripe.paymentIntents.values()].find((p) => p.metadata.consultation_id === b.id)!;
    expect(pi.status).toBe('canceled');
    expect(
      await sql(t, 'select 1 from refunds r join consultation_charges cc on cc.id = r.charge_id where cc.consultation_id = ?', [b.id]),
    ).toEqual([]);
  });

  it('refuses to cancel twice, or what is completed or a no-show, with CONFLICT', async () => {
    const r = await cancelledBy('client', 48 * HOUR);
    expect(codeOf(await t.gql(CancelConsultationDocument, { id: r.c.id }, r.client.token))).toBe('CONFLICT');
    const refunds = await sql(
      t,
      'select 1 from refunds r join consultation_charges cc on cc.id = r.charge_id where cc.consultation_id = ?',
      [r.c.id],
    );
    expect(refunds).toHaveLength(1);

    const { advisor, client } = await setup();
    const done = await bookOk(client, advisor.advisorId, inFuture(30 * HOUR));
    expectOk(await t.gql(CompleteConsultationDocument, { id: done.id }, admin.token));
    expect(codeOf(await t.gql(CancelConsultationDocument, { id: done.id }, client.token))).toBe('CONFLICT');
  });

  it('hides a consultation from anyone who is not a party to it', async () => {
    const { advisor, client } = await setup();
    const c = await bookOk(client, advisor.advisorId, inFuture(30 * HOUR));
    const stranger = await t.user();
    expect(codeOf(await t.gql(CancelConsultationDocument, { id: c.id }, stranger.token))).toBe('NOT_FOUND');
    // A lookup by id answers null for what is not yours, as for what does not exist (was NOT_FOUND before issue 13).
    expect(await t.gql(GetConsultationDocument, { id: c.id }, stranger.token)).toMatchObject({
      data: { consultation: null },
      errors: undefined,
    });
    const otherAdvisor = await makeAdvisor(t, admin);
    expect(await t.gql(GetConsultationDocument, { id: c.id }, otherAdvisor.user.token)).toMatchObject({ data: { consultation: null } });
  });
});

describe('admin actions', () => {
  it('marks a no-show only after the start, with no refund and the earning kept', async () => {
    const { advisor, client } = await setup();
    const c = await bookOk(client, advisor.advisorId, inFuture(30 * HOUR));
    expect(codeOf(await t.gql(MarkNoShowDocument, { id: c.id }, admin.token))).toBe('CONFLICT');
    await moveConsultation(t, c.id, new Date(Date.now() - 10 * MINUTE));
    const r = expectOk(await t.gql(MarkNoShowDocument, { id: c.id }, admin.token)).markNoShow;
    expect(r.status).toBe('NO_SHOW');
    expect(r.charge).toMatchObject({ status: 'SUCCEEDED', refundedCents: 0 });
    expect(await ledger(c.id)).toEqual([{ kind: 'earning', amount_cents: 1330 }]);
    expect(codeOf(await t.gql(MarkNoShowDocument, { id: c.id }, client.token))).toBe('FORBIDDEN');
  });

  it('completes, then refunds at discretion: the refund is recorded once and the advisor nets zero', async () => {
    const { advisor, client } = await setup();
    const c = await bookOk(client, advisor.advisorId, inFuture(30 * HOUR));
    expectOk(await t.gql(CompleteConsultationDocument, { id: c.id }, admin.token));
    expect(await ledger(c.id)).toEqual([{ kind: 'earning', amount_cents: 1330 }]);
    const r = expectOk(await t.gql(RefundConsultationDocument, { id: c.id, reason: 'Goodwill' }, admin.token)).refundConsultation;
    expect(r.status).toBe('COMPLETED');
    expect(r.charge).toMatchObject({ status: 'REFUNDED', refundedCents: 1900 });
    expect(r.charge!.refunds).toHaveLength(1);
    expect(codeOf(await t.gql(RefundConsultationDocument, { id: c.id }, admin.token))).toBe('CONFLICT');
    // The queued refund job runs the same idempotent refund again: still one refund.
    await t.app.services.consultations.refunds.refundRemaining(c.id, 'admin' as never, null, null);
    const entries = await ledger(c.id);
    expect(entries).toEqual([
      { kind: 'earning', amount_cents: 1330 },
      { kind: 'refund', amount_cents: -1330 },
    ]);
    expect(entries.reduce((s, e) => s + e.amount_cents, 0)).toBe(0);
    expect([...t.stripe.refunds.values()].filter((x) => x.metadata?.consultation_id === c.id)).toHaveLength(1);
  });

  it('records every status change with who, when and why', async () => {
    const { advisor, client } = await setup();
    const c = await bookOk(client, advisor.advisorId, inFuture(30 * HOUR));
    expectOk(await t.gql(CancelConsultationDocument, { id: c.id, reason: 'Sick' }, advisor.user.token));
    const list = expectOk(await t.gql(AdminConsultationsDocument, { filter: { advisorId: advisor.advisorId } }, admin.token));
    const history = list.adminConsultations.edges[0]!.node.statusHistory.map((h) => [
      h.fromStatus,
      h.toStatus,
      h.actorKind,
      h.actorId,
      h.reason,
    ]);
    expect(history).toEqual([
      [null, 'PENDING_PAYMENT', 'CLIENT', client.id, null],
      ['PENDING_PAYMENT', 'SCHEDULED', 'STRIPE', null, 'Payment succeeded'],
      ['SCHEDULED', 'CANCELLED', 'ADVISOR', advisor.user.id, 'Sick'],
    ]);
  });
});

describe('who sees what', () => {
  it('shows the advisor the client first name and nothing else of the client, in every field they can ask for', async () => {
    const { advisor, client } = await setup();
    const c = await bookOk(client, advisor.advisorId, inFuture(30 * HOUR));
    const everything = `
      fragment All on Consultation {
        __typename id status startTime endTime durationMinutes videoUrl currency cancelledAt cancelledBy cancellationReason createdAt
        ... on AdvisorConsultation { clientFirstName advisorEarningsCents }
        ... on ClientConsultation { priceCents locale clientTimezone projectId calBookingId paymentStatus refundedCents advisor { id displayName } pricingSnapshot { sku currency rateCents platformFeeCents advisorEarningsCents } }
        ... on AdminConsultation { client { id email givenName familyName } }
      }
      query($id: ID!) {
        consultation(id: $id) { ...All }
        myConsultations(filter: { as: ADVISOR }) { edges { cursor node { ...All } } }
      }`;
    const r = await t.raw({ query: everything, variables: { id: c.id } }, { authorization: `Bearer ${advisor.user.token}` });
    expect(r.json.errors).toBeUndefined();
    expect(r.json.data.consultation.__typename).toBe('AdvisorConsultation');
    expect(r.json.data.consultation.clientFirstName).toBe('Cleo');
    expect(r.json.data.myConsultations.edges[0].node.clientFirstName).toBe('Cleo');
    for (const secret of [client.email, client.familyName, client.id]) expect(r.text).not.toContain(secret);
    expect(r.text).not.toMatch(/@example\.com/);
  });

  it('shows the client their own consultation in full and admins everything', async () => {
    const { advisor, client } = await setup();
    const c = await bookOk(client, advisor.advisorId, inFuture(30 * HOUR));
    const mine = expectOk(await t.gql(GetConsultationDocument, { id: c.id }, client.token)).consultation;
    expect(mine).toMatchObject({ __typename: 'ClientConsultation', priceCents: 1900, paymentStatus: 'SUCCEEDED' });
    const all = expectOk(await t.gql(GetConsultationDocument, { id: c.id }, admin.token)).consultation;
    expect(all).toMatchObject({
      __typename: 'AdminConsultation',
      client: { id: client.id, email: client.email, familyName: 'Secretlastname' },
    });
  });

  it('lists upcoming and past consultations for each side, paginated', async () => {
    const { advisor, client } = await setup();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await bookOk(client, advisor.advisorId, inFuture((30 + i) * HOUR))).id);
    const past = await bookOk(client, advisor.advisorId, inFuture(40 * HOUR));
    await moveConsultation(t, past.id, new Date(Date.now() - 48 * HOUR));
    expectOk(await t.gql(CompleteConsultationDocument, { id: past.id }, admin.token));

    const p1 = expectOk(await t.gql(MyConsultationsDocument, { filter: { when: 'UPCOMING' }, first: 2 }, client.token)).myConsultations;
    const p2 = expectOk(
      await t.gql(MyConsultationsDocument, { filter: { when: 'UPCOMING' }, first: 2, after: p1.pageInfo.endCursor }, client.token),
    ).myConsultations;
    expect([...p1.edges, ...p2.edges].map((e) => e.node.id)).toEqual(ids);
    expect(p2.pageInfo.hasNextPage).toBe(false);
    const pastList = expectOk(await t.gql(MyConsultationsDocument, { filter: { when: 'PAST' } }, client.token)).myConsultations;
    expect(pastList.edges.map((e) => e.node.id)).toEqual([past.id]);
    const asAdvisor = expectOk(
      await t.gql(MyConsultationsDocument, { filter: { as: 'ADVISOR', status: ['SCHEDULED'] } }, advisor.user.token),
    ).myConsultations;
    expect(asAdvisor.edges.map((e) => e.node.__typename)).toEqual(['AdvisorConsultation', 'AdvisorConsultation', 'AdvisorConsultation']);
    expect(codeOf(await t.gql(MyConsultationsDocument, { filter: { as: 'ADVISOR' } }, client.token))).toBe('FORBIDDEN');
  });
});

describe('emails', () => {
  it('confirms a booking to the client and tells the advisor only the client first name', async () => {
    const { advisor, client } = await setup();
    const c = await bookOk(client, advisor.advisorId, inFuture(30 * HOUR));
    const find = () => ({
      toClient: t.emails.sent.find((e) => e.to === client.email && e.template === 'consultation-booking-confirmed'),
      toAdvisor: t.emails.sent.find((e) => e.to === advisor.user.email && e.template === 'advisor-new-booking'),
    });
    const { toClient, toAdvisor } = await waitFor(
      () => {
        const found = find();
        return found.toClient && found.toAdvisor && { toClient: found.toClient, toAdvisor: found.toAdvisor };
      },
      10_000,
      'both booking emails',
    );
    expect(toClient).toMatchObject({ template: 'consultation-booking-confirmed', data: { priceCents: 1900, durationMinutes: 30 } });
    expect(toClient.text).toContain('$19.00');
    expect(toAdvisor.data.clientFirstName).toBe('Cleo');
    const advisorMail = JSON.stringify(toAdvisor);
    for (const secret of [client.email, client.familyName, client.id]) expect(advisorMail).not.toContain(secret);
    expect(c.status).toBe('SCHEDULED');
  });
});

describe('the booking race', () => {
  it('lets exactly one of 50 simultaneous overlapping bookings through, leaving no PaymentIntent or charge for the others', async () => {
    const advisor = await makeAdvisor(t, admin);
    const clients = await Promise.all(Array.from({ length: 50 }, () => t.user()));
    const base = inFuture(70 * HOUR);
    const before = t.stripe.paymentIntents.size;
    const results = await Promise.all(
      clients.map((client, i) => book(client, advisor.advisorId, new Date(base.getTime() + (i % 4) * 10 * MINUTE), 60)),
    );
    const ok = results.filter((r) => !r.errors);
    const conflicts = results.filter((r) => codeOf(r) === 'CONFLICT');
    expect(ok).toHaveLength(1);
    expect(conflicts).toHaveLength(49);
    const rows = await sql<{ n: string }>(
      t,
      `select count(*) as n from consultations c join consultation_charges cc on cc.consultation_id = c.id where c.advisor_id = ?`,
      [advisor.advisorId],
    );
    expect(Number(rows[0]!.n)).toBe(1);
    expect(t.stripe.paymentIntents.size - before).toBe(1);
  });
});
