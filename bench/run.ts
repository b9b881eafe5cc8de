/**
 * Benchmarks that print figures (npm run bench). Each runs against a real server on a scratch
 * database: DATABASE_URL's server when set, else an embedded PostgreSQL. Loops are bounded in
 * count and time and only talk to 127.0.0.1.
 *
 *   booking race      N simultaneous overlapping bookings of one advisor: rows, conflicts, time
 *   advisor search    requests/s and latency percentiles for a page of 20 (and the SQL per request)
 *   status fan-out    one committed change delivered to many WebSocket subscribers of one user
 */
import 'reflect-metadata';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import pino from 'pino';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createApp } from '../src/app';
import { signToken } from '../src/auth/token';
import { loadConfig } from '../src/config';
import { resolveDatabaseUrl } from '../src/db/database';

const log = pino({ level: 'warn' });
const arg = (name: string, fallback: number) => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.split('=')[1]) : fallback;
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  // Emails are only logged (as before .eml files existed): the bench measures the API, not the disk.
  const config = loadConfig({ EMAIL_TRANSPORT: 'log', ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'advisor-bench-'));
  const server = await resolveDatabaseUrl(config.databaseUrl, dir, log);
  const admin = new URL(server.url);
  admin.pathname = '/postgres';
  const dbName = `bench_${randomBytes(4).toString('hex')}`;
  const pg = new Client({ connectionString: admin.toString() });
  await pg.connect();
  await pg.query(`create database "${dbName}"`);
  const dbUrl = new URL(server.url);
  dbUrl.pathname = `/${dbName}`;
  let statements = 0;
  const app = await createApp({ config, databaseUrl: dbUrl.toString(), log, orm: { onQuery: (sql: string) => (statements++, sql) } });
  const url = await app.listen(0, '127.0.0.1');
  const token = async (roles: ('client' | 'advisor' | 'admin')[], givenName = 'Bench') => {
    const sub = randomUUID();
    return { sub, token: await signToken({ sub, email: `${sub.slice(0, 8)}@bench.example`, givenName, roles }, config.auth.jwtSecret) };
  };
  const gql = async (query: string, variables: unknown, tk?: string) => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(tk ? { authorization: `Bearer ${tk}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as { data?: any; errors?: { extensions?: { code?: string } }[] };
  };

  try {
    const boss = await token(['admin']);
    const makeAdvisor = async (i: number) => {
      const u = await token(['client'], `Adv${i}`);
      const r = await gql(
        'mutation($i: ApplyAsAdvisorInput!) { applyAsAdvisor(input: $i) { id } }',
        { i: { displayName: `Advisor ${i}`, bio: `Bio ${i}`, skills: ['react', `s${i % 7}`], languages: ['en'] } },
        u.token,
      );
      const id = r.data.applyAsAdvisor.id as string;
      await gql('mutation($id: ID!) { approveAdvisor(id: $id) { id } }', { id }, boss.token);
      return { id, user: u };
    };

    // ---------------------------------------------------------------- booking race
    const racers = arg('racers', 200);
    const target = await makeAdvisor(0);
    const clients = await Promise.all(Array.from({ length: racers }, () => token(['client'])));
    const start = new Date(Date.now() + 72 * 3_600_000);
    start.setUTCSeconds(0, 0);
    const t0 = performance.now();
    const results = await Promise.all(
      clients.map((c, i) =>
        gql(
          'mutation($i: BookConsultationInput!) { bookConsultation(input: $i) { consultation { id status } } }',
          {
            i: {
              advisorId: target.id,
              durationMinutes: 60,
              startTime: new Date(start.getTime() + (i % 6) * 10 * 60_000).toISOString(),
              paymentMethodId: 'pm_card_visa',
            },
          },
          c.token,
        ),
      ),
    );
    const raceMs = performance.now() - t0;
    const codes = new Map<string, number>();
    for (const r of results) {
      const code = r.errors?.[0]?.extensions?.code ?? 'OK';
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    const rows = await pg
      .query(`select count(*)::int as n from "${dbName}".public.consultations where advisor_id = $1`, [target.id])
      .catch(async () => {
        const c = new Client({ connectionString: dbUrl.toString() });
        await c.connect();
        const r = await c.query('select count(*)::int as n from consultations where advisor_id = $1', [target.id]);
        await c.end();
        return r;
      });
    console.log(
      `booking race: ${racers} simultaneous overlapping bookings -> ${rows.rows[0].n} consultation(s), outcomes ${JSON.stringify(Object.fromEntries(codes))}, ${raceMs.toFixed(0)} ms`,
    );

    // ---------------------------------------------------------------- advisor search
    const advisors = arg('advisors', 200);
    for (let i = 1; i < advisors; i += 20)
      await Promise.all(Array.from({ length: Math.min(20, advisors - i) }, (_, k) => makeAdvisor(i + k)));
    const searchQuery =
      'query { advisors(first: 20, filter: { skills: ["react"] }) { edges { cursor node { id displayName skills rating reviewCount } } pageInfo { hasNextPage endCursor } } }';
    const seconds = arg('seconds', 5);
    const concurrency = arg('concurrency', 16);
    await gql(searchQuery, {}); // warm up
    statements = 0;
    const latencies: number[] = [];
    const deadline = performance.now() + seconds * 1000;
    let errors = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < deadline) {
          const s = performance.now();
          const r = await gql(searchQuery, {});
          latencies.push(performance.now() - s);
          if (r.errors || r.data?.advisors?.edges?.length !== 20) errors++;
        }
      }),
    );
    latencies.sort((a, b) => a - b);
    console.log(
      `advisor search: ${(latencies.length / seconds).toFixed(0)} req/s over ${seconds} s at concurrency ${concurrency} (${advisors} advisors, page of 20), ` +
        `p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, ` +
        `${(statements / latencies.length).toFixed(2)} SQL statements per request, ${errors} errors`,
    );

    // ---------------------------------------------------------------- status fan-out
    const subscribers = arg('subscribers', 500);
    const fan = await makeAdvisor(99_999);
    const watcher = await token(['client'], 'Watcher');
    const before = app.ws.activeSubscriptions;
    let received = 0;
    const arrivals: number[] = [];
    let sentAt = 0;
    const sockets = Array.from({ length: subscribers }, () => {
      const client = createClient({
        url: `${url.replace('http', 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${watcher.token}` },
        retryAttempts: 0,
      });
      client.subscribe(
        { query: 'subscription { consultationStatusChanged { status consultation { id } } }' },
        {
          next: (v) => {
            if ((v.data as any)?.consultationStatusChanged?.status === 'SCHEDULED') {
              received++;
              arrivals.push(performance.now() - sentAt);
            }
          },
          error: () => {},
          complete: () => {},
        },
      );
      return client;
    });
    await app.ws.waitForSubscribers(before + subscribers, 60_000);
    const rss = process.memoryUsage().rss;
    sentAt = performance.now();
    await gql(
      'mutation($i: BookConsultationInput!) { bookConsultation(input: $i) { consultation { id } } }',
      {
        i: {
          advisorId: fan.id,
          durationMinutes: 30,
          startTime: new Date(start.getTime() + 7 * 86_400_000).toISOString(),
          paymentMethodId: 'pm_card_visa',
        },
      },
      watcher.token,
    );
    const until = performance.now() + 30_000;
    while (received < subscribers && performance.now() < until) await new Promise((r) => setTimeout(r, 10));
    arrivals.sort((a, b) => a - b);
    console.log(
      `status fan-out: 1 change to ${subscribers} subscribers of one user: ${received} delivered, p50 ${percentile(arrivals, 50).toFixed(0)} ms, ` +
        `p99 ${percentile(arrivals, 99).toFixed(0)} ms after the mutation was sent (process RSS ${(rss / 1_048_576).toFixed(0)} MiB with them connected)`,
    );
    await Promise.all(sockets.map((s) => s.dispose()));
  } finally {
    await app.close();
    await pg.query(`drop database if exists "${dbName}" with (force)`);
    await pg.end();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
