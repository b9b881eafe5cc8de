import { Client } from 'pg';
import {
  AuditLogDocument,
  CancelConsultationDocument,
  DeleteMyAccountDocument,
  EraseUserDocument,
  ExportMyDataDocument,
  PublicAdvisorDocument,
  ReviewConsultationDocument,
  SendConsultationMessageDocument,
} from './generated/graphql';
import { codeOf, startTestApp, type TestApp, type TestUser } from './helpers/app';
import { expectOk, HOUR, moveConsultation, sql } from './helpers/fixtures';
import { checkMoneyInvariants } from './helpers/money-invariants';
import { assertLedgerBalances, connectedAdvisor, consultation, monthsAgo, Slots } from './helpers/money';
import { waitForWebhooks } from './helpers/webhooks';

let t: TestApp;
let admin: TestUser;

beforeAll(async () => {
  t = await startTestApp();
  admin = await t.user({ roles: ['admin'], givenName: 'Root' });
});
afterAll(() => t.close());

/** Every text, JSON and array column of every table, in every schema of ours, that holds one of `values`. */
async function scan(values: string[]): Promise<string[]> {
  const columns = await sql<{ table_schema: string; table_name: string; column_name: string }>(
    t,
    `select c.table_schema, c.table_name, c.column_name from information_schema.columns c
     join information_schema.tables tb on tb.table_schema = c.table_schema and tb.table_name = c.table_name and tb.table_type = 'BASE TABLE'
     where c.table_schema not in ('pg_catalog', 'information_schema')
       and c.data_type in ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY', 'USER-DEFINED')`,
  );
  const found: string[] = [];
  const patterns = `{${values.map((v) => `"%${v}%"`).join(',')}}`;
  for (const c of columns) {
    const [row] = await sql<{ n: number }>(
      t,
      `select count(*)::int as n from "${c.table_schema}"."${c.table_name}" where "${c.column_name}"::text ilike any (?::text[])`,
      [patterns],
    );
    if (row!.n > 0) found.push(`${c.table_schema}.${c.table_name}.${c.column_name} (${row!.n})`);
  }
  return found;
}

