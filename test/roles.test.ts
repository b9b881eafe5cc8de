import { randomUUID } from 'node:crypto';
import { signToken } from '../src/auth/token';
import { ApproveAdvisorDocument, GrantRoleDocument, RevokeRoleDocument, RoleGrantsDocument } from './generated/graphql';
import { codeOf, startTestApp, type TestApp, type TestUser } from './helpers/app';
import { runScript } from './helpers/command';
import { expectOk, makeAdvisor, sql } from './helpers/fixtures';

// Issue 11, finding 6: admin was whoever held a token with `roles: ["admin"]`; roles now live in user_roles.
let t: TestApp;
let admin: TestUser;

beforeAll(async () => {
  t = await startTestApp();
  admin = await t.user({ roles: ['admin'], givenName: 'Root' });
});
afterAll(() => t.close());

/** A token that claims admin, signed with the server's own secret, with no grant in the database. */
async function claimingAdmin(): Promise<TestUser> {
  const id = randomUUID();
  const email = `claims.${id.slice(0, 8)}@example.com`;
  const { issuer, audience } = t.config.security.auth;
  const token = await signToken(
    { sub: id, email, givenName: 'Mallory', familyName: 'Claims', roles: ['client', 'admin'] },
    t.config.auth.jwtSecret,
    '1h',
    {
      issuer,
      audience,
    },
  );
  return { id, email, givenName: 'Mallory', familyName: 'Claims', roles: ['client', 'admin'], token };
}

/** `npm run admin:grant` as an operator runs it, against this test's database (seconds each: ts-node starts). */
const adminGrant = (args: string[]) => runScript('admin-grant.ts', { DATABASE_URL: t.databaseUrl }, args);

const auditRows = (subjectId: string) =>
  sql<{ actor_id: string | null; actor_kind: string; action: string; reason: string | null; before: unknown; after: unknown }>(
    t,
    'select actor_id, actor_kind, action, reason, before, after from audit_log where subject_type = ? and subject_id = ? order by created_at',
    ['user', subjectId],
  );

describe('roles live in the database', () => {
  it('a token claiming admin without a grant is FORBIDDEN on admin operations; the command grants, revoke applies on the next request', async () => {
    const mallory = await claimingAdmin();
    const pending = await makeAdvisor(t, admin, { status: 'pending' });
    const refused = await t.gql(ApproveAdvisorDocument, { id: pending.advisorId }, mallory.token);
    expect(codeOf(refused)).toBe('FORBIDDEN');
    expect(codeOf(await t.gql(GrantRoleDocument, { userId: mallory.id, role: 'ADMIN' }, mallory.token))).toBe('FORBIDDEN');
    expect(codeOf(await t.gql(RoleGrantsDocument, {}, mallory.token))).toBe('FORBIDDEN');

    // The operator makes them an admin by email (they have signed in: the requests above wrote their row).
    const granted = await adminGrant([mallory.email.toUpperCase(), '--reason', 'first admin']);
    expect(granted).toMatchObject({ code: 0, stdout: `${mallory.email} (${mallory.id}) is an admin\n` });
    expectOk(await t.gql(ApproveAdvisorDocument, { id: pending.advisorId }, mallory.token));
    // Again, by id: already an admin, nothing changes.
    expect((await adminGrant([mallory.id])).code).toBe(0);

    const grants = expectOk(await t.gql(RoleGrantsDocument, { userId: mallory.id }, admin.token)).roleGrants;
    expect(grants).toEqual([{ userId: mallory.id, email: mallory.email, role: 'ADMIN', grantedById: null, grantedAt: expect.any(String) }]);

    // Another admin revokes: the very next request is refused.
    expect(expectOk(await t.gql(RevokeRoleDocument, { userId: mallory.id, role: 'ADMIN', reason: 'left' }, admin.token)).revokeRole).toBe(
      true,
    );
    const other = await makeAdvisor(t, admin, { status: 'pending' });
    expect(codeOf(await t.gql(ApproveAdvisorDocument, { id: other.advisorId }, mallory.token))).toBe('FORBIDDEN');
    expect(expectOk(await t.gql(RevokeRoleDocument, { userId: mallory.id, role: 'ADMIN' }, admin.token)).revokeRole).toBe(false);

    // Every grant and revocation recorded, once, with who and why.
    expect(await auditRows(mallory.id)).toEqual([
      {
        actor_id: null,
        actor_kind: 'operator',
        action: 'role.grant',
        reason: 'first admin',
        before: { roles: [] },
        after: { roles: ['admin'] },
      },
      {
        actor_id: admin.id,
        actor_kind: 'person',
        action: 'role.revoke',
        reason: 'left',
        before: { roles: ['admin'] },
        after: { roles: [] },
      },
    ]);
  }, 120_000);

  it('admins grant through GraphQL; the grant is recorded with the granting admin', async () => {
    const user = await t.user({ givenName: 'Grace' });
    const pending = await makeAdvisor(t, admin, { status: 'pending' });
    expect(codeOf(await t.gql(ApproveAdvisorDocument, { id: pending.advisorId }, user.token))).toBe('FORBIDDEN');
    const grant = expectOk(await t.gql(GrantRoleDocument, { userId: user.id, role: 'ADMIN', reason: 'on call' }, admin.token)).grantRole;
    expect(grant).toMatchObject({ userId: user.id, email: user.email, role: 'ADMIN', grantedById: admin.id });
    expectOk(await t.gql(ApproveAdvisorDocument, { id: pending.advisorId }, user.token));
    // Granting again changes nothing and records nothing.
    expectOk(await t.gql(GrantRoleDocument, { userId: user.id, role: 'ADMIN' }, admin.token));
    expect(await auditRows(user.id)).toEqual([
      {
        actor_id: admin.id,
        actor_kind: 'person',
        action: 'role.grant',
        reason: 'on call',
        before: { roles: [] },
        after: { roles: ['admin'] },
      },
    ]);
    const all = expectOk(await t.gql(RoleGrantsDocument, {}, admin.token)).roleGrants.map((g) => g.userId);
    expect(all).toEqual(expect.arrayContaining([admin.id, user.id]));
  });

  it('refuses unknown users and bad input', async () => {
    expect(codeOf(await t.gql(GrantRoleDocument, { userId: randomUUID(), role: 'ADMIN' }, admin.token))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(GrantRoleDocument, { userId: 'nope', role: 'ADMIN' }, admin.token))).toBe('BAD_USER_INPUT');
    const missing = await adminGrant(['nobody@example.com']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/User not found: they must sign in once first/);
    const usage = await adminGrant([]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/usage: npm run admin:grant -- <email or user id>/);
  }, 120_000);

  it('the audit log cannot be written through the API, nor changed in the database', async () => {
    const r = await t.raw({ query: '{ __schema { mutationType { fields { name args { name } } } } }' });
    const fields = r.json.data.__schema.mutationType.fields as { name: string; args: { name: string }[] }[];
    expect(fields.filter((f) => /audit/i.test(f.name) || f.args.some((a) => /audit/i.test(a.name)))).toEqual([]);
    expect((await sql<{ n: string }>(t, 'select count(*) as n from audit_log'))[0]!.n).not.toBe('0');
    await expect(sql(t, `update audit_log set reason = 'rewritten'`)).rejects.toThrow(/append-only/);
    await expect(sql(t, 'delete from audit_log')).rejects.toThrow(/append-only/);
  });
});
