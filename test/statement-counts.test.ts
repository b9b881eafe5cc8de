import { randomUUID } from 'node:crypto';
import { print } from 'graphql';
import { Client } from 'pg';
import { currentLogScope } from '../src/logging';
import { BookConsultationDocument, CreateAdjustmentDocument, GeneratePayoutsDocument } from './generated/graphql';
import { startTestApp, type ScopedStatement, type TestApp, type TestUser } from './helpers/app';
import { expectOk, HOUR, inFuture, makeAdvisor, sql, waitFor } from './helpers/fixtures';
import { at, happenedAt, monthsAgo } from './helpers/money';
import { waitForWebhooks } from './helpers/webhooks';

/**
 * What the hot paths cost in SQL statements, asserted so they cannot creep back (issue 10). No
 * test here measures time. Statements are attributed with the request id (x-request-id) or the
 * job (task) that sent them: the simulator's webhook loopback is its own request, and the jobs
 * the booking queued run with the booking's request id and their task.
 */

let t: TestApp;
let admin: TestUser;

// Transactions are counted where they start, in the driver: the ORM's query log leaves BEGIN out.
const begins: { reqId: string | null; task: string | null }[] = [];
const query = Client.prototype.query;
beforeAll(() => {
  Client.prototype.query = function (this: Client, ...args: unknown[]) {
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text;
    if (text && /^\s*begin/i.test(text)) {
      const scope = currentLogScope();
      begins.push({ reqId: scope?.reqId ?? null, task: scope?.task ?? null });
    }
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof Client.prototype.query;
});
afterAll(() => {
  Client.prototype.query = query;
});

beforeAll(async () => {
  t = await startTestApp();
  admin = await t.user({ roles: ['admin'], givenName: 'Root' });
});
afterAll(() => t.close());

const isNotify = (s: ScopedStatement) => /pg_notify/i.test(s.sql);

function summary(list: ScopedStatement[], transactions: number) {
  return {
    statements: list.length,
    transactions,
    notifies: list.filter(isNotify).length,
    jobsAdded: list.filter((s) => /graphile_worker\.add_job/.test(s.sql)).length,
    outboxEmails: list.filter((s) => /insert into email_outbox/.test(s.sql)).length,
  };
}

describe('a paid booking', () => {
  it('costs a bounded number of SQL statements and transactions', async () => {
    const advisor = await makeAdvisor(t, admin);
    const client = await t.user({ givenName: 'Cleo' });
    // A first booking warms the client's row and the caches; the second one is measured.
    const book = async (start: Date, reqId: string) => {
      const r = await t.raw(
        {
          query: print(BookConsultationDocument),
          variables: {
            input: { advisorId: advisor.advisorId, durationMinutes: 30, startTime: start.toISOString(), paymentMethodId: 'pm_card_visa' },
          },
        },
        { authorization: `Bearer ${client.token}`, 'x-request-id': reqId },
      );
      expect(r.json.errors).toBeUndefined();
      expect(r.json.data.bookConsultation.consultation.status).toBe('SCHEDULED');
      return r.json.data.bookConsultation.consultation.id as string;
    };
    // Every email sent: what the jobs run is counted per booking.
    const emailsSent = () =>
      waitFor(
        async () => (await sql<{ n: number }>(t, `select count(*)::int as n from email_outbox where status = 'pending'`))[0]!.n === 0,
        10_000,
        'emails sent',
      );
    await book(inFuture(48 * HOUR), randomUUID());
    await waitForWebhooks(t);
    await emailsSent();
    t.scopedStatements.length = 0;
    begins.length = 0;
    const reqId = randomUUID();
    // Stripe's webhook comes after its answer to the confirmation; the simulator would send it at
    // once, racing the booking's commit (an event that wins that race is processed by a job).
    t.stripe.autoDeliverWebhooks = false;
    let id: string;
    try {
      id = await book(inFuture(72 * HOUR), reqId);
    } finally {
      t.stripe.autoDeliverWebhooks = true;
    }
    const request = t.scopedStatements.filter((s) => s.reqId === reqId && !s.task);
    expect(await t.stripe.redeliverPendingWebhooks()).toBe(1);
    await waitForWebhooks(t);
    await emailsSent();
    const webhook = t.scopedStatements.filter((s) => s.reqId && s.reqId !== reqId && !s.task);
    const jobs = t.scopedStatements.filter((s) => s.task);
    const [expiry] = await sql<{ n: number }>(t, 'select count(*)::int as n from graphile_worker.jobs where key = ?', [`expire:${id}`]);
    const counts = {
      request: summary(request, begins.filter((b) => b.reqId === reqId && !b.task).length),
      webhook: summary(webhook, begins.filter((b) => b.reqId && b.reqId !== reqId && !b.task).length),
      jobs: summary(jobs, begins.filter((b) => b.task).length),
    };
    // Before issue 10: 34 statements in the request (8 NOTIFYs, 5 job adds, 2 outbox inserts), and
    // the expiry job left waiting to run 15 minutes later.
    // 21 before the advisor was read once per booking and the answer reused the committed charge, 19
    // before the lock read the charge too, 18 before the hold went in with its charge, history and
    // expiry job in one statement, 15 before the hold limit and the status event went in the hold's
    // statement and the payment's outcome (charge, status, history, event, emails, reminders,
    // expiry job removed) became one statement without a transaction, 6 before the advisor, their
    // weekly hours and the slot were read in one statement.
    expect(counts.request).toEqual({ statements: 5, transactions: 1, notifies: 2, jobsAdded: 2, outboxEmails: 1 });
    // The simulator's webhook loopback: one statement records it as processed, since the booking's
    // answer already recorded the payment under its PaymentIntent, and queues no job (2 statements
    // and a job of 4 more, with a Stripe read, before).
    expect(counts.webhook).toMatchObject({ statements: 1, transactions: 0, notifies: 0, outboxEmails: 0 });
    const [event] = await sql<{ status: string; attempts: number }>(
      t,
      `select status, attempts from processed_webhook_events where payload->'data'->'object'->'metadata'->>'consultation_id' = ?`,
      [id],
    );
    expect(event).toEqual({ status: 'processed', attempts: 1 });
    expect(jobs.filter((s) => s.task === 'process_webhook_event')).toHaveLength(0);
    // What runs after: the two emails' deliveries, each in a transaction of 2 statements.
    expect(counts.jobs).toEqual({ statements: 4, transactions: 2, notifies: 0, jobsAdded: 0, outboxEmails: 0 });
    expect(new Set(jobs.map((s) => s.task))).toEqual(new Set(['deliver_email']));
    // The whole booking: 10 statements in 3 transactions (the bound: 12 in 3).
    expect(counts.request.statements + counts.webhook.statements + counts.jobs.statements).toBe(10);
    expect(counts.request.transactions + counts.webhook.transactions + counts.jobs.transactions).toBe(3);
    // Paid in the same transaction that confirmed it: the hold's expiry job is gone.
    expect(expiry!.n).toBe(0);
  });
});

describe('a booking of a slot already taken', () => {
  it('is refused after two reads, without a transaction', async () => {
    const advisor = await makeAdvisor(t, admin);
    const [first, second] = [await t.user({ givenName: 'Ann' }), await t.user({ givenName: 'Bo' })];
    const input = {
      advisorId: advisor.advisorId,
      durationMinutes: 30,
      startTime: inFuture(96 * HOUR).toISOString(),
      paymentMethodId: 'pm_card_visa',
    };
    expectOk(await t.gql(BookConsultationDocument, { input }, first.token));
    await t.raw({ query: 'query { myEmailPreferences { __typename } }' }, { authorization: `Bearer ${second.token}` }); // signs Bo in
    t.scopedStatements.length = 0;
    begins.length = 0;
    const reqId = randomUUID();
    const r = await t.raw(
      { query: print(BookConsultationDocument), variables: { input } },
      { authorization: `Bearer ${second.token}`, 'x-request-id': reqId },
    );
    expect(r.json.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'SLOT_TAKEN' });
    // The caller's sign-in check, then the advisor with the slot: the many losers of a race cost this much.
    expect(t.scopedStatements.filter((s) => s.reqId === reqId)).toHaveLength(2);
    expect(begins.filter((b) => b.reqId === reqId)).toHaveLength(0);
  });
});

