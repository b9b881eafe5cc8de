/**
 * Issue 8, "Reconciliation operators can run": the ledger check through the real Stripe simulator
 * and real PostgreSQL. A month of money (bookings paid, refunded by us and in the dashboard,
 * cancelled late and kept, declined, disputed and won, paid out and reversed) agrees with Stripe,
 * in-process and through `npm run check:ledger` as a child process. Then one difference of each
 * kind is made the way it happens (Stripe moves money we never hear of, a row goes wrong) and the
 * check reports exactly its line; the daily job stores the same findings for admins only.
 */
import { createStripeClient } from '../src/payments/gateway';
import { checkLedger, findingLine, type LedgerCheckResult } from '../src/modules/reconciliation/ledger-check';
import { lastDays } from '../src/modules/reconciliation/period';
import {
  BookConsultationDocument,
  CancelConsultationDocument,
  GeneratePayoutsDocument,
  LedgerCheckDocument,
  LedgerChecksDocument,
  ProcessPayoutsDocument,
  RunLedgerCheckDocument,
} from './generated/graphql';
import { codeOf, startTestApp, type TestApp, type TestUser } from './helpers/app';
import { runScript } from './helpers/command';
import { expectOk, makeAdvisor, sql, waitFor, type AdvisorFixture } from './helpers/fixtures';
import { connectedAdvisor, consultation, monthsAgo, PRICES, Slots, type Booked } from './helpers/money';

const SETTLE_MS = 10_000;
const month = monthsAgo(1);

let t: TestApp;
let admin: TestUser;
let client: TestUser;
let paula: AdvisorFixture & { accountId: string };
let nora: AdvisorFixture;
const slots = new Map<string, Slots>();
const b: Record<'completed' | 'earlyCancel' | 'dashboardRefund' | 'disputed' | 'lateCancel' | 'unconnected', Booked> = {} as never;
let declinedId: string;
let paidPayout: { id: string; stripe_transfer_id: string };
let heldPayout: { id: string; total_cents: number };

const book = (advisor: AdvisorFixture, outcome: Parameters<typeof consultation>[7], minutes: 15 | 30 | 60 = 30) =>
  consultation(t, admin, advisor, client, slots.get(advisor.advisorId)!, month, minutes, outcome);

const check = (): Promise<LedgerCheckResult> =>
  checkLedger({ em: t.app.services.orm.em.fork(), payments: t.app.services.payments }, lastDays(new Date()));

const lines = (r: LedgerCheckResult) => r.findings.map(findingLine).sort();

/** `npm run check:ledger` as an operator runs it, against this test's database and simulator. */
const command = (env: Record<string, string>, args: string[] = []) => runScript('check-ledger.ts', env, args);

const chargeStatus = async (id: string) =>
  (await sql<{ status: string }>(t, 'select status from consultation_charges where consultation_id = ?', [id]))[0]?.status;

