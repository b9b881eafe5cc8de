import {
  AdvisorEarningsDocument,
  AdvisorEarningsHistoryDocument,
  AdminPayoutsDocument,
  CreateAdjustmentDocument,
  FinanceReportDocument,
  GeneratePayoutsDocument,
  MyAdvisorProfileDocument,
  PlatformMetricsDocument,
  ProcessPayoutDocument,
  ProcessPayoutsDocument,
  RefundConsultationDocument,
  ReviewConsultationDocument,
  StartStripeConnectOnboardingDocument,
} from './generated/graphql';
import { codeOf, startTestApp, type TestApp, type TestUser } from './helpers/app';
import { expectOk, makeAdvisor, sql, waitFor } from './helpers/fixtures';
import { waitForWebhooks } from './helpers/webhooks';
import {
  assertLedgerBalances,
  at,
  connectedAdvisor,
  consultation,
  csvObjects,
  happenedAt,
  monthsAgo,
  onboard,
  payoutsOf,
  Slots,
  waitForDispute,
} from './helpers/money';
import { monthOf } from '../src/modules/finance/month';

let t: TestApp;
let admin: TestUser;

beforeAll(async () => {
  t = await startTestApp();
  admin = await t.user({ roles: ['admin'], givenName: 'Fay' });
});
afterAll(() => t.close());

const report = async (month: string) => expectOk(await t.gql(FinanceReportDocument, { month }, admin.token)).financeReport;

