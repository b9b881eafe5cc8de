import type { Month } from '../src/modules/finance/month';
import {
  CompleteConsultationDocument,
  CreateAdjustmentDocument,
  FinanceReportDocument,
  GeneratePayoutsDocument,
  ProcessPayoutsDocument,
  RefundConsultationDocument,
} from './generated/graphql';
import { startTestApp, type TestApp, type TestUser } from './helpers/app';
import { expectOk, makeAdvisor, sql, type AdvisorFixture } from './helpers/fixtures';
import { waitForWebhooks } from './helpers/webhooks';
import {
  assertLedgerBalances,
  at,
  connectedAdvisor,
  consultation,
  happenedAt,
  monthsAgo,
  PRICES,
  Slots,
  sum,
  waitForDispute,
  type Minutes,
  type Outcome,
} from './helpers/money';

/**
 * A random run over three finished months: a few hundred bookings with every outcome, refunds
 * after payouts, chargebacks lost and won, manual adjustments, payouts with refused transfers
 * retried, a reversed transfer. A model kept beside it says what every consultation should net
 * the advisor; afterwards every charge, refund, ledger entry, payout and Stripe transfer in the
 * database is summed and each cent must be where the model says. MONEY_SEED replays a run.
 */

const SEED = Number(process.env.MONEY_SEED ?? 20260925);

function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    weighted: <T>(choices: readonly (readonly [T, number])[]): T => {
      let r = next() * sum(choices.map((c) => c[1]));
      for (const [v, w] of choices) {
        r -= w;
        if (r < 0) return v;
      }
      return choices[choices.length - 1]![0];
    },
  };
}

interface Modelled {
  id: string;
  paymentIntentId: string;
  advisorId: string;
  month: string;
  minutes: Minutes;
  outcome: Outcome;
  refundedByAdmin: boolean;
  dispute: 'won' | 'lost' | null;
}

const EARNS: Outcome[] = ['complete', 'noShow', 'lateCancel'];

/** What the advisor nets from one consultation under the rules, from the model alone. */
function expectedNet(c: Modelled): number {
  if (!EARNS.includes(c.outcome) || c.refundedByAdmin || c.dispute === 'lost') return 0;
  return PRICES[c.minutes].earning;
}

function expectedRefund(c: Modelled): number {
  return c.outcome === 'earlyCancel' || c.outcome === 'advisorCancel' || c.refundedByAdmin ? PRICES[c.minutes].price : 0;
}

let t: TestApp;
let admin: TestUser;

beforeAll(async () => {
  t = await startTestApp();
  admin = await t.user({ roles: ['admin'], givenName: 'Audit' });
});
afterAll(() => t.close());

