/** One error shape for clients, and one rule for lookups by id. */
import {
  AdminAdvisorDocument,
  AdminPayoutDocument,
  ApplyAsAdvisorDocument,
  BookConsultationDocument,
  GetConsultationDocument,
  PublicAdvisorDocument,
} from './generated/graphql';
import { codeOf, startTestApp, type TestApp, type TestUser } from './helpers/app';

let t: TestApp;
let admin: TestUser;
let client: TestUser;
beforeAll(async () => {
  t = await startTestApp({ GRAPHQL_MAX_COST: '500', GRAPHQL_MAX_DEPTH: '6' });
  admin = await t.user({ roles: ['admin'] });
  client = await t.user();
});
afterAll(() => t.close());

const UNKNOWN = '00000000-0000-4000-8000-0000000000ff';
const fieldsOf = (r: { errors?: { extensions?: Record<string, unknown> }[] }) => r.errors?.[0]?.extensions?.fields;

describe('BAD_USER_INPUT always lists the fields at fault', () => {
  it('from a domain check (a malformed id)', async () => {
    const r = await t.gql(PublicAdvisorDocument, { id: 'not-a-uuid' });
    expect(codeOf(r)).toBe('BAD_USER_INPUT');
    expect(r.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', fields: [{ field: 'id', message: expect.any(String) }] });
  });

  it('from input validation (class-validator), one entry per field', async () => {
    const r = await t.gql(ApplyAsAdvisorDocument, { input: { displayName: 'x', countryCode: 'XX' } }, client.token);
    expect(codeOf(r)).toBe('BAD_USER_INPUT');
    expect(fieldsOf(r)).toEqual(
      expect.arrayContaining([
        { field: 'displayName', message: expect.any(String) },
        { field: 'countryCode', message: expect.any(String) },
      ]),
    );
  });

  it('from a variable of the wrong type (graphql-js)', async () => {
    const input = { advisorId: UNKNOWN, durationMinutes: 'half an hour', startTime: new Date().toISOString() };
    const r = await t.gql(BookConsultationDocument, { input } as never, client.token);
    expect(codeOf(r)).toBe('BAD_USER_INPUT');
    expect(fieldsOf(r)).toEqual([{ field: 'durationMinutes', message: expect.stringMatching(/Int cannot represent/) }]);
    const missing = await t.raw({ query: 'query($id: ID!) { advisor(id: $id) { id } }' });
    expect(missing.json.errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', fields: [{ field: 'id', message: expect.any(String) }] });
  });

  it('keeps the details of a refused query: which limit, and by how much', async () => {
    const r = await t.raw({ query: '{ advisors(first: 100) { edges { node { id displayName bio skills specialties languages } } } }' });
    expect(r.json.errors[0].extensions).toEqual({
      code: 'GRAPHQL_VALIDATION_FAILED',
      limit: 'cost',
      cost: expect.any(Number),
      maxCost: 500,
    });
  });
});

describe('lookups by id: null when it does not exist or is not yours', () => {
  it('answers null on advisor, consultation, adminAdvisor and adminPayout alike', async () => {
    for (const [doc, token, key] of [
      [PublicAdvisorDocument, undefined, 'advisor'],
      [GetConsultationDocument, client.token, 'consultation'],
      [AdminAdvisorDocument, admin.token, 'adminAdvisor'],
      [AdminPayoutDocument, admin.token, 'adminPayout'],
    ] as const) {
      const r = await t.gql(doc as typeof PublicAdvisorDocument, { id: UNKNOWN }, token);
      expect(r.errors).toBeUndefined();
      expect(r.data).toEqual({ [key]: null });
    }
  });

  it('still refuses a malformed id, and a lookup that needs a viewer without one', async () => {
    expect(codeOf(await t.gql(GetConsultationDocument, { id: 'nope' }, client.token))).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(GetConsultationDocument, { id: UNKNOWN }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await t.gql(AdminPayoutDocument, { id: UNKNOWN }, client.token))).toBe('FORBIDDEN');
  });
});
