import { randomUUID } from 'node:crypto';
import {
  ApproveAdvisorDocument,
  AuditLogDocument,
  CreateAdjustmentDocument,
  GeneratePayoutsDocument,
  GrantRoleDocument,
  MyAuditLogDocument,
  ProcessPayoutDocument,
  ReactivateAdvisorDocument,
  RefundConsultationDocument,
  RejectAdvisorDocument,
  RetryWebhookEventDocument,
  SuspendAdvisorDocument,
  type AuditEntryFieldsFragment,
} from './generated/graphql';
import { codeOf, startTestApp, type TestApp, type TestUser } from './helpers/app';
import { expectOk, makeAdvisor, sql, waitFor } from './helpers/fixtures';
import { connectedAdvisor, consultation, monthsAgo, PRICES, Slots } from './helpers/money';

let t: TestApp;
let admin: TestUser;

beforeAll(async () => {
  t = await startTestApp();
  admin = await t.user({ roles: ['admin'], givenName: 'Root' });
});
afterAll(() => t.close());

async function entries(filter: Record<string, unknown>): Promise<AuditEntryFieldsFragment[]> {
  const r = expectOk(await t.gql(AuditLogDocument, { filter, first: 100 }, admin.token));
  return r.auditLog.edges.map((e) => e.node);
}
const parse = (s: string | null | undefined) => (s ? JSON.parse(s) : null);

