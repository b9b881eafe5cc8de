import type { Logger } from 'pino';
import type { App } from '../app';
import { signToken } from '../auth/token';
import { OPERATOR } from '../common/actor';
import { GrantedRole } from '../modules/user/user-role.entity';
import type { Config } from '../config';
import { addMonths, monthOf } from '../modules/finance/month';
import { ADVISORS, DAY, DEMO, PLANS, type DemoPerson } from './data';

export { DEMO, type DemoPerson } from './data';
import { signCalcomBody } from '../modules/webhooks/calcom';

/**
 * Demo data for development (`npm run seed`, `npm start -- --demo`): advisors in every approval
 * status, approved ones with reviews and ratings, two clients, consultations in every status, and a
 * finished month whose payouts are paid. Everything goes through the running server the way users,
 * admins, Stripe and Cal.com would (GraphQL, signed Cal.com webhooks, the Stripe simulator), so the
 * price split, the ledger and the status history hold as for real data. Only time is moved: a past
 * consultation is booked ahead and then moved to its slot in the past, as the tests do.
 *
 * Running it again adds nothing: people have fixed ids, and each demo booking carries a fixed
 * Cal.com booking uid (`demo-...`) by which it is found.
 */

export interface SeedResult {
  /** What this run added (all zero when the demo data was there already). */
  created: { advisors: number; consultations: number; reviews: number; payouts: number };
  /** One signed token per role (and the demo advisor of each approval status). */
  tokens: { role: string; person: DemoPerson; token: string }[];
}

export interface SeedOptions {
  app: App;
  /** The app's own base URL (it must be listening), e.g. http://127.0.0.1:4000 */
  baseUrl: string;
  config: Config;
  log: Logger;
}

/** The printed tokens last as long as AUTH_MAX_TOKEN_AGE allows (24 h by default). */
export const demoTokenHours = (config: Config) => Math.floor(config.security.auth.maxTokenAgeSeconds / 3600);

