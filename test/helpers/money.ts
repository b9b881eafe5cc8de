import Stripe from 'stripe';
import type { PersonActor } from '../../src/common/actor';
import { PaymentGateway } from '../../src/payments/gateway';
import { addMonths, monthOf, type Month } from '../../src/modules/finance/month';
import { PayoutService } from '../../src/modules/payout/payout.service';
import {
  BookConsultationDocument,
  CancelConsultationDocument,
  CompleteConsultationDocument,
  MarkNoShowDocument,
  StartStripeConnectOnboardingDocument,
} from '../generated/graphql';
import type { TestApp, TestUser } from './app';
import { expectOk, HOUR, makeAdvisor, moveConsultation, sql, waitFor, type AdvisorFixture } from './fixtures';
import { waitForWebhooks } from './webhooks';

/** Money helpers shared by the payout, finance and reconciliation tests. */

export const PRICES = {
  15: { price: 900, fee: 270, earning: 630 },
  30: { price: 1900, fee: 570, earning: 1330 },
  60: { price: 3500, fee: 1050, earning: 2450 },
} as const;

export type Minutes = keyof typeof PRICES;

/** The finished month `n` months before the current one (n = 1 is last month), UTC. */
export const monthsAgo = (n: number): Month => addMonths(monthOf(new Date()), -n);

/** A moment inside `month`: `day` (1-based) at `hour` UTC, plus `minutes`. */
export function at(month: Month, day: number, hour = 12, minutes = 0): Date {
  return new Date(month.start.getTime() + (day - 1) * 24 * HOUR + hour * HOUR + minutes * 60_000);
}

/**
 * Hands out non-overlapping slots per advisor: a future one to book (at least 48 h ahead, so an
 * early cancellation is still free) and one inside a month to move the consultation to.
 */
export class Slots {
  private n = 0;
  next(month: Month): { future: Date; inMonth: Date } {
    const k = this.n++;
    const future = new Date(Date.now() + 50 * HOUR + k * 2 * HOUR);
    future.setUTCSeconds(0, 0);
    return { future, inMonth: new Date(month.start.getTime() + 24 * HOUR + k * 2 * HOUR) };
  }
}

/** An approved advisor whose Stripe Express account can receive payouts, onboarded the way an advisor would. */
export async function connectedAdvisor(t: TestApp, admin: TestUser, givenName = 'Paula'): Promise<AdvisorFixture & { accountId: string }> {
  const advisor = await makeAdvisor(t, admin, { givenName });
  const accountId = await onboard(t, advisor);
  return { ...advisor, accountId };
}

export async function onboard(t: TestApp, advisor: AdvisorFixture): Promise<string> {
  expectOk(await t.gql(StartStripeConnectOnboardingDocument, {}, advisor.user.token));
  const [row] = await sql<{ stripe_connect_account_id: string }>(t, 'select stripe_connect_account_id from advisors where id = ?', [
    advisor.advisorId,
  ]);
  const accountId = row!.stripe_connect_account_id;
  t.stripe.updateAccount(accountId, { details_submitted: true, payouts_enabled: true });
  await waitForWebhooks(t);
  // The account.updated webhook does this too; calling it is harmless and keeps the test independent of it.
  await t.app.services.payouts.onAccountUpdated(accountId, { detailsSubmitted: true, payoutsEnabled: true });
  return accountId;
}

export interface Booked {
  id: string;
  minutes: Minutes;
  paymentIntentId: string;
}

export type Outcome = 'complete' | 'noShow' | 'lateCancel' | 'earlyCancel' | 'advisorCancel' | 'leave';

/**
 * Books and pays through the API, then takes the consultation to `outcome` inside `month` the way
 * it would happen: a free cancellation while the start is still ahead, everything else after the
 * consultation was moved to its slot in the month (time travel for tests: only the times move).
 */