it(`accounts for every cent after a random run (seed ${SEED})`, async () => {
  const r = rng(SEED);
  const advisors: AdvisorFixture[] = [];
  for (let i = 0; i < 5; i++) advisors.push(await connectedAdvisor(t, admin, `Adv${i}`));
  const unconnected = await makeAdvisor(t, admin, { givenName: 'Nocon' });
  advisors.push(unconnected);
  const clients = await Promise.all(Array.from({ length: 8 }, (_, i) => t.user({ givenName: `Client${i}` })));
  const slots = new Map(advisors.map((a) => [a.advisorId, new Slots()]));
  const model: Modelled[] = [];
  const manual = new Map<string, number>(advisors.map((a) => [a.advisorId, 0]));
  let reversedCents = 0;
  let refusedTransfers = 0;

  const months: Month[] = [monthsAgo(3), monthsAgo(2), monthsAgo(1)];
  for (const month of months) {
    // Bookings of the month, eight at a time.
    const plans = Array.from({ length: r.int(80, 95) }, () => ({
      advisor: r.pick(advisors),
      client: r.pick(clients),
      minutes: r.pick([15, 30, 60] as const),
      outcome: r.weighted<Outcome>([
        ['complete', 45],
        ['noShow', 8],
        ['lateCancel', 10],
        ['earlyCancel', 15],
        ['advisorCancel', 10],
        ['leave', 4],
      ]),
    }));
    for (let i = 0; i < plans.length; i += 8) {
      const done = await Promise.all(
        plans
          .slice(i, i + 8)
          .map((p) => consultation(t, admin, p.advisor, p.client, slots.get(p.advisor.advisorId)!, month, p.minutes, p.outcome)),
      );
      done.forEach((b, k) => {
        const p = plans[i + k]!;
        model.push({ ...b, advisorId: p.advisor.advisorId, month: month.key, outcome: p.outcome, refundedByAdmin: false, dispute: null });
      });
    }

    // Admin refunds, of this month's consultations or of earlier ones already paid out.
    const refundable = () => model.filter((c) => EARNS.includes(c.outcome) && !c.refundedByAdmin && !c.dispute);
    for (let k = r.int(4, 8); k > 0; k--) {
      const c = r.pick(refundable());
      await happenedAt(t, [c.advisorId], at(month, 26, 8, k), async () =>
        expectOk(await t.gql(RefundConsultationDocument, { id: c.id, reason: 'Goodwill' }, admin.token)),
      );
      c.refundedByAdmin = true;
    }

    // Chargebacks, lost or won, opened and closed within the month.
    for (let k = r.int(2, 4); k > 0; k--) {
      const c = r.pick(refundable());
      const outcome = r.pick(['won', 'lost'] as const);
      await happenedAt(t, [c.advisorId], at(month, 26, 10, k), async () => {
        const dp = t.stripe.createDispute(c.paymentIntentId);
        await waitForDispute(t, c.id, 'open');
        t.stripe.closeDispute(dp.id, outcome);
        await waitForDispute(t, c.id, outcome);
      });
      c.dispute = outcome;
    }

    // Manual adjustments, either way.
    for (let k = r.int(2, 5); k > 0; k--) {
      const advisor = r.pick(advisors);
      const cents = r.pick([-1, 1]) * r.int(1, 3000);
      await happenedAt(t, [advisor.advisorId], at(month, 26, 12, k), async () =>
        expectOk(
          await t.gql(
            CreateAdjustmentDocument,
            { advisorId: advisor.advisorId, amountCents: cents, reason: 'Random correction' },
            admin.token,
          ),
        ),
      );
      manual.set(advisor.advisorId, manual.get(advisor.advisorId)! + cents);
    }

    // Some consultations left unmarked are marked now, late.
    for (const c of model.filter((x) => x.outcome === 'leave' && r.next() < 0.5)) {
      expectOk(await t.gql(CompleteConsultationDocument, { id: c.id }, admin.token));
      c.outcome = 'complete';
    }
    await waitForWebhooks(t);

    // Month end: generate (twice), and pay, with a transfer or two refused by Stripe and retried.
    expectOk(await t.gql(GeneratePayoutsDocument, { month: month.key }, admin.token));
    expect(expectOk(await t.gql(GeneratePayoutsDocument, { month: month.key }, admin.token)).generatePayouts.createdCount).toBe(0);
    const refusals = r.int(0, 2);
    refusedTransfers += refusals;
    if (refusals)
      t.stripe.failNextRequests('/v1/transfers', refusals, { status: 400, type: 'invalid_request_error', message: 'Simulated refusal' });
    let processed = expectOk(await t.gql(ProcessPayoutsDocument, { month: month.key }, admin.token)).processPayouts;
    expect(processed.filter((p) => p.status === 'FAILED')).toHaveLength(refusals);
    processed = expectOk(await t.gql(ProcessPayoutsDocument, { month: month.key }, admin.token)).processPayouts;
    for (const p of processed) expect(p.status).toBe(p.advisorId === unconnected.advisorId ? 'ON_HOLD' : 'PAID');

    // One paid transfer is reversed from Stripe's dashboard; what came back is owed again.
    const reversible = processed.filter((p) => p.status === 'PAID');
    if (reversible.length) {
      const p = r.pick(reversible);
      await happenedAt(t, [p.advisorId], at(month, 28), async () => {
        t.stripe.reverseTransferOutsideApi(p.stripeTransferId!);
        await waitForWebhooks(t);
        await t.app.services.payouts.onTransferReversed(p.stripeTransferId!, p.totalCents);
      });
      reversedCents += p.totalCents;
      manual.set(p.advisorId, manual.get(p.advisorId)! + p.totalCents);
    }
  }
  await waitForWebhooks(t);
  expect(model.length).toBeGreaterThanOrEqual(240);

  // 1. Each consultation: its charge, its refunds (ours and Stripe's) and its ledger entries.
  const rows = await sql<{ id: string; total: number; refunded: number; refunds: string; ledger: string; manual: string }>(
    t,
    `select c.id, cc.total_amount_cents as total, cc.refunded_cents as refunded,
       (select coalesce(sum(amount_cents), 0) from refunds r where r.charge_id = cc.id) as refunds,
       (select coalesce(sum(amount_cents), 0) from ledger_entries e where e.consultation_id = c.id and e.kind <> 'manual') as ledger,
       (select count(*) from ledger_entries e where e.consultation_id = c.id and e.kind = 'manual') as manual
     from consultations c join consultation_charges cc on cc.consultation_id = c.id`,
  );
  const byId = new Map(rows.map((x) => [x.id, x]));
  expect(byId.size).toBe(model.length);
  const stripeRefunds = new Map<string, number>();
  for (const ref of t.stripe.refunds.values())
    stripeRefunds.set(ref.payment_intent, (stripeRefunds.get(ref.payment_intent) ?? 0) + ref.amount);
  const wrong: unknown[] = [];
  for (const c of model) {
    const db = byId.get(c.id)!;
    const actual = {
      total: db.total,
      refunded: db.refunded,
      refunds: Number(db.refunds),
      stripeRefunds: stripeRefunds.get(c.paymentIntentId) ?? 0,
      ledger: Number(db.ledger),
    };
    const refund = expectedRefund(c);
    const expected = { total: PRICES[c.minutes].price, refunded: refund, refunds: refund, stripeRefunds: refund, ledger: expectedNet(c) };
    if (JSON.stringify(actual) !== JSON.stringify(expected)) wrong.push({ consultation: c, expected, actual });
  }
  expect(wrong).toEqual([]);

  // 2. Each advisor: everything the ledger holds is the model's, and is paid, held or still owed.
  const expectedTotal = (advisorId: string) =>
    sum(model.filter((c) => c.advisorId === advisorId).map(expectedNet)) + manual.get(advisorId)!;
  for (const a of advisors) {
    const [b] = await sql<{ entries: string; paid: string; held: string; unpaid: string }>(
      t,
      `with a as (select ?::uuid as id)
       select (select coalesce(sum(amount_cents), 0) from ledger_entries e where e.advisor_id = a.id) as entries,
              (select coalesce(sum(total_cents), 0) from advisor_payouts p where p.advisor_id = a.id and p.status = 'paid') as paid,
              (select coalesce(sum(total_cents), 0) from advisor_payouts p where p.advisor_id = a.id and p.status <> 'paid') as held,
              (select coalesce(sum(amount_cents), 0) from ledger_entries e where e.advisor_id = a.id and e.payout_id is null) as unpaid
       from a`,
      [a.advisorId],
    );
    expect({ advisor: a.user.givenName, entries: Number(b!.entries) }).toEqual({
      advisor: a.user.givenName,
      entries: expectedTotal(a.advisorId),
    });
    expect(Number(b!.paid) + Number(b!.held) + Number(b!.unpaid)).toBe(expectedTotal(a.advisorId));
    if (a.advisorId === unconnected.advisorId) expect(Number(b!.paid)).toBe(0);
    else expect(Number(b!.held)).toBe(0);
  }
  await assertLedgerBalances(t);

  // 3. Stripe agrees: what clients paid and got back, and what advisors received net of reversals.
  const charged = sum([...t.stripe.charges.values()].filter((ch) => ch.status === 'succeeded').map((ch) => ch.amount));
  expect(charged).toBe(sum(model.map((c) => PRICES[c.minutes].price)));
  expect(sum([...t.stripe.refunds.values()].map((x) => x.amount))).toBe(sum(model.map(expectedRefund)));
  const transfers = [...t.stripe.transfers.values()];
  const [paid] = await sql<{ cents: string }>(
    t,
    `select coalesce(sum(total_cents), 0) as cents from advisor_payouts where status = 'paid'`,
  );
  expect(sum(transfers.map((x) => x.amount))).toBe(Number(paid!.cents));
  expect(sum(transfers.map((x) => x.amount_reversed))).toBe(reversedCents);
  expect(new Set(transfers.map((x) => x.transfer_group)).size).toBe(transfers.length);
  const transferRequests = t.stripe.requestLog.filter((x) => x.method === 'POST' && x.path === '/v1/transfers');
  expect(transferRequests).toHaveLength(transfers.length + refusedTransfers);

  // 4. Each month's report reconciles, with its buckets equal to the model's.
  let grossAll = 0;
  for (const month of months) {
    const rep = expectOk(await t.gql(FinanceReportDocument, { month: month.key }, admin.token)).financeReport;
    const inMonth = model.filter((c) => c.month === month.key);
    const lost = inMonth.filter((c) => c.dispute === 'lost');
    const unearned = inMonth.filter((c) => c.outcome === 'leave');
    expect(rep).toMatchObject({
      paidBookings: inMonth.length,
      grossBookingsCents: sum(inMonth.map((c) => PRICES[c.minutes].price)),
      refundsCents: sum(inMonth.map(expectedRefund)),
      chargebacksCents: sum(lost.map((c) => PRICES[c.minutes].price)),
      advisorEarningsCents: sum(inMonth.map(expectedNet)),
      unearnedCents: sum(unearned.map((c) => PRICES[c.minutes].price)),
      platformRevenueCents: sum(inMonth.filter((c) => expectedNet(c) > 0).map((c) => PRICES[c.minutes].fee)),
    });
    expect(rep.grossBookingsCents).toBe(
      rep.platformRevenueCents + rep.advisorEarningsCents + rep.refundsCents + rep.chargebacksCents + rep.unearnedCents,
    );
    grossAll += rep.grossBookingsCents;
  }
  expect(grossAll).toBe(charged);
}, 420_000); // ~180 s on a quiet 2-core machine; CI shares it with other work
