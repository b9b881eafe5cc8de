import { CreateAdjustmentDocument } from './generated/graphql';
import { startTestApp, type TestApp } from './helpers/app';
import { expectOk, makeAdvisor } from './helpers/fixtures';
import { csvObjects } from './helpers/money';
import { monthOf } from '../src/modules/finance/month';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

describe('ledger.csv for spreadsheets and accounting tools', () => {
  it('writes amounts as numbers (negative ones too), timestamps in ISO 8601, and guards only text', async () => {
    const admin = await t.user({ roles: ['admin'] });
    const advisor = await makeAdvisor(t, admin, { givenName: '-Minus' });
    const add = (amountCents: number, reason: string) =>
      t.gql(CreateAdjustmentDocument, { advisorId: advisor.advisorId, amountCents, reason }, admin.token);
    expectOk(await add(1000, 'Bonus'));
    expectOk(await add(-500, '-Clawback'));

    const res = await fetch(`${t.url}/admin/exports/ledger.csv?month=${monthOf(new Date()).key}`, {
      headers: { authorization: `Bearer ${admin.token}` },
    });
    const text = await res.text();
    const rows = csvObjects(text).filter((r) => r.advisor_id === advisor.advisorId);
    const clawback = rows.find((r) => r.amount_cents === '-500')!;
    expect(clawback).toMatchObject({ amount: '-5.00', reason: "'-Clawback", advisor_name: "'-Minus Advisor" });
    expect(clawback.accrued_at).toMatch(ISO);
    expect(clawback.created_at).toMatch(ISO);
    // In the raw file the amounts are bare numbers: no quote, no apostrophe.
    expect(text).toMatch(/,-500,-5\.00,/);
    expect(text).not.toMatch(/'-5\.00/);
  });
});
