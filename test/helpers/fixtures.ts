import { ApplyAsAdvisorDocument, ApproveAdvisorDocument, SuspendAdvisorDocument, type ApplyAsAdvisorInput } from '../generated/graphql';
import type { TestApp, TestUser } from './app';

export interface AdvisorFixture {
  user: TestUser;
  advisorId: string;
}

export function expectOk<T>(r: { data: T | null | undefined; errors?: unknown }): T {
  if (r.errors) throw new Error(`unexpected GraphQL errors: ${JSON.stringify(r.errors)}`);
  return r.data as T;
}

/** A user who applied; `approve`/`suspend` move the application on through the API like an admin would. */
export async function makeAdvisor(
  t: TestApp,
  admin: TestUser,
  opts: { status?: 'pending' | 'approved' | 'suspended'; input?: Partial<ApplyAsAdvisorInput>; givenName?: string } = {},
): Promise<AdvisorFixture> {
  const user = await t.user({ roles: ['client'], givenName: opts.givenName ?? 'Ada' });
  const applied = expectOk(
    await t.gql(
      ApplyAsAdvisorDocument,
      { input: { displayName: `${user.givenName} Advisor`, skills: ['react'], languages: ['en'], countryCode: 'US', ...opts.input } },
      user.token,
    ),
  );
  const advisorId = applied.applyAsAdvisor.id;
  const status = opts.status ?? 'approved';
  if (status !== 'pending') expectOk(await t.gql(ApproveAdvisorDocument, { id: advisorId }, admin.token));
  if (status === 'suspended') expectOk(await t.gql(SuspendAdvisorDocument, { id: advisorId }, admin.token));
  return { user, advisorId };
}