describe('the audit trail', () => {
  it('records advisor decisions with who, why, before and after', async () => {
    const a = await makeAdvisor(t, admin, { status: 'pending' });
    expectOk(await t.gql(ApproveAdvisorDocument, { id: a.advisorId, note: 'Looks good' }, admin.token));
    expectOk(await t.gql(SuspendAdvisorDocument, { id: a.advisorId, note: 'Complaints' }, admin.token));
    expectOk(await t.gql(ReactivateAdvisorDocument, { id: a.advisorId, note: 'Resolved' }, admin.token));
    const b = await makeAdvisor(t, admin, { status: 'pending' });
    expectOk(await t.gql(RejectAdvisorDocument, { id: b.advisorId, note: 'No portfolio' }, admin.token));

    const log = await entries({ subjectType: 'advisor', subjectId: a.advisorId });
    expect(log.map((e) => [e.action, e.actorId, e.actorKind, e.reason, parse(e.before), parse(e.after)])).toEqual([
      ['advisor.reactivate', admin.id, 'PERSON', 'Resolved', { approvalStatus: 'suspended' }, { approvalStatus: 'approved' }],
      ['advisor.suspend', admin.id, 'PERSON', 'Complaints', { approvalStatus: 'approved' }, { approvalStatus: 'suspended' }],
      ['advisor.approve', admin.id, 'PERSON', 'Looks good', { approvalStatus: 'pending' }, { approvalStatus: 'approved' }],
    ]);
    const rejected = await entries({ action: 'advisor.reject', subjectId: b.advisorId });
    expect(rejected).toHaveLength(1);
    expect(parse(rejected[0]!.after)).toEqual({ approvalStatus: 'rejected' });
    // By actor, and the `to` bound excludes everything before it.
    expect((await entries({ actorId: admin.id, action: 'advisor.suspend' })).length).toBeGreaterThanOrEqual(1);
    expect(await entries({ actorId: admin.id, to: '2000-01-01T00:00:00Z' })).toEqual([]);
  });

  it('records role grants', async () => {
    const u = await t.user();
    await t.gql(AuditLogDocument, {}, u.token); // writes the users row
    expectOk(await t.gql(GrantRoleDocument, { userId: u.id, role: 'ADMIN', reason: 'On call' }, admin.token));
    const [grant] = await entries({ action: 'role.grant', subjectId: u.id });
    expect(grant).toMatchObject({ actorId: admin.id, reason: 'On call' });
    expect(parse(grant!.after)).toEqual({ roles: ['admin'] });
  });

  it('records completions, no-shows, refunds, adjustments, payout generation and processing; the advisor reads their money entries', async () => {
    const advisor = await connectedAdvisor(t, admin);
    const client = await t.user();
    const slots = new Slots();
    const month = monthsAgo(1);
    const done = await consultation(t, admin, advisor, client, slots, month, 30, 'complete');
    const noShow = await consultation(t, admin, advisor, client, slots, month, 15, 'noShow');
    const refunded = await consultation(t, admin, advisor, client, slots, month, 60, 'leave');
    expectOk(await t.gql(RefundConsultationDocument, { id: refunded.id, reason: 'Goodwill' }, admin.token));
    await waitFor(async () => (await entries({ action: 'refund.recorded', subjectId: refunded.id })).length > 0, 10_000, 'the refund');
    expectOk(
      await t.gql(
        CreateAdjustmentDocument,
        { advisorId: advisor.advisorId, amountCents: 250, reason: 'Bonus for the extra work' },
        admin.token,
      ),
    );

    const [complete] = await entries({ action: 'consultation.complete', subjectId: done.id });
    expect(complete).toMatchObject({ actorId: admin.id, advisorId: advisor.advisorId });
    expect(parse(complete!.before)).toEqual({ status: 'scheduled' });
    expect(parse(complete!.after)).toEqual({ status: 'completed', advisorEarningsCents: PRICES[30].earning });
    const [ns] = await entries({ action: 'consultation.no_show', subjectId: noShow.id });
    expect(parse(ns!.after)).toMatchObject({ status: 'no_show' });
    const [refund] = await entries({ action: 'consultation.refund', subjectId: refunded.id });
    expect(refund).toMatchObject({ actorId: admin.id, reason: 'Goodwill' });
    expect(parse(refund!.after)).toMatchObject({ refundRequestedCents: PRICES[60].price });
    const [recorded] = await entries({ action: 'refund.recorded', subjectId: refunded.id });
    expect(parse(recorded!.before)).toEqual({ chargeStatus: 'succeeded', refundedCents: 0 });
    expect(parse(recorded!.after)).toMatchObject({
      chargeStatus: 'refunded',
      refundedCents: PRICES[60].price,
      amountCents: PRICES[60].price,
    });
    const [adjustment] = await entries({ action: 'ledger.adjustment' });
    expect(adjustment).toMatchObject({ actorId: admin.id, reason: 'Bonus for the extra work', advisorId: advisor.advisorId });
    expect(parse(adjustment!.after)).toMatchObject({ amountCents: 250 });

    const generated = expectOk(await t.gql(GeneratePayoutsDocument, { month: month.key }, admin.token)).generatePayouts;
    const payout = generated.payouts.find((p) => p.advisorId === advisor.advisorId)!;
    const [gen] = await entries({ action: 'payout.generate', subjectId: payout.id });
    expect(parse(gen!.after)).toMatchObject({ month: month.key, totalCents: payout.totalCents, status: 'pending' });
    expectOk(await t.gql(ProcessPayoutDocument, { id: payout.id }, admin.token));
    const processing = await entries({ subjectType: 'payout', subjectId: payout.id });
    expect(processing.map((e) => e.action)).toEqual(['payout.paid', 'payout.process', 'payout.generate']);
    expect(parse(processing[0]!.after)).toMatchObject({ status: 'paid', totalCents: payout.totalCents });

    // The advisor sees exactly the entries about their money; a client has no advisor profile.
    const mine = expectOk(await t.gql(MyAuditLogDocument, { first: 100 }, advisor.user.token)).myAuditLog.edges.map((e) => e.node);
    expect(mine.every((e) => e.advisorId === advisor.advisorId)).toBe(true);
    expect(new Set(mine.map((e) => e.action))).toEqual(
      new Set([
        'consultation.complete',
        'consultation.no_show',
        'consultation.refund',
        'refund.recorded',
        'ledger.adjustment',
        'payout.generate',
        'payout.process',
        'payout.paid',
      ]),
    );
    expect(codeOf(await t.gql(MyAuditLogDocument, {}, client.token))).toBe('FORBIDDEN');
  });

  it('records webhook retries', async () => {
    const id = randomUUID();
    await sql(
      t,
      `insert into processed_webhook_events (id, provider, event_id, event_type, payload, status, attempts, last_error)
       values (?, 'calcom', ?, 'PING', '{}', 'failed', 8, 'boom')`,
      [id, `evt_${id}`],
    );
    expectOk(await t.gql(RetryWebhookEventDocument, { id }, admin.token));
    const [retry] = await entries({ action: 'webhook.retry', subjectId: id });
    expect(retry).toMatchObject({ actorId: admin.id, subjectType: 'webhook_event' });
    expect(parse(retry!.before)).toMatchObject({ status: 'failed', lastError: 'boom' });
  });

  it('is read-only through the API and append-only in the database', async () => {
    const schema = await t.raw({ query: '{ __schema { mutationType { fields { name } } } }' });
    const mutations: string[] = schema.json.data.__schema.mutationType.fields.map((f: { name: string }) => f.name);
    expect(mutations.filter((m) => /audit/i.test(m))).toEqual([]);
    // Not readable by a non-admin either.
    const client = await t.user();
    expect(codeOf(await t.gql(AuditLogDocument, {}, client.token))).toBe('FORBIDDEN');
    await expect(sql(t, `update audit_log set reason = 'changed'`)).rejects.toThrow(/append-only/);
    await expect(sql(t, `delete from audit_log`)).rejects.toThrow(/append-only/);
  });
});