describe('a search page', () => {
  it('is one SQL statement for a page of 20', async () => {
    for (let i = 0; i < 22; i++) await makeAdvisor(t, admin, { input: { skills: ['counted'] }, givenName: `S${i}` });
    t.scopedStatements.length = 0;
    const reqId = randomUUID();
    const r = await t.raw(
      {
        query:
          'query { advisors(first: 20, filter: { skills: ["counted"] }) { edges { cursor node { id displayName skills rating reviewCount } } } }',
      },
      { 'x-request-id': reqId },
    );
    expect(r.json.data.advisors.edges).toHaveLength(20);
    expect(t.scopedStatements.filter((s) => s.reqId === reqId && !s.task)).toHaveLength(1);
  });
});

describe('a payout run', () => {
  it('costs the same statements for one advisor or many', async () => {
    const earlier = monthsAgo(2);
    const month = monthsAgo(1);
    const credit = async (advisorId: string, when: typeof month) =>
      happenedAt(t, [advisorId], at(when, 10), async () =>
        expectOk(await t.gql(CreateAdjustmentDocument, { advisorId, amountCents: 500, reason: 'Counted' }, admin.token)),
      );
    const [first, ...others] = await Promise.all([1, 2, 3, 4].map((i) => makeAdvisor(t, admin, { givenName: `P${i}` })));
    await credit(first!.advisorId, earlier);
    for (const a of others) await credit(a.advisorId, month);

    const run = async (query: string, monthKey: string) => {
      t.scopedStatements.length = 0;
      begins.length = 0;
      const reqId = randomUUID();
      const r = await t.raw({ query, variables: { month: monthKey } }, { authorization: `Bearer ${admin.token}`, 'x-request-id': reqId });
      expect(r.json.errors).toBeUndefined();
      const statements = t.scopedStatements.filter((s) => s.reqId === reqId && !s.task);
      return {
        createdCount: r.json.data.generatePayouts.createdCount as number,
        statements: statements.length,
        transactions: begins.filter((b) => b.reqId === reqId && !b.task).length,
      };
    };
    const countOnly = 'mutation($month: String!) { generatePayouts(month: $month) { createdCount } }';
    // Before issue 10: the role check, the lock, the payouts statement, then the audit entries
    // through the ORM (one insert per 300 payouts) and the month's payouts read whether asked for or not.
    // Now: the role check, the run's lock, then one statement that creates every payout, points its
    // entries at it and writes its audit entry.
    const one = await run(countOnly, earlier.key);
    expect(one).toEqual({ createdCount: 1, statements: 3, transactions: 1 });
    const many = await run(countOnly, month.key);
    expect(many).toEqual({ createdCount: 3, statements: 3, transactions: 1 });
    // The month's payouts, when asked for, are one more statement (the advisors joined in).
    const again = await run(print(GeneratePayoutsDocument), month.key);
    expect(again).toEqual({ createdCount: 0, statements: 4, transactions: 1 });
    const [audited] = await sql<{ n: number }>(
      t,
      `select count(*)::int as n from audit_log where action = 'payout.generate' and advisor_id in (?, ?, ?, ?)`,
      [first!.advisorId, ...others.map((a) => a.advisorId)],
    );
    expect(audited!.n).toBe(4);
  });
});