export async function consultation(
  t: TestApp,
  admin: TestUser,
  advisor: AdvisorFixture,
  client: TestUser,
  slots: Slots,
  month: Month,
  minutes: Minutes,
  outcome: Outcome,
): Promise<Booked> {
  const slot = slots.next(month);
  const booked = expectOk(
    await t.gql(
      BookConsultationDocument,
      {
        input: {
          advisorId: advisor.advisorId,
          durationMinutes: minutes,
          startTime: slot.future.toISOString(),
          paymentMethodId: 'pm_card_visa',
        },
      },
      client.token,
    ),
  ).bookConsultation.consultation;
  const id = booked.id;
  if (outcome === 'earlyCancel') expectOk(await t.gql(CancelConsultationDocument, { id, reason: 'Plans changed' }, client.token));
  if (outcome === 'advisorCancel') expectOk(await t.gql(CancelConsultationDocument, { id, reason: 'Unavailable' }, advisor.user.token));
  await moveConsultation(t, id, slot.inMonth);
  if (outcome === 'complete') expectOk(await t.gql(CompleteConsultationDocument, { id }, admin.token));
  if (outcome === 'noShow') expectOk(await t.gql(MarkNoShowDocument, { id }, admin.token));
  if (outcome === 'lateCancel') expectOk(await t.gql(CancelConsultationDocument, { id, reason: 'Too late' }, client.token));
  await waitForWebhooks(t);
  const pi = [...t.stripe.paymentIntents.values()].find((p) => p.metadata.consultation_id === id)!;
  return { id, minutes, paymentIntentId: pi.id };
}

/** The database's clock, so "entries written since" compares like with like. */
export async function dbNow(t: TestApp): Promise<Date> {
  const [row] = await sql<{ now: Date }>(t, 'select clock_timestamp() as now');
  return new Date(row!.now);
}

/**
 * Runs `action`, then moves the ledger entries it wrote "now" (refunds, chargebacks, manual
 * adjustments accrue when they happen) to `when`: the test's way of saying it happened then.
 */
export async function happenedAt<T>(t: TestApp, advisorIds: string[], when: Date, action: () => Promise<T>): Promise<T> {
  const before = await dbNow(t);
  const result = await action();
  await waitForWebhooks(t);
  await sql(t, `update ledger_entries set accrued_at = ? where advisor_id in (?) and accrued_at >= ?`, [when, advisorIds, before]);
  return result;
}

export async function waitForDispute(t: TestApp, consultationId: string, status: string): Promise<void> {
  await waitForWebhooks(t);
  await waitFor(
    async () => {
      const [r] = await sql<{ dispute_status: string | null }>(
        t,
        'select dispute_status from consultation_charges where consultation_id = ?',
        [consultationId],
      );
      return r?.dispute_status === status;
    },
    10_000,
    `dispute ${status}`,
  );
}

export interface PayoutRow {
  id: string;
  month: string;
  total_cents: number;
  status: string;
  stripe_transfer_id: string | null;
  status_reason: string | null;
  attempts: number;
}

export async function payoutsOf(t: TestApp, advisorId: string): Promise<PayoutRow[]> {
  return sql<PayoutRow>(
    t,
    `select id, to_char(payout_month, 'YYYY-MM') as month, total_cents, status, stripe_transfer_id, status_reason, attempts
     from advisor_payouts where advisor_id = ? order by payout_month`,
    [advisorId],
  );
}

export async function unpaidOf(t: TestApp, advisorId: string): Promise<number> {
  const [r] = await sql<{ cents: string }>(
    t,
    'select coalesce(sum(amount_cents), 0) as cents from ledger_entries where advisor_id = ? and payout_id is null',
    [advisorId],
  );
  return Number(r!.cents);
}

/**
 * Every cent in its place, for the given advisors (all when omitted): each payout is the exact
 * sum of its entries; each advisor's entries are their payouts plus what is unpaid; each PAID
 * payout went out in exactly one Stripe transfer of its amount, to the advisor's account, and no
 * other payout of ours has a transfer.
 */