beforeAll(async () => {
  t = await startTestApp();
  admin = await t.user({ roles: ['admin'], givenName: 'Audit' });
  client = await t.user({ givenName: 'Cleo' });
  paula = await connectedAdvisor(t, admin, 'Paula');
  nora = await makeAdvisor(t, admin, { givenName: 'Nora' });
  for (const a of [paula, nora]) slots.set(a.advisorId, new Slots());

  b.completed = await book(paula, 'complete');
  b.earlyCancel = await book(paula, 'earlyCancel'); // refunded by us, in full
  b.lateCancel = await book(paula, 'lateCancel', 60); // cancelled, money kept
  b.dashboardRefund = await book(paula, 'leave');
  b.disputed = await book(paula, 'complete', 15);
  b.unconnected = await book(nora, 'complete');

  // A full refund in Stripe's dashboard, heard of through charge.refunded.
  t.stripe.refundOutsideApi(b.dashboardRefund.paymentIntentId);
  await t.stripe.flushWebhooks();
  await waitFor(async () => (await chargeStatus(b.dashboardRefund.id)) === 'refunded', SETTLE_MS, 'the dashboard refund');

  // A dispute the platform wins: a chargeback and its reversal in the ledger.
  const dispute = t.stripe.createDispute(b.disputed.paymentIntentId);
  await t.stripe.flushWebhooks();
  await waitFor(
    async () => (await sql(t, `select 1 from ledger_entries where kind = 'chargeback' and external_ref = ?`, [dispute.id])).length,
    SETTLE_MS,
    'the chargeback',
  );
  t.stripe.closeDispute(dispute.id, 'won');
  await t.stripe.flushWebhooks();
  await waitFor(
    async () => (await sql(t, `select 1 from ledger_entries where kind = 'chargeback_won' and external_ref = ?`, [dispute.id])).length,
    SETTLE_MS,
    'the dispute won',
  );

  // A declined card: its booking is cancelled and nothing is charged.
  const declined = await t.gql(
    BookConsultationDocument,
    {
      input: {
        advisorId: paula.advisorId,
        durationMinutes: 30,
        startTime: slots.get(paula.advisorId)!.next(month).future.toISOString(),
        paymentMethodId: 'pm_card_chargeDeclined',
      },
    },
    client.token,
  );
  expect(codeOf(declined)).toBe('PAYMENT_FAILED');
  declinedId = declined.errors![0]!.extensions!.consultationId as string;
  expect(await chargeStatus(declinedId)).toBe('failed');

  // Last month paid out: Paula by transfer, Nora held for want of a Connect account.
  expectOk(await t.gql(GeneratePayoutsDocument, { month: month.key }, admin.token));
  expectOk(await t.gql(ProcessPayoutsDocument, { month: month.key }, admin.token));
  [paidPayout] = await sql<{ id: string; stripe_transfer_id: string }>(
    t,
    `select id, stripe_transfer_id from advisor_payouts where advisor_id = ? and status = 'paid'`,
    [paula.advisorId],
  );
  [heldPayout] = await sql<{ id: string; total_cents: number }>(
    t,
    `select id, total_cents from advisor_payouts where advisor_id = ? and status = 'on_hold'`,
    [nora.advisorId],
  );
  expect(paidPayout && heldPayout).toBeTruthy();

  // Part of Paula's transfer reversed in Stripe: re-credited through transfer.reversed.
  t.stripe.reverseTransferOutsideApi(paidPayout.stripe_transfer_id);
  await t.stripe.flushWebhooks();
  await waitFor(
    async () =>
      (
        await sql(t, `select 1 from ledger_entries where kind = 'manual' and starts_with(external_ref, ?)`, [
          `transfer-reversal:${paidPayout.stripe_transfer_id}:`,
        ])
      ).length,
    SETTLE_MS,
    'the reversal re-credit',
  );
}, 120_000);
afterAll(() => t?.close());

