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

export const HOUR = 3_600_000;
export const MINUTE = 60_000;

/** A start time `ms` from now, on a whole minute so that slots line up. */
export function inFuture(ms: number): Date {
  const d = new Date(Date.now() + ms);
  d.setUTCSeconds(0, 0);
  return d;
}

/** Moves a consultation in time (tests of what happens after its start); the split and end move along. */
export async function moveConsultation(t: TestApp, id: string, startTime: Date): Promise<void> {
  await t.app.services.orm.em
    .fork()
    .execute(
      `update consultations set start_time = ?::timestamptz, end_time = ?::timestamptz + duration_minutes * interval '1 minute' where id = ?`,
      [startTime, startTime, id],
    );
}

export async function waitFor<T>(
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function sql<T = Record<string, unknown>>(t: TestApp, query: string, params: unknown[] = []): Promise<T[]> {
  return t.app.services.orm.em.fork().execute(query, params) as Promise<T[]>;
}