async function download(path: string, token?: string) {
  const res = await fetch(`${t.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    disposition: res.headers.get('content-disposition'),
    text: await res.text(),
  };
}

describe('the finance report', () => {
  it('reconciles a month to the cent: gross = platform revenue + advisor earnings + refunds', async () => {
    const month = monthsAgo(2);
    const paula = await connectedAdvisor(t, admin, 'Paula');
    const hal = await makeAdvisor(t, admin, { givenName: 'Hal' }); // no Connect account: held
    const client = await t.user({ givenName: 'Cleo' });
    const ps = new Slots();
    const hs = new Slots();
    await consultation(t, admin, paula, client, ps, month, 30, 'complete'); // 1900 = 570 + 1330
    await consultation(t, admin, paula, client, ps, month, 60, 'noShow'); // 3500 = 1050 + 2450
    await consultation(t, admin, paula, client, ps, month, 15, 'lateCancel'); // 900 = 270 + 630
    await consultation(t, admin, paula, client, ps, month, 30, 'earlyCancel'); // 1900 refunded
    await consultation(t, admin, hal, client, hs, month, 60, 'advisorCancel'); // 3500 refunded
    const refunded = await consultation(t, admin, hal, client, hs, month, 30, 'complete'); // 1900, then refunded
    await consultation(t, admin, hal, client, hs, month, 15, 'complete'); // 900 = 270 + 630
    await happenedAt(t, [hal.advisorId], at(month, 27), async () =>
      expectOk(await t.gql(RefundConsultationDocument, { id: refunded.id, reason: 'Goodwill' }, admin.token)),
    );
    await happenedAt(t, [paula.advisorId], at(month, 28), async () =>
      expectOk(
        await t.gql(CreateAdjustmentDocument, { advisorId: paula.advisorId, amountCents: 250, reason: 'Referral bonus' }, admin.token),
      ),
    );

    const before = await report(month.key);
    expect(before).toMatchObject({
      month: month.key,
      paidBookings: 7,
      grossBookingsCents: 14500,
      refundsCents: 7300,
      chargebacksCents: 0,
      platformRevenueCents: 2160,
      advisorEarningsCents: 5040,
      unearnedCents: 0,
      manualAdjustmentsCents: 250,
      payoutsCount: 0,
      unpaidLedgerCents: 5290,
    });
    expect(before.grossBookingsCents).toBe(before.platformRevenueCents + before.advisorEarningsCents + before.refundsCents);

    const generated = expectOk(await t.gql(GeneratePayoutsDocument, { month: month.key }, admin.token)).generatePayouts;
    expect(generated.createdCount).toBe(2);
    const processed = expectOk(await t.gql(ProcessPayoutsDocument, { month: month.key }, admin.token)).processPayouts;
    expect(processed.map((p) => [p.advisorDisplayName, p.totalCents, p.status])).toEqual([
      ['Hal Advisor', 630, 'ON_HOLD'],
      ['Paula Advisor', 4660, 'PAID'],
    ]);

    const after = await report(month.key);
    expect(after).toMatchObject({
      payoutsCount: 2,
      payoutsPaidCents: 4660,
      payoutsPendingCents: 0,
      payoutsFailedCents: 0,
      payoutsOnHoldCents: 630,
      unpaidLedgerCents: 0,
    });
    // The charges' side of the report does not move when payouts are made.
    expect({ ...after, payoutsCount: 0, payoutsPaidCents: 0, payoutsOnHoldCents: 0, unpaidLedgerCents: 5290 }).toEqual(before);

    // The paid advisor is told, with the plan's email data.
    await waitFor(() => t.emails.sent.find((e) => e.template === 'advisor-payout-processed' && e.to === paula.user.email));
    const email = t.emails.sent.find((e) => e.template === 'advisor-payout-processed' && e.to === paula.user.email)!;
    expect(email.data).toMatchObject({
      month: month.label,
      amountDisplay: '$46.60',
      consultationsCount: 3,
      portalUrl: `${t.config.publicAppUrl}/advisor/earnings?month=${month.key}`,
    });
    await assertLedgerBalances(t);
  });

  it('puts chargebacks and consultations not yet delivered in their own buckets', async () => {
    const month = monthsAgo(3);
    const advisor = await connectedAdvisor(t, admin, 'Dora');
    const client = await t.user();
    const slots = new Slots();
    const disputed = await consultation(t, admin, advisor, client, slots, month, 30, 'complete');
    await consultation(t, admin, advisor, client, slots, month, 60, 'complete');
    await consultation(t, admin, advisor, client, slots, month, 15, 'leave'); // never marked: not earned
    await happenedAt(t, [advisor.advisorId], at(month, 27), async () => {
      const dp = t.stripe.createDispute(disputed.paymentIntentId);
      await waitForDispute(t, disputed.id, 'open');
      t.stripe.closeDispute(dp.id, 'lost');
      await waitForDispute(t, disputed.id, 'lost');
    });
    const r = await report(month.key);
    expect(r).toMatchObject({
      paidBookings: 3,
      grossBookingsCents: 6300,
      refundsCents: 0,
      chargebacksCents: 1900,
      platformRevenueCents: 1050,
      advisorEarningsCents: 2450,
      unearnedCents: 900,
    });
    expect(r.grossBookingsCents).toBe(
      r.platformRevenueCents + r.advisorEarningsCents + r.refundsCents + r.chargebacksCents + r.unearnedCents,
    );
  });

  it('is for admins only, for a well-formed month', async () => {
    const someone = await t.user();
    expect(codeOf(await t.gql(FinanceReportDocument, { month: '2026-09' }, someone.token))).toBe('FORBIDDEN');
    expect(codeOf(await t.gql(FinanceReportDocument, { month: '2026-09' }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await t.gql(FinanceReportDocument, { month: 'September' }, admin.token))).toBe('BAD_USER_INPUT');
  });
});

describe('the accounting export', () => {
  it('streams a month of payouts, charges and ledger entries as quoted CSV to admins', async () => {
    const month = monthsAgo(4);
    const advisor = await makeAdvisor(t, admin, { input: { displayName: '=Smith, "Jr"' } });
    const client = await t.user();
    const slots = new Slots();
    const c1 = await consultation(t, admin, advisor, client, slots, month, 30, 'complete');
    await consultation(t, admin, advisor, client, slots, month, 60, 'earlyCancel');
    expectOk(await t.gql(GeneratePayoutsDocument, { month: month.key }, admin.token));

    const payouts = await download(`/admin/exports/payouts.csv?month=${month.key}`, admin.token);
    expect(payouts.status).toBe(200);
    expect(payouts.type).toBe('text/csv; charset=utf-8');
    expect(payouts.disposition).toBe(`attachment; filename="payouts-${month.key}.csv"`);
    // A name a spreadsheet would run as a formula is defused and quoted.
    expect(payouts.text).toContain(`"'=Smith, ""Jr"""`);
    const [p] = csvObjects(payouts.text);
    expect(p).toMatchObject({
      month: month.key,
      advisor_id: advisor.advisorId,
      advisor_name: `'=Smith, "Jr"`,
      status: 'pending',
      total_cents: '1330',
      total: '13.30',
      entries: '1',
      consultations: '1',
    });

    const charges = csvObjects((await download(`/admin/exports/charges.csv?month=${month.key}`, admin.token)).text);
    const mine = charges.filter((c) => c.advisor_id === advisor.advisorId);
    expect(mine.map((c) => [c.gross_cents, c.platform_fee_cents, c.advisor_earnings_cents, c.refunded_cents, c.charge_status])).toEqual([
      ['1900', '570', '1330', '0', 'succeeded'],
      ['3500', '1050', '2450', '3500', 'refunded'],
    ]);
    expect(mine[0]!.consultation_id).toBe(c1.id);

    const ledger = csvObjects((await download(`/admin/exports/ledger.csv?month=${month.key}`, admin.token)).text);
    expect(ledger.filter((e) => e.advisor_id === advisor.advisorId).map((e) => [e.kind, e.amount_cents, e.payout_month])).toEqual([
      ['earning', '1330', month.key],
    ]);
  });

  it('pages through more rows than one query returns, without gaps or repeats', async () => {
    const month = monthsAgo(5);
    const advisor = await makeAdvisor(t, admin);
    // Many entries in one month; adjustments are the quickest way to make them.
    const made = new Set<string>();
    for (let i = 0; i < 1100; i += 100) {
      const batch = await Promise.all(
        Array.from({ length: 100 }, (_, k) =>
          t.gql(CreateAdjustmentDocument, { advisorId: advisor.advisorId, amountCents: i + k + 1, reason: `Line ${i + k}` }, admin.token),
        ),
      );
      for (const r of batch) made.add(expectOk(r).createAdjustment.id);
    }
    // All at one instant, so paging must rely on the id as well as the time.
    await sql(t, 'update ledger_entries set accrued_at = ? where advisor_id = ?', [at(month, 10), advisor.advisorId]);
    const rows = csvObjects((await download(`/admin/exports/ledger.csv?month=${month.key}`, admin.token)).text);
    expect(rows).toHaveLength(1100);
    expect(new Set(rows.map((r) => r.entry_id))).toEqual(made);
    expect(rows.reduce((a, r) => a + Number(r.amount_cents), 0)).toBe((1100 * 1101) / 2);
  }, 120_000); // 1,100 audited admin mutations: about 11 s on a quiet machine, several times that beside other work

  it('answers 401, 403, 400 and 404 like the API does', async () => {
    const someone = await t.user();
    expect((await download('/admin/exports/payouts.csv?month=2026-01')).status).toBe(401);
    expect((await download('/admin/exports/payouts.csv?month=2026-01', 'not-a-token')).status).toBe(401);
    expect((await download('/admin/exports/payouts.csv?month=2026-01', someone.token)).status).toBe(403);
    expect((await download('/admin/exports/payouts.csv?month=jan', admin.token)).status).toBe(400);
    expect((await download('/admin/exports/payouts.csv', admin.token)).status).toBe(400);
    const unknown = await download('/admin/exports/secrets.csv?month=2026-01', admin.token);
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.text)).toEqual({ error: { code: 'NOT_FOUND', message: 'Export secrets.csv not found' } });
  });
});