describe('the ledger check', () => {
  it('agrees when the books are right, and `npm run check:ledger` says so in one line (exit 0)', async () => {
    const result = await check();
    expect(lines(result)).toEqual([]);
    // Six succeeded payments (the declined one is not a payment), our refund and the dashboard's,
    // the dispute, Paula's transfer.
    expect(result.compared).toEqual({ payments: 6, refunds: 2, disputes: 1, transfers: 1 });

    const [agrees, noStripe] = await Promise.all([
      command({ DATABASE_URL: t.databaseUrl, STRIPE_API_BASE: t.stripe.url }),
      command({ DATABASE_URL: t.databaseUrl }),
    ]);
    expect(agrees.stderr).toBe('');
    expect(agrees.stdout).toMatch(
      new RegExp(
        `^ledger agrees: payments=6 refunds=2 disputes=1 transfers=1 from=\\S+ to=\\S+ stripe=simulator:${t.stripe.url.replace(/\./g, '\\.')}\\n$`,
      ),
    );
    expect(agrees.code).toBe(0);

    // Without Stripe configured the simulator is out of reach (it lives inside a running server).
    expect(noStripe.stdout).toBe('');
    expect(noStripe.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^check:ledger needs Stripe: set STRIPE_SECRET_KEY/)]);
    expect(noStripe.code).toBe(2);
  }, 60_000);

  describe('finds each kind of difference, with exactly its line', () => {
    const expected: string[] = [];
    const expectFindings = async () => expect(lines(await check())).toEqual([...expected].sort());

    it('a succeeded PaymentIntent we never recorded (the money of a booking we cancelled)', async () => {
      // Made straight through the simulator's API, with our metadata, and never told to us: what a
      // crash between Stripe's answer and our commit leaves behind.
      const stripe = createStripeClient('sk_test_elsewhere', t.stripe.url);
      t.stripe.autoDeliverWebhooks = false;
      let id: string;
      try {
        const pi = await stripe.paymentIntents.create({
          amount: PRICES[30].price,
          currency: 'usd',
          payment_method: 'pm_card_visa',
          confirm: true,
          automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
          metadata: { consultation_id: declinedId, duration_minutes: '30' },
        });
        expect(pi.status).toBe('succeeded');
        id = pi.id;
      } finally {
        t.stripe.autoDeliverWebhooks = true;
      }
      expected.push(`ledger-diff kind=payment our_id=${declinedId} stripe_id=${id} diff=unrecorded ours=failed stripe=succeeded`);
      await expectFindings();
    });

    it('a refund Stripe has and we do not (a dashboard refund whose webhook never came)', async () => {
      t.stripe.autoDeliverWebhooks = false;
      let refundId: string;
      try {
        refundId = t.stripe.refundOutsideApi(b.lateCancel.paymentIntentId, 500).id;
      } finally {
        t.stripe.autoDeliverWebhooks = true;
      }
      expected.push(`ledger-diff kind=refund our_id=${b.lateCancel.id} stripe_id=${refundId} diff=unrecorded ours=none stripe=500`);
      await expectFindings();
    });

    it('an amount that differs (our charge row edited)', async () => {
      await sql(
        t,
        `update consultation_charges set total_amount_cents = total_amount_cents + 100, platform_fee_cents = platform_fee_cents + 100
         where consultation_id = ?`,
        [b.completed.id],
      );
      const { price } = PRICES[30];
      expected.push(
        `ledger-diff kind=payment our_id=${b.completed.id} stripe_id=${b.completed.paymentIntentId} diff=amount ours=${price + 100} stripe=${price}`,
      );
      await expectFindings();
    });

    it('a payout marked PAID with no transfer', async () => {
      // A second ago, not now(): the check's window ends at a JavaScript Date (whole milliseconds)
      // and a processed_at microseconds later in the same millisecond falls after it.
      await sql(t, `update advisor_payouts set status = 'paid', processed_at = now() - interval '1 second' where id = ?`, [heldPayout.id]);
      expected.push(
        `ledger-diff kind=transfer our_id=${heldPayout.id} stripe_id=- diff=missing_at_stripe ours=${heldPayout.total_cents} stripe=none`,
      );
      await expectFindings();
    });

    it('money kept for a booking the advisor cancelled (its refund refused by Stripe)', async () => {
      const booked = await book(paula, 'leave');
      t.stripe.failNextRequests('/v1/refunds', 1, { status: 400, type: 'invalid_request_error', message: 'Simulated refusal' });
      expectOk(await t.gql(CancelConsultationDocument, { id: booked.id, reason: 'Unavailable' }, paula.user.token));
      // And the queued retry lost, as a crash could lose it: the money stays with us.
      const [removed] = await sql(t, 'select graphile_worker.remove_job(?) as job', [`refund:${booked.id}`]);
      expect(removed?.job).toBeTruthy();
      expect(await chargeStatus(booked.id)).toBe('succeeded');
      const { price } = PRICES[30];
      expected.push(
        `ledger-diff kind=payment our_id=${booked.id} stripe_id=${booked.paymentIntentId} diff=cancelled_not_refunded ours=cancelled stripe=refunded:0/${price}`,
      );
      await expectFindings();
    });

    it('`npm run check:ledger` prints one line per difference and exits 1', async () => {
      const r = await command({ DATABASE_URL: t.databaseUrl, STRIPE_API_BASE: t.stripe.url });
      expect(r.stdout.trim().split('\n').sort()).toEqual([...expected].sort());
      expect(r.stderr).toMatch(/^ledger differs: 5 differences; compared payments=8 refunds=3 disputes=1 transfers=2 /);
      expect(r.code).toBe(1);
    }, 30_000);

    it('the daily job stores the findings, which admins read and clients may not', async () => {
      // What graphile-worker's crontab enqueues at 03:17 UTC: the task with its `_cron` payload.
      const known = await waitFor(
        async () =>
          (await sql<{ identifier: string }>(t, 'select identifier from graphile_worker._private_known_crontabs')).map((r) => r.identifier),
        SETTLE_MS,
        'the crontab',
      );
      expect(known).toContain('check_ledger');
      const ts = new Date();
      await sql(t, `select graphile_worker.add_job('check_ledger', json_build_object('_cron', json_build_object('ts', ?::text)))`, [
        ts.toISOString(),
      ]);
      const daily = await waitFor(
        async () => {
          const page = expectOk(await t.gql(LedgerChecksDocument, { first: 5 }, admin.token)).ledgerChecks;
          const run = page.edges.map((e) => e.node).find((n) => n.trigger === 'SCHEDULE');
          return run && run.status !== 'RUNNING' ? run : null;
        },
        SETTLE_MS,
        'the daily check',
      );
      expect(daily).toMatchObject({
        status: 'DIFFERENCES',
        findingsCount: 5,
        from: lastDays(ts).from.toISOString(),
        to: ts.toISOString(),
        paymentsCompared: 8,
        attempts: 1,
        error: null,
        requestedById: null,
      });
      expect(daily.summary).toMatch(/^ledger differs: 5 differences; /);
      const read = expectOk(await t.gql(LedgerCheckDocument, { id: daily.id }, admin.token)).ledgerCheck;
      expect(read.findings.edges.map((e) => e.node.line).sort()).toEqual([...expected].sort());
      expect(read.findings.edges.find((e) => e.node.kind === 'TRANSFER')?.node).toEqual({
        kind: 'TRANSFER',
        ourId: heldPayout.id,
        stripeId: null,
        difference: 'missing_at_stripe',
        ours: String(heldPayout.total_cents),
        stripe: 'none',
        line: expected[3],
      });
      // Pages of findings follow the check's own order.
      const first = expectOk(await t.gql(LedgerCheckDocument, { id: daily.id, first: 3 }, admin.token)).ledgerCheck.findings;
      const rest = expectOk(await t.gql(LedgerCheckDocument, { id: daily.id, first: 3, after: first.pageInfo.endCursor }, admin.token))
        .ledgerCheck.findings;
      expect(first.pageInfo.hasNextPage).toBe(true);
      expect([...first.edges, ...rest.edges].map((e) => e.node.line)).toEqual(read.findings.edges.map((e) => e.node.line));
      expect(rest.pageInfo.hasNextPage).toBe(false);

      for (const r of [
        await t.gql(LedgerChecksDocument, {}, client.token),
        await t.gql(LedgerCheckDocument, { id: daily.id }, client.token),
        await t.gql(RunLedgerCheckDocument, {}, client.token),
        await t.gql(LedgerChecksDocument, {}),
      ]) {
        expect(r.data).toBeNull();
        expect(['FORBIDDEN', 'UNAUTHENTICATED']).toContain(codeOf(r));
      }
      expect(codeOf(await t.gql(LedgerChecksDocument, {}, client.token))).toBe('FORBIDDEN');
    }, 30_000);

    it('an admin queues a check of chosen days and reads its findings', async () => {
      const today = new Date().toISOString().slice(0, 10);
      const refused = await t.gql(RunLedgerCheckDocument, { from: today, to: '2020-01-01' }, admin.token);
      expect(codeOf(refused)).toBe('BAD_USER_INPUT');

      const queued = expectOk(await t.gql(RunLedgerCheckDocument, { from: today, to: today }, admin.token)).runLedgerCheck;
      expect(queued).toMatchObject({ status: 'QUEUED', trigger: 'ADMIN', from: `${today}T00:00:00.000Z`, requestedById: admin.id });
      const done = await waitFor(
        async () => {
          const run = expectOk(await t.gql(LedgerCheckDocument, { id: queued.id }, admin.token)).ledgerCheck;
          return ['AGREED', 'DIFFERENCES', 'FAILED'].includes(run.status) ? run : null;
        },
        SETTLE_MS,
        'the queued check',
      );
      expect(done).toMatchObject({ status: 'DIFFERENCES', findingsCount: 5, attempts: 1 });
      expect(done.findings.edges.map((e) => e.node.line).sort()).toEqual([...expected].sort());
    });
  });
});