export async function seedDemo({ app, baseUrl, config, log }: SeedOptions): Promise<SeedResult> {
  const tokenExpiry = `${config.security.auth.maxTokenAgeSeconds}s`;
  if (config.nodeEnv === 'production') throw new Error('Demo data is refused in production (NODE_ENV=production)');
  const { issuer, audience } = config.security.auth;
  const tokenOf = (p: DemoPerson, expiresIn = '1h') =>
    signToken(
      { sub: p.sub, email: p.email, givenName: p.givenName, familyName: p.familyName, roles: p.roles },
      config.auth.jwtSecret,
      expiresIn,
      { issuer, audience },
    );
  const tokens = new Map<string, string>();
  for (const p of Object.values(DEMO)) tokens.set(p.key, await tokenOf(p));
  const as = (p: DemoPerson) => tokens.get(p.key)!;

  const gql = async <T = any>(query: string, variables: Record<string, unknown>, who: DemoPerson): Promise<T> => {
    const res = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${as(who)}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
    if (body.errors?.length || !body.data) throw new Error(`demo seed: ${body.errors?.map((e) => e.message).join('; ') ?? res.status}`);
    return body.data;
  };
  const sql = <T>(query: string, params: unknown[] = []) => app.services.orm.em.fork().execute(query, params) as Promise<T[]>;
  // Webhooks are answered before they are processed: wait until Stripe's are delivered and processed.
  const settle = async () => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      await app.stripeSimulator?.flushWebhooks();
      const [r] = await sql<{ n: number }>(
        `select count(*)::int as n from graphile_worker.jobs
         where task_identifier = 'process_webhook_event' and (locked_at is not null or (run_at <= now() and attempts < max_attempts))`,
      );
      if (!r!.n) return;
      if (Date.now() > deadline) throw new Error('demo seed: webhook events still being processed after 60 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const created = { advisors: 0, consultations: 0, reviews: 0, payouts: 0 };

  // Tokens make nobody an admin: the demo admin signs in once (writing the user row), then is
  // granted the role as \`npm run admin:grant\` would (a repeated grant changes nothing).
  await gql(`{ pricing { sku } }`, {}, DEMO.admin);
  await app.services.roles.grant(OPERATOR, DEMO.admin.sub, GrantedRole.ADMIN, 'demo data');

  // Advisors, each moved to its approval status the way an admin would.
  const advisorIds = new Map<string, string>();
  for (const a of ADVISORS) {
    let profile = (await gql(`{ myAdvisorProfile { id approvalStatus stripePayoutsEnabled } }`, {}, a.who)).myAdvisorProfile;
    if (!profile) {
      profile = (
        await gql(
          `mutation($input: ApplyAsAdvisorInput!) { applyAsAdvisor(input: $input) { id approvalStatus stripePayoutsEnabled } }`,
          { input: a.input },
          a.who,
        )
      ).applyAsAdvisor;
      created.advisors++;
    }
    advisorIds.set(a.who.key, profile.id);
    const decide = (mutation: string, note: string) =>
      gql(`mutation($id: ID!, $note: String) { ${mutation}(id: $id, note: $note) { id } }`, { id: profile.id, note }, DEMO.admin);
    if (profile.approvalStatus === 'PENDING' && (a.status === 'APPROVED' || a.status === 'SUSPENDED'))
      await decide('approveAdvisor', 'Welcome aboard');
    if (profile.approvalStatus === 'PENDING' && a.status === 'REJECTED') await decide('rejectAdvisor', 'Not enough experience yet');
    if (a.status === 'SUSPENDED' && profile.approvalStatus !== 'SUSPENDED') await decide('suspendAdvisor', 'Missed three consultations');
    if (a.connect && !profile.stripePayoutsEnabled && app.stripeSimulator) {
      // Stripe Connect onboarding as the advisor starts it; the simulator plays the advisor finishing it on Stripe.
      await gql(`mutation { startStripeConnectOnboarding { url } }`, {}, a.who);
      const [row] = await sql<{ account: string }>('select stripe_connect_account_id as account from advisors where id = ?', [profile.id]);
      app.stripeSimulator.updateAccount(row!.account, { details_submitted: true, payouts_enabled: true });
      await settle();
      await app.services.payouts.onAccountUpdated(row!.account, { detailsSubmitted: true, payoutsEnabled: true });
    }
  }

  // Consultations, found again by their Cal.com booking uid.
  const lastMonth = addMonths(monthOf(new Date()), -1);
  for (const [i, plan] of PLANS.entries()) {
    const [existing] = await sql<{ id: string }>('select id from consultations where cal_booking_id = ?', [plan.uid]);
    if (existing) continue;
    // Booked ahead like any booking (two days out, a slot of its own), then moved where it belongs.
    const ahead = new Date(Date.now() + 2 * DAY * 60_000 + i * 2 * 3_600_000);
    ahead.setUTCSeconds(0, 0);
    const target =
      plan.lastMonthDay !== undefined
        ? new Date(lastMonth.start.getTime() + (plan.lastMonthDay - 1) * DAY * 60_000 + (9 + (i % 6)) * 3_600_000)
        : new Date(Math.floor((Date.now() + plan.at! * 60_000) / 60_000) * 60_000);
    const paid = plan.outcome !== 'unpaid';
    const booked = await gql(
      `mutation($input: BookConsultationInput!) { bookConsultation(input: $input) { consultation { id } } }`,
      {
        input: {
          advisorId: advisorIds.get(plan.advisor.key),
          durationMinutes: plan.minutes,
          startTime: (plan.outcome === 'scheduled' || plan.outcome === 'unpaid' || plan.outcome === 'earlyCancel'
            ? target
            : ahead
          ).toISOString(),
          calBookingId: plan.uid,
          clientTimezone: 'Europe/London',
          ...(paid ? { paymentMethodId: 'pm_card_visa' } : {}),
        },
      },
      plan.client,
    );
    const id: string = booked.bookConsultation.consultation.id;
    created.consultations++;
    await settle();
    if (plan.outcome === 'earlyCancel') {
      await gql(`mutation($id: ID!) { cancelConsultation(id: $id, reason: "Plans changed") { id } }`, { id }, plan.client);
    }
    if (plan.outcome === 'complete' || plan.outcome === 'noShow' || plan.outcome === 'inProgress') {
      await sql(
        `update consultations set start_time = ?::timestamptz, end_time = ?::timestamptz + duration_minutes * interval '1 minute' where id = ?`,
        [target, target, id],
      );
    }
    if (plan.outcome === 'complete') await gql(`mutation($id: ID!) { completeConsultation(id: $id) { id } }`, { id }, DEMO.admin);
    if (plan.outcome === 'noShow') await gql(`mutation($id: ID!) { markNoShow(id: $id) { id } }`, { id }, DEMO.admin);
    if (plan.outcome === 'inProgress') await postCalcom(baseUrl, config, { uid: plan.uid, start: target, minutes: plan.minutes });
    await settle();
    if (plan.review) {
      const r = plan.review;
      await gql(
        `mutation($id: ID!, $input: ReviewInput!) { reviewConsultation(consultationId: $id, input: $input) { id } }`,
        {
          id,
          input: {
            rating: r.rating,
            text: r.text,
            expertiseRating: r.expertise ?? null,
            communicationRating: r.communication ?? null,
            helpfulnessRating: r.helpfulness ?? null,
          },
        },
        plan.client,
      );
      created.reviews++;
    }
  }

  // Last month's payouts, generated and sent like an admin does at the start of a month (both safe to repeat).
  const generated = await gql(`mutation($m: String!) { generatePayouts(month: $m) { createdCount } }`, { m: lastMonth.key }, DEMO.admin);
  created.payouts += generated.generatePayouts.createdCount;
  await gql(`mutation($m: String!) { processPayouts(month: $m) { id status } }`, { m: lastMonth.key }, DEMO.admin);
  await settle();

  log.info({ created }, 'demo data ready');
  const printed = [
    ['admin', DEMO.admin],
    ['client', DEMO.grace],
    ['advisor', DEMO.maya],
    ['advisor (pending)', DEMO.pia],
  ] as const;
  return {
    created,
    tokens: await Promise.all(printed.map(async ([role, p]) => ({ role, person: p, token: await tokenOf(p, tokenExpiry) }))),
  };
}

/**
 * `npm start -- --demo` seeds only a database with nothing but demo data in it (an empty one, or
 * one seeded before): it never mixes demo rows into real ones.
 */
export async function holdsOnlyDemoData(app: App): Promise<boolean> {
  const [row] = (await app.services.orm.em.fork().execute(
    `select (select count(*) from advisors where user_id::text not like 'de300000-%')::int
          + (select count(*) from consultations where cal_booking_id is null or cal_booking_id not like 'demo-%')::int as others`,
  )) as { others: number }[];
  return row!.others === 0;
}

/** A Cal.com MEETING_STARTED for a demo booking, signed with CALCOM_WEBHOOK_SECRET as Cal.com would sign it. */
async function postCalcom(baseUrl: string, config: Config, o: { uid: string; start: Date; minutes: number }): Promise<void> {
  const body = JSON.stringify({
    triggerEvent: 'MEETING_STARTED',
    createdAt: new Date().toISOString(),
    uid: o.uid,
    title: 'Consultation',
    startTime: o.start.toISOString(),
    endTime: new Date(o.start.getTime() + o.minutes * 60_000).toISOString(),
    status: 'ACCEPTED',
  });
  const res = await fetch(`${baseUrl}/webhooks/calcom`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-cal-signature-256': signCalcomBody(body, config.calcom.webhookSecret) },
    body,
  });
  if (res.status >= 300) throw new Error(`demo seed: the Cal.com webhook answered ${res.status}`);
}

/** The tokens as an operator reads them: a line per person, then the token. */
export function formatTokens(result: SeedResult, config: Config): string {
  const head = `Tokens (Authorization: Bearer <token>), valid ${demoTokenHours(config)} hours (npm run token makes more):\n`;
  const lines = result.tokens.map(
    (t) => `# ${t.role}: ${t.person.givenName} ${t.person.familyName} <${t.person.email}> (sub ${t.person.sub})\n${t.token}\n`,
  );
  return head + lines.join('');
}