describe('privacy rights', () => {
  it("exports the viewer's data and nobody else's", async () => {
    const advisor = await connectedAdvisor(t, admin, 'Paula');
    const alice = await t.user({ givenName: 'Alicia', familyName: 'Exportova' });
    const bob = await t.user({ givenName: 'Bartholomew', familyName: 'Otherson' });
    const slots = new Slots();
    const month = monthsAgo(1);
    const mine = await consultation(t, admin, advisor, alice, slots, month, 30, 'complete');
    const theirs = await consultation(t, admin, advisor, bob, slots, month, 15, 'complete');
    // Lately ended, so their chats are still open.
    for (const c of [mine, theirs]) await moveConsultation(t, c.id, new Date(Date.now() - 2 * HOUR));
    expectOk(await t.gql(SendConsultationMessageDocument, { consultationId: mine.id, text: 'My own words here' }, alice.token));
    expectOk(await t.gql(SendConsultationMessageDocument, { consultationId: theirs.id, text: 'Secret words of Bob' }, bob.token));
    expectOk(
      await t.gql(ReviewConsultationDocument, { consultationId: mine.id, input: { rating: 5, text: 'Alicia liked it' } }, alice.token),
    );

    const text = expectOk(await t.gql(ExportMyDataDocument, {}, alice.token)).exportMyData;
    const data = JSON.parse(text);
    expect(data.profile).toMatchObject({ id: alice.id, email: alice.email, given_name: 'Alicia', family_name: 'Exportova' });
    expect(data.consultationsAsClient.map((c: { id: string }) => c.id)).toEqual([mine.id]);
    expect(data.payments).toHaveLength(1);
    expect(data.payments[0]).toMatchObject({ consultation_id: mine.id, total_amount_cents: 1900, status: 'succeeded' });
    expect(data.reviewsWritten.map((r: { review_text: string }) => r.review_text)).toEqual(['Alicia liked it']);
    expect(data.chatMessages.map((m: { text: string }) => m.text)).toEqual(['My own words here']);
    expect(data.emails.length).toBeGreaterThan(0);
    expect(data.emails.every((e: { to_address: string }) => e.to_address === alice.email)).toBe(true);
    for (const other of [bob.email, bob.id, 'Bartholomew', 'Otherson', theirs.id, 'Secret words', advisor.user.email, advisor.user.id]) {
      expect(text).not.toContain(other);
    }
  });

  it('erases a client: personal data gone from every table, money records kept and reconciled to the cent', async () => {
    const advisor = await connectedAdvisor(t, admin, 'Ravi');
    const x = await t.user({ givenName: 'Xiomara', familyName: 'Quetzalcoatl' });
    const slots = new Slots();
    const month = monthsAgo(1);
    const done = await consultation(t, admin, advisor, x, slots, month, 60, 'complete');
    await consultation(t, admin, advisor, x, slots, month, 30, 'earlyCancel');
    await consultation(t, admin, advisor, x, slots, month, 15, 'lateCancel');
    const live = await consultation(t, admin, advisor, x, slots, month, 15, 'leave');
    await moveConsultation(t, done.id, new Date(Date.now() - 2 * HOUR));
    expectOk(await t.gql(SendConsultationMessageDocument, { consultationId: done.id, text: 'Zanzibar marmalade' }, x.token));
    expectOk(await t.gql(ReviewConsultationDocument, { consultationId: done.id, input: { rating: 4, text: 'Quixotic review' } }, x.token));
    const before = await sql<{ n: number; cents: string }>(
      t,
      `select count(*)::int as n, sum(ch.total_amount_cents - ch.refunded_cents) as cents
       from consultations c join consultation_charges ch on ch.consultation_id = c.id where c.client_id = ?`,
      [x.id],
    );

    const erased = [x.email, 'Xiomara', 'Quetzalcoatl', 'Zanzibar marmalade', 'Quixotic review'];
    expect((await scan(erased)).length).toBeGreaterThan(3); // the scan finds them while they are there
    const refused = await t.gql(DeleteMyAccountDocument, {}, x.token);
    expect(codeOf(refused)).toBe('CONFLICT');
    expect(refused.errors![0]!.extensions!.reason).toBe('LIVE_CONSULTATIONS');
    expectOk(await t.gql(CancelConsultationDocument, { id: live.id, reason: 'Leaving' }, x.token));
    await waitForWebhooks(t);
    expect(expectOk(await t.gql(DeleteMyAccountDocument, {}, x.token)).deleteMyAccount).toBe(true);

    // Their token no longer works, and nothing of theirs is written back from it.
    expect(codeOf(await t.gql(ExportMyDataDocument, {}, x.token))).toBe('UNAUTHENTICATED');
    expect(await scan(erased)).toEqual([]);

    // The money is all there, to the cent.
    const after = await sql<{ n: number; cents: string }>(
      t,
      `select count(*)::int as n, sum(ch.total_amount_cents - ch.refunded_cents) as cents
       from consultations c join consultation_charges ch on ch.consultation_id = c.id where c.client_id = ?`,
      [x.id],
    );
    expect(after).toEqual(before);
    await assertLedgerBalances(t, [advisor.advisorId]);
    const pg = new Client({ connectionString: t.databaseUrl });
    await pg.connect();
    try {
      const stripe = { paymentIntents: [...t.stripe.paymentIntents.values()], refunds: [...t.stripe.refunds.values()] };
      expect(await checkMoneyInvariants(pg, stripe as never)).toEqual([]);
    } finally {
      await pg.end();
    }
  });

  it('lets an admin erase an advisor, whose profile leaves search at once; recorded in the audit log', async () => {
    const advisor = await connectedAdvisor(t, admin, 'Wilhelmina');
    expect(expectOk(await t.gql(PublicAdvisorDocument, { id: advisor.advisorId })).advisor).not.toBeNull();
    const client = await t.user();
    expect(codeOf(await t.gql(EraseUserDocument, { id: advisor.user.id, reason: 'x' }, client.token))).toBe('FORBIDDEN');
    expect(expectOk(await t.gql(EraseUserDocument, { id: advisor.user.id, reason: 'GDPR request 7' }, admin.token)).eraseUser).toBe(true);
    expect(expectOk(await t.gql(PublicAdvisorDocument, { id: advisor.advisorId })).advisor).toBeNull();
    const entries = expectOk(await t.gql(AuditLogDocument, { filter: { action: 'user.erase', subjectId: advisor.user.id } }, admin.token))
      .auditLog.edges;
    expect(entries.map((e) => [e.node.actorId, e.node.reason])).toEqual([[admin.id, 'GDPR request 7']]);
    expect(await scan([advisor.user.email, 'Wilhelmina'])).toEqual([]);
  });
});