describe('earnings and adjustments', () => {
  it("shows an advisor each month's earnings, adjustments, net and payout, and the months so far", async () => {
    const [b, c] = [monthsAgo(2), monthsAgo(1)];
    const advisor = await connectedAdvisor(t, admin, 'Erin');
    const client = await t.user();
    const slots = new Slots();
    const first = await consultation(t, admin, advisor, client, slots, b, 60, 'complete');
    await consultation(t, admin, advisor, client, slots, b, 15, 'complete');
    expectOk(await t.gql(GeneratePayoutsDocument, { month: b.key }, admin.token));
    const payout = (await payoutsOf(t, advisor.advisorId))[0]!;
    expectOk(await t.gql(ProcessPayoutDocument, { id: payout.id }, admin.token));
    await happenedAt(t, [advisor.advisorId], at(c, 5), async () =>
      expectOk(await t.gql(RefundConsultationDocument, { id: first.id }, admin.token)),
    );
    await happenedAt(t, [advisor.advisorId], at(c, 6), async () =>
      expectOk(
        await t.gql(
          CreateAdjustmentDocument,
          { advisorId: advisor.advisorId, amountCents: 1000, reason: 'Conference talk', notes: 'Internal: approved by Fay' },
          admin.token,
        ),
      ),
    );

    const inB = expectOk(await t.gql(AdvisorEarningsDocument, { month: b.key }, advisor.user.token)).advisorEarnings;
    expect(inB).toMatchObject({
      consultations: 2,
      grossCents: 3080,
      adjustmentsCents: 0,
      netCents: 3080,
      unpaidCents: 0,
      payout: { status: 'PAID', totalCents: 3080, statusReason: null },
    });
    expect(inB.entries.map((e) => [e.kind, e.amountCents, e.paidOut])).toEqual([
      ['EARNING', 2450, true],
      ['EARNING', 630, true],
    ]);
    const inC = expectOk(await t.gql(AdvisorEarningsDocument, { month: c.key }, advisor.user.token)).advisorEarnings;
    expect(inC).toMatchObject({
      consultations: 0,
      grossCents: 0,
      refundsCents: -2450,
      manualAdjustmentsCents: 1000,
      adjustmentsCents: -1450,
      netCents: -1450,
      unpaidCents: -1450,
      payout: null,
    });
    expect(inC.entries.map((e) => [e.kind, e.amountCents, e.reason, e.consultationId])).toEqual([
      ['REFUND', -2450, null, first.id],
      ['MANUAL', 1000, 'Conference talk', null],
    ]);
    // The advisor sees why, not the admin's internal notes.
    const raw = await t.raw(
      { query: `{ advisorEarnings(month: "${c.key}") { entries { reason } } }` },
      { authorization: `Bearer ${advisor.user.token}` },
    );
    expect(raw.text).not.toContain('Internal');

    const history = expectOk(await t.gql(AdvisorEarningsHistoryDocument, {}, advisor.user.token)).advisorEarningsHistory;
    expect(history.map((h) => [h.month, h.netCents, h.unpaidCents, h.payout?.status ?? null])).toEqual([
      [monthOf(new Date()).key, 0, -1450, null],
      [c.key, -1450, -1450, null],
      [b.key, 3080, 0, 'PAID'],
    ]);

    expect(codeOf(await t.gql(AdvisorEarningsDocument, { month: b.key }, client.token))).toBe('FORBIDDEN');
    expect(codeOf(await t.gql(AdvisorEarningsDocument, { month: '2026-13' }, advisor.user.token))).toBe('BAD_USER_INPUT');
  });

  it('records who made an adjustment and why, once per idempotency key', async () => {
    const advisor = await makeAdvisor(t, admin);
    const other = await makeAdvisor(t, admin);
    const client = await t.user();
    const theirs = await consultation(t, admin, other, client, new Slots(), monthsAgo(1), 30, 'complete');
    const args = {
      advisorId: advisor.advisorId,
      amountCents: -300,
      reason: 'Duplicate payment',
      notes: 'Ticket #42',
      idempotencyKey: 'adj-ticket-42',
    };
    const first = expectOk(await t.gql(CreateAdjustmentDocument, args, admin.token)).createAdjustment;
    expect(first).toMatchObject({
      kind: 'MANUAL',
      amountCents: -300,
      reason: 'Duplicate payment',
      notes: 'Ticket #42',
      createdById: admin.id,
    });
    const again = expectOk(await t.gql(CreateAdjustmentDocument, args, admin.token)).createAdjustment;
    expect(again.id).toBe(first.id);
    expect(codeOf(await t.gql(CreateAdjustmentDocument, { ...args, amountCents: -301 }, admin.token))).toBe('CONFLICT');
    const [n] = await sql<{ n: string }>(t, `select count(*) as n from ledger_entries where advisor_id = ?`, [advisor.advisorId]);
    expect(Number(n!.n)).toBe(1);

    const base = { advisorId: advisor.advisorId, amountCents: 100, reason: 'Bonus' };
    expect(codeOf(await t.gql(CreateAdjustmentDocument, { ...base, amountCents: 0 }, admin.token))).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(CreateAdjustmentDocument, { ...base, reason: 'two\nlines' }, admin.token))).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(CreateAdjustmentDocument, { ...base, advisorId: 'x' }, admin.token))).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(CreateAdjustmentDocument, { ...base, advisorId: '00000000-0000-4000-8000-000000000009' }, admin.token))).toBe(
      'NOT_FOUND',
    );
    expect(codeOf(await t.gql(CreateAdjustmentDocument, { ...base, consultationId: theirs.id }, admin.token))).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(CreateAdjustmentDocument, base, client.token))).toBe('FORBIDDEN');
  });
});

