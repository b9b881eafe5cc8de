/**
 * Demo data as a developer gets it: `npm run seed` on a scratch database, then the API shows the
 * demo advisors, every consultation status and a paid payout month, to the tokens it printed;
 * running it again adds nothing; `npm start -- --demo` seeds an empty database; both are refused
 * in production.
 */
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { startTestApp, type TestApp } from './helpers/app';
import { createTestDatabase } from './helpers/db';
import { sql } from './helpers/fixtures';

const root = path.resolve(__dirname, '..');
const run = promisify(execFile);
jest.setTimeout(240_000);

const baseEnv = (databaseUrl: string, extra: Record<string, string> = {}) => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  NODE_ENV: 'development',
  DATABASE_URL: databaseUrl,
  LOG_LEVEL: 'warn',
  ...extra,
});

/** The printed tokens by role ("admin", "client", "advisor", ...). */
function tokensOf(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of stdout.matchAll(/^# ([a-z ()]+): .*\n(\S+)$/gm)) out[m[1]!] = m[2]!;
  return out;
}

async function gql(url: string, query: string, token?: string): Promise<any> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as { data?: unknown; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

const SEARCH =
  '{ advisors(first: 20) { edges { node { displayName rating reviewCount reviews(first: 5) { edges { node { rating text } } } } } } }';

describe('npm run seed', () => {
  let db: { url: string; drop: () => Promise<void> };
  let t: TestApp;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.close();
    await db.drop();
  });

  it('fills a scratch database with demo data in every state, once', async () => {
    const first = await run('npm', ['run', '-s', 'seed'], { cwd: root, env: baseEnv(db.url) });
    expect(first.stdout).toMatch(/^Demo data created: 6 advisors, 11 consultations, 5 reviews, \d+ payouts\.$/m);
    const tokens = tokensOf(first.stdout);
    expect(Object.keys(tokens)).toEqual(['admin', 'client', 'advisor', 'advisor (pending)']);

    t = await startTestApp({ NODE_ENV: 'development', LOG_LEVEL: 'silent' }, { databaseUrl: db.url });
    const found = (await gql(t.url, SEARCH)).advisors.edges.map((e: any) => e.node);
    expect(found.map((a: any) => [a.displayName, a.rating, a.reviewCount])).toEqual(
      expect.arrayContaining([
        ['Maya Chen', 4.5, 2],
        ['Omar Haddad', 4.5, 2],
        ['Lena Vogel', 3, 1],
      ]),
    );
    expect(found).toHaveLength(3); // pending, rejected and suspended advisors are not listed
    expect(
      found
        .find((a: any) => a.displayName === 'Maya Chen')
        .reviews.edges.map((e: any) => e.node.rating)
        .sort(),
    ).toEqual([4, 5]);

    // The printed tokens work, and show every state.
    const admin = await gql(
      t.url,
      `{ adminConsultations(first: 100) { edges { node { status } } }
         adminPayouts(first: 20) { edges { node { status month totalCents } } }
         pending: advisorApplications(first: 10) { edges { node { displayName } } } }`,
      tokens.admin,
    );
    const statuses = new Set(admin.adminConsultations.edges.map((e: any) => e.node.status));
    expect([...statuses].sort()).toEqual(['CANCELLED', 'COMPLETED', 'IN_PROGRESS', 'NO_SHOW', 'PENDING_PAYMENT', 'SCHEDULED']);
    expect(admin.adminPayouts.edges.filter((e: any) => e.node.status === 'PAID').length).toBeGreaterThan(0);
    expect(admin.pending.edges.map((e: any) => e.node.displayName)).toEqual(['Pia Santos']);
    const states = await sql<{ approval_status: string }>(t, 'select approval_status from advisors order by approval_status');
    expect(states.map((r) => r.approval_status)).toEqual(['approved', 'approved', 'approved', 'pending', 'rejected', 'suspended']);
    const mine = await gql(t.url, '{ myConsultations(first: 20) { edges { node { status } } } }', tokens.client);
    expect(mine.myConsultations.edges.length).toBeGreaterThan(3);
    const earnings = await gql(t.url, '{ advisorEarningsHistory { month netCents payout { status } } }', tokens.advisor);
    expect(earnings.advisorEarningsHistory.some((m: any) => m.payout?.status === 'PAID')).toBe(true);
    // Money invariants: every price split adds up, every payout is the sum of its ledger entries.
    expect(await sql(t, 'select id from consultations where price_cents <> platform_fee_cents + advisor_earnings_cents')).toEqual([]);
    expect(
      await sql(
        t,
        `select p.id from advisor_payouts p left join ledger_entries e on e.payout_id = p.id
         group by p.id having p.total_cents <> coalesce(sum(e.amount_cents), 0)`,
      ),
    ).toEqual([]);

    const counts = async () =>
      sql(
        t,
        `select (select count(*) from advisors)::int as advisors, (select count(*) from consultations)::int as consultations,
                (select count(*) from advisor_reviews)::int as reviews, (select count(*) from advisor_payouts)::int as payouts,
                (select count(*) from ledger_entries)::int as ledger`,
      );
    const before = await counts();
    const again = await run('npm', ['run', '-s', 'seed'], { cwd: root, env: baseEnv(db.url) });
    expect(again.stdout).toMatch(/^Demo data was there already: nothing added\.$/m);
    expect(await counts()).toEqual(before);
  });

  it('is refused in production, as is npm start -- --demo', async () => {
    const refused = (args: string[], file = 'npm') =>
      run(file, args, { cwd: root, env: baseEnv(db.url, { NODE_ENV: 'production' }) }).then(
        () => ({ code: 0, stderr: '' }),
        (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
      );
    expect(await refused(['run', '-s', 'seed'])).toEqual({
      code: 1,
      stderr: 'Seed failed: npm run seed is refused in production (NODE_ENV=production)\n',
    });
    expect(await refused(['-r', 'ts-node/register/transpile-only', 'src/main.ts', '--demo'], process.execPath)).toEqual({
      code: 1,
      stderr: 'Configuration error: --demo (demo data) is refused in production (NODE_ENV=production)\n',
    });
  });
});

describe('npm start -- --demo', () => {
  it('seeds an empty development database and prints the tokens', async () => {
    const db = await createTestDatabase();
    // main.ts under ts-node: what `npm start -- --demo` runs once compiled (the shutdown test covers the build).
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts', '--demo'], {
      cwd: root,
      env: baseEnv(db.url, { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          const m = /"graphql":"(http:\/\/[^"]+)\/graphql"/.exec(output);
          if (m) resolve(m[1]!.replace('localhost', '127.0.0.1'));
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.on('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
      });
      expect(output).toMatch(/Demo data ready\. Tokens/);
      expect(Object.keys(tokensOf(output))).toContain('admin');
      const found = (await gql(url, SEARCH)).advisors.edges.map((e: any) => e.node.displayName);
      expect(found.sort()).toEqual(['Lena Vogel', 'Maya Chen', 'Omar Haddad']);
    } finally {
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      await db.drop();
    }
  });
});