export async function assertLedgerBalances(t: TestApp, advisorIds?: string[]): Promise<void> {
  const scope = advisorIds ? 'where p.advisor_id in (?)' : '';
  const mismatched = await sql(
    t,
    `select p.id, p.total_cents, coalesce(sum(e.amount_cents), 0) as entries
     from advisor_payouts p left join ledger_entries e on e.payout_id = p.id ${scope}
     group by p.id having p.total_cents <> coalesce(sum(e.amount_cents), 0)`,
    advisorIds ? [advisorIds] : [],
  );
  expect(mismatched).toEqual([]);
  const balances = await sql<{ advisor_id: string; entries: string; payouts: string; unpaid: string }>(
    t,
    `select a.id as advisor_id,
       (select coalesce(sum(amount_cents), 0) from ledger_entries e where e.advisor_id = a.id) as entries,
       (select coalesce(sum(total_cents), 0) from advisor_payouts p where p.advisor_id = a.id) as payouts,
       (select coalesce(sum(amount_cents), 0) from ledger_entries e where e.advisor_id = a.id and e.payout_id is null) as unpaid
     from advisors a ${advisorIds ? 'where a.id in (?)' : ''}`,
    advisorIds ? [advisorIds] : [],
  );
  for (const b of balances) expect(Number(b.entries)).toBe(Number(b.payouts) + Number(b.unpaid));

  const payouts = await sql<{ id: string; total_cents: number; status: string; stripe_transfer_id: string | null; account: string | null }>(
    t,
    `select p.id, p.total_cents, p.status, p.stripe_transfer_id, a.stripe_connect_account_id as account
     from advisor_payouts p join advisors a on a.id = p.advisor_id ${scope}`,
    advisorIds ? [advisorIds] : [],
  );
  const transfers = [...t.stripe.transfers.values()];
  for (const p of payouts) {
    const sent = transfers.filter((tr) => tr.transfer_group === `payout:${p.id}`);
    if (p.status === 'paid') {
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({ id: p.stripe_transfer_id, amount: p.total_cents, destination: p.account, currency: 'usd' });
    } else {
      expect(sent).toHaveLength(0);
    }
  }
}

/** The test user as the actor a service call is made as (what the resolver passes). */
export function asActor(u: TestUser): PersonActor {
  const { id, email, givenName, familyName, roles } = u;
  return { kind: 'person', id, email, givenName, familyName, roles, isAdmin: roles.includes('admin') };
}

/** A PayoutService whose Stripe client gives up after 200 ms and never retries by itself: for timeout tests. */
export function impatientPayouts(t: TestApp): PayoutService {
  const s = t.app.services;
  const stripe = new Stripe('sk_test_impatient', {
    host: '127.0.0.1',
    port: t.stripe.port,
    protocol: 'http',
    timeout: 200,
    maxNetworkRetries: 0,
    telemetry: false,
  });
  return new PayoutService({
    config: s.config,
    log: s.log,
    payments: new PaymentGateway(stripe),
    notifications: s.notifications,
    ledger: s.ledger,
    em: () => s.orm.em.fork(),
  });
}

export const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** A strict RFC 4180 reader for the exports: quoted fields, doubled quotes, CRLF line ends. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (ch === '"') {
        quoted = false;
        i += 1;
      } else {
        field += ch;
        i += 1;
      }
    } else if (ch === '"' && field === '') {
      quoted = true;
      i += 1;
    } else if (ch === ',') {
      row.push(field);
      field = '';
      i += 1;
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 2;
    } else {
      if (ch === '\n' || ch === '"') throw new Error(`malformed CSV at ${i}`);
      field += ch;
      i += 1;
    }
  }
  if (field !== '' || row.length) throw new Error('CSV does not end with CRLF');
  return rows;
}

/** The CSV as objects keyed by its header row. */
export function csvObjects(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i] ?? ''])));
}