describe('payouts', () => {
  it('refuses a month that is not over, and non-admins', async () => {
    const current = monthOf(new Date()).key;
    expect(codeOf(await t.gql(GeneratePayoutsDocument, { month: current }, admin.token))).toBe('BAD_USER_INPUT');
    const someone = await t.user();
    expect(codeOf(await t.gql(GeneratePayoutsDocument, { month: monthsAgo(1).key }, someone.token))).toBe('FORBIDDEN');
    expect(codeOf(await t.gql(ProcessPayoutDocument, { id: '00000000-0000-4000-8000-000000000001' }, admin.token))).toBe('NOT_FOUND');
  });

  it('generates each payout once when two runs race', async () => {
    const month = monthsAgo(6);
    const advisors = await Promise.all([0, 1, 2].map((i) => makeAdvisor(t, admin, { givenName: `Race${i}` })));
    for (const a of advisors) {
      for (let i = 0; i < 3; i++) {
        await happenedAt(t, [a.advisorId], at(month, 3 + i), async () =>
          expectOk(
            await t.gql(CreateAdjustmentDocument, { advisorId: a.advisorId, amountCents: 100 * (i + 1), reason: 'Backfill' }, admin.token),
          ),
        );
      }
    }
    const runs = await Promise.all(Array.from({ length: 4 }, () => t.gql(GeneratePayoutsDocument, { month: month.key }, admin.token)));
    expect(runs.map((r) => expectOk(r).generatePayouts.createdCount).reduce((a, b) => a + b, 0)).toBe(3);
    for (const a of advisors) expect((await payoutsOf(t, a.advisorId)).map((p) => [p.month, p.total_cents])).toEqual([[month.key, 600]]);
    await assertLedgerBalances(
      t,
      advisors.map((a) => a.advisorId),
    );

    const list = expectOk(await t.gql(AdminPayoutsDocument, { month: month.key, status: 'PENDING', first: 2 }, admin.token)).adminPayouts;
    const next = expectOk(
      await t.gql(AdminPayoutsDocument, { month: month.key, status: 'PENDING', first: 2, after: list.pageInfo.endCursor }, admin.token),
    ).adminPayouts;
    expect([...list.edges, ...next.edges].map((e) => e.node.advisorId).sort()).toEqual(advisors.map((a) => a.advisorId).sort());
    expect(next.pageInfo.hasNextPage).toBe(false);
  });

  it('takes over a payout left PROCESSING by a process that died mid-transfer, replaying its transfer', async () => {
    const month = monthsAgo(7);
    const advisor = await connectedAdvisor(t, admin, 'Crash');
    await happenedAt(t, [advisor.advisorId], at(month, 3), async () =>
      expectOk(await t.gql(CreateAdjustmentDocument, { advisorId: advisor.advisorId, amountCents: 700, reason: 'Backfill' }, admin.token)),
    );
    expectOk(await t.gql(GeneratePayoutsDocument, { month: month.key }, admin.token));
    const payout = (await payoutsOf(t, advisor.advisorId))[0]!;
    // The claim committed and Stripe made the transfer, then the process died before recording it.
    await sql(
      t,
      `update advisor_payouts set status = 'processing', attempts = 1, transfer_idempotency_key = 'payout:' || id::text, updated_at = now() where id = ?`,
      [payout.id],
    );
    const sent = await t.app.services.payments.createTransfer({
      amountCents: 700,
      currency: 'USD',
      destination: advisor.accountId,
      transferGroup: `payout:${payout.id}`,
      idempotencyKey: `payout:${payout.id}`,
      description: `Advisor payout ${month.label}`,
      metadata: { payout_id: payout.id, advisor_id: advisor.advisorId, payout_month: month.key },
    });
    // While the claim is fresh, another click sends nothing.
    expect(expectOk(await t.gql(ProcessPayoutDocument, { id: payout.id }, admin.token)).processPayout.status).toBe('PROCESSING');
    await sql(t, `update advisor_payouts set updated_at = now() - interval '11 minutes' where id = ?`, [payout.id]);
    const [after] = expectOk(await t.gql(ProcessPayoutsDocument, { month: month.key }, admin.token)).processPayouts.filter(
      (p) => p.id === payout.id,
    );
    expect(after).toMatchObject({ status: 'PAID', stripeTransferId: sent.id, attempts: 2 });
    expect([...t.stripe.transfers.values()].filter((x) => x.transfer_group === `payout:${payout.id}`)).toHaveLength(1);
  });

  it('onboards an advisor to Stripe Connect once, however often they click', async () => {
    const advisor = await makeAdvisor(t, admin);
    const links = await Promise.all([1, 2, 3].map(() => t.gql(StartStripeConnectOnboardingDocument, {}, advisor.user.token)));
    for (const l of links) {
      expect(expectOk(l).startStripeConnectOnboarding).toMatchObject({ detailsSubmitted: false, payoutsEnabled: false });
      expect(expectOk(l).startStripeConnectOnboarding.url).toMatch(/\/connect\/onboarding\/acct_/);
    }
    const accounts = [...t.stripe.accounts.values()].filter((a) => a.metadata.advisor_id === advisor.advisorId);
    expect(accounts).toHaveLength(1);
    expect(accounts[0]).toMatchObject({ type: 'express', email: advisor.user.email });
    const linkRequest = t.stripe.requestLog.filter((r) => r.path === '/v1/account_links').at(-1)!;
    expect(linkRequest.body).toMatchObject({
      account: accounts[0]!.id,
      refresh_url: t.config.stripe.connectRefreshUrl,
      return_url: t.config.stripe.connectReturnUrl,
      type: 'account_onboarding',
    });

    // Stripe's account.updated webhook records when payouts become possible.
    t.stripe.updateAccount(accounts[0]!.id, { details_submitted: true, payouts_enabled: true });
    await waitForWebhooks(t);
    await waitFor(
      async () => expectOk(await t.gql(MyAdvisorProfileDocument, {}, advisor.user.token)).myAdvisorProfile?.stripePayoutsEnabled,
    );

    const pending = await makeAdvisor(t, admin, { status: 'pending' });
    expect(codeOf(await t.gql(StartStripeConnectOnboardingDocument, {}, pending.user.token))).toBe('FORBIDDEN');
  });
});

