/**
 * Issue 8, finding 1: a refund made in Stripe's dashboard reaches us only as `charge.refunded`.
 * At the pinned API version the charge carries no `refunds` unless they are expanded, so the
 * refund must be read from Stripe's refund list. Each case refunds a paid consultation in "the
 * dashboard" (the simulator's control: no metadata of ours, no idempotency key), delivers the
 * signed `charge.refunded` twice as Stripe may, and waits for the end state: webhooks may be
 * processed after the 2xx, so nothing is assumed done when a delivery returns.
 */
import { FinanceReportDocument, GetConsultationDocument } from './generated/graphql';
import { startTestApp, type TestApp, type TestUser } from './helpers/app';
import { expectOk, makeAdvisor, sql, waitFor, type AdvisorFixture } from './helpers/fixtures';
import { consultation, monthsAgo, PRICES, Slots, type Outcome } from './helpers/money';

let t: TestApp;
let admin: TestUser;
let advisor: AdvisorFixture;
let client: TestUser;
const slots = new Slots();

beforeAll(async () => {
  t = await startTestApp();
  admin = await t.user({ roles: ['admin'] });
  advisor = await makeAdvisor(t, admin);
  client = await t.user({ givenName: 'Cleo' });
});
afterAll(() => t.close());

const SETTLE_MS = 10_000;
const { price, earning } = PRICES[30];

async function refundRows(consultationId: string) {
  return sql<{ stripe_refund_id: string; amount_cents: number; source: string }>(
    t,
    `select r.stripe_refund_id, r.amount_cents, r.source from refunds r
     join consultation_charges cc on cc.id = r.charge_id where cc.consultation_id = ?`,
    [consultationId],
  );
}

const ledgerOf = (consultationId: string) =>
  sql<{ kind: string; amount_cents: number }>(t, 'select kind, amount_cents from ledger_entries where consultation_id = ? order by kind', [
    consultationId,
  ]);

const statusOf = async (id: string) => expectOk(await t.gql(GetConsultationDocument, { id }, client.token)).consultation!.status;

/** Refunds the whole charge in "the dashboard" and delivers its `charge.refunded` twice, signed. */
async function refundInDashboard(paymentIntentId: string): Promise<string> {
  t.stripe.autoDeliverWebhooks = false;
  let refundId: string;
  try {
    refundId = t.stripe.refundOutsideApi(paymentIntentId).id;
  } finally {
    t.stripe.autoDeliverWebhooks = true;
  }
  const chargeId = t.stripe.paymentIntents.get(paymentIntentId)!.latest_charge;
  const event = t.stripe.events.find((e) => e.type === 'charge.refunded' && e.data.object.id === chargeId)!;
  // As Stripe renders it at this version: the charge, without its refunds.
  expect(event.data.object).not.toHaveProperty('refunds');
  for (let i = 0; i < 2; i++) {
    const delivery = await t.stripe.deliver(event);
    expect(delivery.status).toBeGreaterThanOrEqual(200);
    expect(delivery.status).toBeLessThan(300);
  }
  return refundId;
}

describe.each<[string, Outcome, string, { kind: string; amount_cents: number }[]]>([
  // No earning existed yet, so none is taken back: the advisor nets zero either way.
  ['a scheduled consultation', 'leave', 'CANCELLED', []],
  // The earning was payable; the refund takes exactly it back.
  [
    'a consultation the client cancelled late (the advisor kept the earning)',
    'lateCancel',
    'CANCELLED',
    [
      { kind: 'earning', amount_cents: earning },
      { kind: 'refund', amount_cents: -earning },
    ],
  ],
  [
    'a completed consultation',
    'complete',
    'COMPLETED',
    [
      { kind: 'earning', amount_cents: earning },
      { kind: 'refund', amount_cents: -earning },
    ],
  ],
])('a full refund in the Stripe dashboard of %s, delivered twice', (_name, outcome, finalStatus, ledger) => {
  it('is recorded once under its Stripe id, ends the booking and the earning, and the finance report counts it once', async () => {
    const month = monthsAgo(1 + ['leave', 'lateCancel', 'complete'].indexOf(outcome));
    const booked = await consultation(t, admin, advisor, client, slots, month, 30, outcome);
    const before = expectOk(await t.gql(FinanceReportDocument, { month: month.key }, admin.token)).financeReport;
    expect(before).toMatchObject({ paidBookings: 1, grossBookingsCents: price, refundsCents: 0 });

    const refundId = await refundInDashboard(booked.paymentIntentId);

    const settled = async () => {
      const rows = await refundRows(booked.id);
      const [charge] = await sql<{ status: string; refunded_cents: number }>(
        t,
        'select status, refunded_cents from consultation_charges where consultation_id = ?',
        [booked.id],
      );
      return (
        rows.length === 1 &&
        charge?.status === 'refunded' &&
        (await statusOf(booked.id)) === finalStatus &&
        (await ledgerOf(booked.id)).length === ledger.length
      );
    };
    await waitFor(settled, SETTLE_MS, 'the dashboard refund to be recorded');
    // Both deliveries have had time to be processed: still one of each.
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(await refundRows(booked.id)).toEqual([{ stripe_refund_id: refundId, amount_cents: price, source: 'stripe_outside' }]);
    const [charge] = await sql(t, 'select status, refunded_cents from consultation_charges where consultation_id = ?', [booked.id]);
    expect(charge).toEqual({ status: 'refunded', refunded_cents: price });
    expect(await statusOf(booked.id)).toBe(finalStatus);
    expect(await ledgerOf(booked.id)).toEqual(ledger);

    const report = expectOk(await t.gql(FinanceReportDocument, { month: month.key }, admin.token)).financeReport;
    expect(report).toMatchObject({
      paidBookings: 1,
      grossBookingsCents: price,
      refundsCents: price,
      chargebacksCents: 0,
      platformRevenueCents: 0,
      advisorEarningsCents: 0,
      unearnedCents: 0,
    });
    expect(
      report.platformRevenueCents + report.advisorEarningsCents + report.refundsCents + report.chargebacksCents + report.unearnedCents,
    ).toBe(report.grossBookingsCents);
  });
});