describe('platform metrics', () => {
  it("computes the plan's KPIs over a range in SQL", async () => {
    const month = monthsAgo(8);
    const inRange = (day: number, hour = 0) => at(month, day, hour);
    // Three applications approved 1 h, 2 h and 10 h after they were made: median 2 h.
    const advisors = [];
    for (const [i, hours] of [1, 2, 10].entries()) {
      const a = await makeAdvisor(t, admin, { givenName: `Metric${i}` });
      await sql(t, `update advisor_status_changes set created_at = ? where advisor_id = ? and to_status = 'pending'`, [
        inRange(2 + i),
        a.advisorId,
      ]);
      await sql(t, `update advisor_status_changes set created_at = ? where advisor_id = ? and to_status = 'approved'`, [
        inRange(2 + i, hours),
        a.advisorId,
      ]);
      advisors.push(a);
    }
    await onboard(t, advisors[0]!);
    const client = await t.user({ givenName: 'Kim' });
    const slots = new Slots();
    const a0 = advisors[0]!;
    const done1 = await consultation(t, admin, a0, client, slots, month, 30, 'complete');
    const done2 = await consultation(t, admin, a0, client, slots, month, 15, 'complete');
    await consultation(t, admin, a0, client, slots, month, 60, 'noShow');
    await consultation(t, admin, advisors[1]!, client, new Slots(), month, 30, 'earlyCancel');
    await sql(t, `update consultations set created_at = ? where client_id = ?`, [inRange(5), client.id]);
    for (const [id, rating] of [
      [done1.id, 5],
      [done2.id, 4],
    ] as const) {
      expectOk(await t.gql(ReviewConsultationDocument, { consultationId: id, input: { rating } }, client.token));
    }
    await sql(t, `update advisor_reviews set created_at = ? where client_id = ?`, [inRange(20), client.id]);
    // Two payouts, paid 24 h and 48 h after they were generated: median 36 h.
    expectOk(await t.gql(GeneratePayoutsDocument, { month: month.key }, admin.token));
    expectOk(await t.gql(ProcessPayoutsDocument, { month: month.key }, admin.token));
    expectOk(
      await t.gql(CreateAdjustmentDocument, { advisorId: advisors[2]!.advisorId, amountCents: 10, reason: 'Metric payout' }, admin.token),
    );
    await sql(t, `update ledger_entries set accrued_at = ? where advisor_id = ?`, [inRange(3), advisors[2]!.advisorId]);
    await onboard(t, advisors[2]!);
    expectOk(await t.gql(GeneratePayoutsDocument, { month: month.key }, admin.token));
    expectOk(await t.gql(ProcessPayoutsDocument, { month: month.key }, admin.token));
    const paidPayouts = await sql<{ id: string }>(
      t,
      `select id from advisor_payouts where payout_month = ?::date and status = 'paid' order by total_cents desc`,
      [month.firstDay],
    );
    expect(paidPayouts).toHaveLength(2);
    for (const [i, p] of paidPayouts.entries()) {
      await sql(t, `update advisor_payouts set created_at = ?, processed_at = ? where id = ?`, [inRange(1), inRange(2 + i, 0), p.id]);
    }

    const m = expectOk(
      await t.gql(PlatformMetricsDocument, { from: month.start.toISOString(), to: month.end.toISOString() }, admin.token),
    ).platformMetrics;
    const [approved] = await sql<{ n: string }>(t, `select count(*) as n from advisors where approval_status = 'approved'`);
    expect(m).toMatchObject({
      applications: 3,
      approvals: 3,
      approvedAdvisors: Number(approved!.n),
      activeAdvisors: 2,
      bookings: 4,
      completionRate: 0.5,
      cancellationRate: 0.25,
      noShowRate: 0.25,
      refundRate: 0.25,
      averageRating: 4.5,
      reviews: 2,
      medianApprovalHours: 2,
      medianPayoutProcessingHours: 36,
      payoutsPaid: 2,
    });

    const empty = expectOk(
      await t.gql(PlatformMetricsDocument, { from: '2001-01-01T00:00:00Z', to: '2001-02-01T00:00:00Z' }, admin.token),
    ).platformMetrics;
    expect(empty).toMatchObject({ bookings: 0, completionRate: null, averageRating: null, medianApprovalHours: null });
    expect(
      codeOf(await t.gql(PlatformMetricsDocument, { from: month.end.toISOString(), to: month.start.toISOString() }, admin.token)),
    ).toBe('BAD_USER_INPUT');
    expect(
      codeOf(await t.gql(PlatformMetricsDocument, { from: month.start.toISOString(), to: month.end.toISOString() }, client.token)),
    ).toBe('FORBIDDEN');
  });
});
