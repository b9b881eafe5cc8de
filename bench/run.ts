/**
 * Benchmarks that print figures (npm run bench). Each runs against a real server on a scratch
 * database: DATABASE_URL's server when set, else an embedded PostgreSQL. Loops are bounded in
 * count and time and only talk to 127.0.0.1.
 *
 *   booking race      N simultaneous overlapping bookings of one advisor: rows, conflicts, time
 *   bookings          uncontended bookings/s, server CPU each  beside a trivial authenticated mutation (simulator out of process)
 *   advisor search    requests/s, p50/p99, SQL    beside bare graphql-js over HTTP with the same schema
 *   status fan-out    one change to S subscribers beside raw LISTEN/NOTIFY through pg
 *   status stream     R changes/s over C consultations x K subscribers beside raw NOTIFY at R/s
 *   generatePayouts   N advisors x M entries      beside one INSERT ... SELECT (rolled back)
 *   start-up          production start, idle RSS  beside plain node starting an http server (bench/startup.ts)
 *
 * HTTP load comes from bench/load.ts in a forked process; WebSocket subscribers from bench/subscribers.ts
 * and status changes from bench/stream-producer.ts (another app instance), so the server process
 * does the fan-out alone; latencies across processes use performance.timeOrigin + now(). Flags:
 * --profile-stream, --profile-bookings and --profile-fanout write the server's CPU profile of that section, --stream-lifecycle makes its
 * changes through the whole lifecycle. Each figure is printed beside its
 * anchor from the same run with os.loadavg(), and all are written to bench/results/<time>.json.
 */
import 'reflect-metadata';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import inspector from 'node:inspector';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import pino from 'pino';
import { fork } from 'node:child_process';
import { execute, parse, validate, type DocumentNode } from 'graphql';
import { createApp } from '../src/app';
import { EVENTS_CHANNEL } from '../src/events/pg-pubsub';
import { signToken } from '../src/auth/token';
import { loadConfig } from '../src/config';
import { currentLogScope } from '../src/logging';
import { resolveDatabaseUrl } from '../src/db/database';
import { OPERATOR } from '../src/common/actor';
import { GrantedRole } from '../src/modules/user/user-role.entity';
import { ConsultationStatus } from '../src/modules/consultation/consultation.entity';
import { consultationRepository } from '../src/modules/consultation/consultation.repository';
import { ActorKind } from '../src/modules/consultation/consultation.entity';
import { StripeSimulatorControl } from '../src/payments/stripe-simulator';
import { createSchema } from '../src/schema';
import { createContext } from '../src/server';
import type { LoadJob, LoadReport } from './load';
import { measureStartup } from './startup';
import type { ProducerJob, ProducerReport } from './stream-producer';
import type { SubscribersMessage, SubscribersReply } from './subscribers';

const log = pino({ level: 'warn' });
const arg = (name: string, fallback: number) => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.split('=')[1]) : fallback;
};

/**
 * With --profile-<section>, this process's (the server's) CPU profile of one section of the run,
 * written to bench/results/<time>-<section>.cpuprofile when stopped; without it, nothing.
 */
async function startProfile(section: string): Promise<{ stop(): Promise<void> }> {
  if (!process.argv.includes(`--profile-${section}`)) return { stop: async () => undefined };
  const session = new inspector.Session();
  const post = (method: string, params?: object) =>
    new Promise<any>((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
  session.connect();
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  await post('Profiler.start');
  return {
    async stop() {
      const { profile } = await post('Profiler.stop');
      const file = path.join(__dirname, 'results', `${new Date().toISOString().replace(/[:.]/g, '-')}-${section}.cpuprofile`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
      console.log(`  server CPU profile of the ${section}: ${path.relative(process.cwd(), file)}`);
    },
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

interface Stats {
  count: number;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

function stats(latencies: number[], elapsedMs: number, errors = 0): Stats {
  const sorted = [...latencies].sort((a, b) => a - b);
  const r = (n: number) => Math.round(n * 10) / 10;
  return {
    count: sorted.length,
    perSecond: r(sorted.length / (elapsedMs / 1000)),
    p50: r(percentile(sorted, 50)),
    p99: r(percentile(sorted, 99)),
    errors,
  };
}

/** Milliseconds of this process's CPU (user + system) per request since `since`. */
function cpuMsPer(since: NodeJS.CpuUsage, requests: number): number {
  const used = process.cpuUsage(since);
  return Math.round(((used.user + used.system) / 1000 / Math.max(1, requests)) * 100) / 100;
}

/** A clock all bench processes share, for latencies measured across them. */
const sharedNow = () => performance.timeOrigin + performance.now();

const load = () => os.loadavg().map((n) => Math.round(n * 100) / 100);
const show = (s: Stats) => `${s.perSecond}/s, p50 ${s.p50} ms, p99 ${s.p99} ms (n=${s.count}, ${s.errors} errors)`;

/** Runs one load job in a forked bench/load.ts; the child is killed if it overstays its time. */
function loadFromChild(job: LoadJob): Promise<LoadReport> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, 'load.ts'), [], { execArgv: ['--require', 'ts-node/register/transpile-only'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), (job.seconds + 60) * 1000);
    child.once('message', (report) => {
      clearTimeout(timer);
      resolve(report as LoadReport);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`load generator exited with ${code} before reporting`));
    });
    child.send(job);
  });
}

const childExecArgv = ['--require', 'ts-node/register/transpile-only'];

/** Runs one job in a forked bench/stream-producer.ts (another app instance on the same database). */
function produceFromChild(job: ProducerJob): Promise<ProducerReport> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, 'stream-producer.ts'), [], { execArgv: childExecArgv });
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.once('message', (report) => {
      clearTimeout(timer);
      resolve(report as ProducerReport);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`status producer exited with ${code} before reporting`));
    });
    child.send(job);
  });
}

/** WebSocket subscribers in a forked bench/subscribers.ts: opened, then asked for their arrivals once. */
async function subscribersInChild(open: Extract<SubscribersMessage, { type: 'open' }>) {
  const child = fork(path.join(__dirname, 'subscribers.ts'), [], { execArgv: childExecArgv });
  const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ask = (msg: SubscribersMessage) =>
    new Promise<SubscribersReply>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`subscribers exited with ${code} before answering`));
      child.once('exit', onExit);
      child.once('message', (reply) => {
        child.off('exit', onExit);
        resolve(reply as SubscribersReply);
      });
      child.send(msg);
    });
  await ask(open);
  return {
    /** The arrivals once `expected` came in (or the timeout passed); the child then closes its sockets and exits. */
    async collect(expected: number, timeoutMs: number) {
      const reply = await ask({ type: 'collect', expected, timeoutMs });
      await exited;
      clearTimeout(timer);
      if (reply.type !== 'report') throw new Error('subscribers answered out of turn');
      return reply;
    },
  };
}

interface Figure {
  figure: string;
  value: unknown;
  anchor: string;
  anchorValue: unknown;
  /** figure / anchor, in the sense where 1 means as good as the anchor. */
  ratio: number;
  loadavg: number[];
}

/** The Stripe simulator in a process of its own, so that the server's CPU figures are the server's. */
function simulatorProcess(): Promise<{ url: string; stop: () => void }> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, '..', 'scripts', 'stripe-simulator.ts'), ['--port', '0'], {
      execArgv: ['--require', 'ts-node/register/transpile-only'],
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const hit = /listening at (\S+)/.exec(out);
      if (hit) resolve({ url: hit[1]!, stop: () => child.kill('SIGTERM') });
    });
    child.once('exit', (code) => reject(new Error(`the Stripe simulator exited with ${code}`)));
  });
}

async function main(): Promise<void> {
  // Stripe as configured, else the simulator out of process (not the in-process one of tests).
  const simulator = process.env.STRIPE_SECRET_KEY || process.env.STRIPE_API_BASE ? null : await simulatorProcess();
  // Emails are only logged (as before .eml files existed): the bench measures the API, not the disk.
  // Rate limits off: the load generator is one IP hammering on purpose.
  const config = loadConfig({
    EMAIL_TRANSPORT: 'log',
    ...process.env,
    ...(simulator ? { STRIPE_API_BASE: simulator.url } : {}),
    RATE_LIMITS: 'off',
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
  });
  const figures: Figure[] = [];
  const startedAt = new Date();
  const loadAtStart = load();
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
  // Statements not sent by a job: the search's SQL per request, without the jobs earlier sections queued.
  let requestStatements = 0;
  const onQuery = (sql: string) => {
    if (!currentLogScope()?.task) requestStatements++;
    return sql;
  };
  // Every statement this process sends, by who sends it: requests (the API), jobs (our tasks), and
  // the queue itself (graphile-worker taking and completing jobs, heartbeats).
  const sqlSent = { requests: 0, jobs: 0, queue: 0 };
  const query = Client.prototype.query;
  Client.prototype.query = function (this: Client, ...args: unknown[]) {
    const scope = currentLogScope();
    if (scope?.task) sqlSent.jobs++;
    else if (scope?.reqId) sqlSent.requests++;
    else sqlSent.queue++;
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof Client.prototype.query;
  const app = await createApp({ config, databaseUrl: dbUrl.toString(), log, orm: { onQuery } });
  const url = await app.listen(0, '127.0.0.1');
  if (simulator)
    await new StripeSimulatorControl(simulator.url).setWebhookTarget({
      url: `${url}/webhooks/stripe`,
      secret: config.stripe.webhookSecret,
    });
  const token = async (roles: ('client' | 'advisor' | 'admin')[], givenName = 'Bench') => {
    const sub = randomUUID();
    const claims = { sub, email: `${sub.slice(0, 8)}@bench.example`, givenName, roles };
    // A token makes nobody an admin: the role is granted in the database, as the operator would.
    if (roles.includes('admin')) {
      await app.services.users.syncFromClaims(app.services.orm.em.fork(), { ...claims, familyName: null });
      await app.services.roles.grant(OPERATOR, sub, GrantedRole.ADMIN, 'bench');
    }
    return { sub, token: await signToken(claims, config.auth.jwtSecret) };
  };
  const dbClient = new Client({ connectionString: dbUrl.toString() });
  await dbClient.connect();
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
    // Signed in first (a first request creates the user's row): the race is the bookings alone.
    for (let i = 0; i < clients.length; i += 50)
      await Promise.all(clients.slice(i, i + 50).map((c) => gql('query { myEmailPreferences { __typename } }', {}, c.token)));
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
    // The anchor: as many trivial authenticated requests at once, from the same clients.
    const r0 = performance.now();
    await Promise.all(clients.map((c) => gql('query { myEmailPreferences { __typename } }', {}, c.token)));
    const raceAnchorMs = performance.now() - r0;
    console.log(`  anchor ${racers} trivial authenticated requests at once: ${raceAnchorMs.toFixed(0)} ms`);

    // ---------------------------------------------------------------- bookings beside a trivial authenticated query
    const seconds = arg('seconds', 5);
    const concurrency = arg('concurrency', 16);
    const booker = await token(['client'], 'Booker');
    const trivialQuery = 'query { myEmailPreferences { __typename } }';
    await gql(trivialQuery, {}, booker.token); // signs the booker in
    const trivialLoad = load();
    const trivial = await loadFromChild({ url, token: booker.token, query: trivialQuery, concurrency, seconds });
    const trivialStats = stats(trivial.latencies, trivial.elapsedMs, trivial.errors);
    // The issue's anchor: a trivial authenticated mutation (email preferences left as they are).
    const trivialMutation = 'mutation { setEmailPreferences(input: {}) { __typename } }';
    const mutationCpu = process.cpuUsage();
    const mutated = await loadFromChild({ url, token: booker.token, query: trivialMutation, concurrency, seconds });
    const mutationStats = stats(mutated.latencies, mutated.elapsedMs, mutated.errors);
    const mutationCpuMs = cpuMsPer(mutationCpu, mutated.latencies.length);
    // Uncontended: every booking its own 30-minute slot (clients never overlap themselves either), spread over a few advisors.
    const bookable = await Promise.all(Array.from({ length: 8 }, (_, i) => makeAdvisor(1000 + i)));
    const slotsEach = 250;
    const bookingVars = Array.from({ length: bookable.length * slotsEach }, (_, n) => ({
      i: {
        advisorId: bookable[n % bookable.length]!.id,
        durationMinutes: 30,
        startTime: new Date(start.getTime() + 86_400_000 + n * 30 * 60_000).toISOString(),
        paymentMethodId: 'pm_card_visa',
      },
    }));
    // Many clients, each signed in first: one client's bookings queue on its hold lock and hold limit.
    const bookers = await Promise.all(Array.from({ length: 64 }, () => token(['client'], 'Booker')));
    for (const c of bookers) await gql(trivialQuery, {}, c.token);
    const bookingLoad = load();
    const bookingProfile = await startProfile('bookings');
    const bookingCpu = process.cpuUsage();
    const sentBefore = { ...sqlSent };
    const booked = await loadFromChild({
      url,
      tokens: bookers.map((c) => c.token),
      query: 'mutation($i: BookConsultationInput!) { bookConsultation(input: $i) { consultation { id status } } }',
      concurrency,
      seconds,
      variablesList: bookingVars,
    });
    // Server CPU: this process runs the server (the load, the simulator and the webhooks' sender are
    // elsewhere); jobs the bookings queued that run during the window count too.
    const bookingCpuMs = cpuMsPer(bookingCpu, booked.latencies.length);
    await bookingProfile.stop();
    // What the bookings left behind (the simulator's webhooks, the emails' jobs) runs now, before
    // the next section, so that it neither slows that section nor goes uncounted.
    const drainCpu = process.cpuUsage();
    const drainStarted = performance.now();
    if (simulator) await new StripeSimulatorControl(simulator.url).flushWebhooks();
    let polls = 0;
    for (let waited = 0; waited < 180_000; waited += 100) {
      polls++;
      const { rows: due } = await dbClient.query<{ n: number }>(
        `select count(*)::int as n from graphile_worker.jobs where run_at <= now() and attempts < max_attempts`,
      );
      if (due[0]!.n === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const drainMs = Math.round(performance.now() - drainStarted);
    const drainCpuMs = cpuMsPer(drainCpu, booked.latencies.length);
    sqlSent.queue -= polls; // this loop's own, not the server's
    const perBooking = (k: keyof typeof sqlSent) =>
      Number(((sqlSent[k] - sentBefore[k]) / Math.max(1, booked.latencies.length)).toFixed(1));
    const bookingSql = { requests: perBooking('requests'), jobs: perBooking('jobs'), queue: perBooking('queue') };
    const bookingStats = stats(booked.latencies, booked.elapsedMs, booked.errors);
    figures.push({
      figure: `uncontended bookings through GraphQL, concurrency ${concurrency}, ${seconds} s, ${bookingCpuMs} ms server CPU per booking`,
      value: {
        ...bookingStats,
        cpuMsPerBooking: bookingCpuMs,
        sqlPerBooking: bookingSql,
        afterWindow: { ms: drainMs, cpuMsPerBooking: drainCpuMs },
      },
      anchor: 'trivial authenticated mutation (setEmailPreferences, nothing changed), same concurrency',
      anchorValue: { ...mutationStats, cpuMsPerRequest: mutationCpuMs },
      ratio: bookingStats.perSecond / mutationStats.perSecond,
      loadavg: bookingLoad,
    });
    console.log(
      `bookings: ${show(bookingStats)}, ${bookingCpuMs} ms server CPU each ${JSON.stringify(booked.codes)}  load ${bookingLoad.join(' ')}`,
    );
    console.log(
      `  SQL sent per booking by this process: requests ${bookingSql.requests}, jobs ${bookingSql.jobs}, the job queue itself ${bookingSql.queue} (webhooks and jobs included, also those after the window)`,
    );
    console.log(
      `  after the window, the webhooks and jobs the bookings left took ${drainMs} ms and ${drainCpuMs} ms server CPU per booking more`,
    );
    console.log(`  anchor trivial authenticated mutation: ${show(mutationStats)}, ${mutationCpuMs} ms server CPU each`);
    console.log(`  trivial authenticated query: ${show(trivialStats)}  load ${trivialLoad.join(' ')}`);

    // ---------------------------------------------------------------- advisor search beside bare graphql-js
    const advisors = arg('search-advisors', 200);
    const reviewsEach = arg('search-reviews', 3);
    for (let i = 1; i < advisors; i += 20)
      await Promise.all(Array.from({ length: Math.min(20, advisors - i) }, (_, k) => makeAdvisor(i + k)));
    // The issue's page is 20 advisors with their reviews: completed consultations and reviews are
    // written straight to the tables (the review flow itself is not what this figure measures).
    const reviewer = await token(['client'], 'Reviewer');
    await app.services.users.syncFromClaims(app.services.orm.em.fork(), {
      sub: reviewer.sub,
      email: `${reviewer.sub.slice(0, 8)}@bench.example`,
      givenName: 'Reviewer',
      familyName: null,
      roles: ['client'],
    });
    await dbClient.query(
      `with c as (
         insert into consultations (id, advisor_id, client_id, start_time, end_time, duration_minutes, status,
           price_cents, platform_fee_cents, advisor_earnings_cents, pricing_snapshot)
         select gen_random_uuid(), a.id, $1, now() - n * interval '1 day', now() - n * interval '1 day' + interval '30 minutes', 30,
           'completed', 5000, 1000, 4000, '{}'::jsonb
         from advisors a cross join generate_series(1, $2::int) n
         where a.approval_status = 'approved' and a.display_name like 'Advisor %'
         returning id, advisor_id, client_id, start_time
       ), r as (
         insert into advisor_reviews (id, advisor_id, client_id, consultation_id, rating, expertise_rating, communication_rating,
           helpfulness_rating, review_text, created_at)
         select gen_random_uuid(), advisor_id, client_id, id, 3 + (extract(day from start_time)::int % 3), 4, 5, 4,
           'Clear, practical advice on our React migration: we left with a plan, a reading list and answers to every question we brought. '
             || 'Would book again.',
           start_time + interval '1 hour'
         from c
         returning advisor_id, rating
       )
       update advisors a set rating_total = s.total, review_count = s.n, rating = s.total::double precision / s.n
       from (select advisor_id, sum(rating)::int as total, count(*)::int as n from r group by advisor_id) s
       where a.id = s.advisor_id`,
      [reviewer.sub, reviewsEach],
    );
    await dbClient.query('analyze advisors; analyze advisor_reviews');
    const searchQuery = `query {
      advisors(first: 20, filter: { skills: ["react"] }) {
        edges {
          cursor
          node {
            id displayName bio avatarUrl skills specialties languages countryCode rating reviewCount isAcceptingBookings createdAt
            reviews(first: ${reviewsEach}) { edges { cursor node { id rating expertiseRating communicationRating helpfulnessRating text reviewerFirstName createdAt } } }
          }
        }
        pageInfo { hasNextPage endCursor }
      }
    }`;
    const sample = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: searchQuery, variables: {} }),
    });
    const sampleText = await sample.text();
    const sampleBody = JSON.parse(sampleText) as { data?: any; errors?: unknown[] };
    if (sampleBody.errors) throw new Error(`search failed: ${JSON.stringify(sampleBody.errors)}`);
    const responseKb = Buffer.byteLength(sampleText) / 1024;
    const pageShape = `${sampleBody.data.advisors.edges.length} advisors, ${reviewsEach} reviews each, ${responseKb.toFixed(1)} KB`;
    // The anchor: graphql-js alone over the project's schema, with the context the server builds,
    // served over HTTP (node:http, document parsed and validated once) to the same forked load
    // generator, so that both figures pay for HTTP, JSON and the loopback alike.
    const schema = await createSchema(app.pubsub);
    const documents = new Map<string, DocumentNode>();
    const bareServer = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query: string; variables?: Record<string, unknown> };
          let document = documents.get(body.query);
          if (!document) {
            document = parse(body.query);
            const invalid = validate(schema, document);
            if (invalid.length) throw invalid[0];
            documents.set(body.query, document);
          }
          const contextValue = await createContext(app.services, req.headers.authorization, randomUUID());
          const result = await execute({ schema, document, contextValue, variableValues: body.variables });
          const json = JSON.stringify(result);
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
          res.end(json);
        })().catch((err: unknown) => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ errors: [{ message: String(err) }] }));
        });
      });
    });
    await new Promise<void>((resolve) => bareServer.listen(0, '127.0.0.1', resolve));
    const bareUrl = `http://127.0.0.1:${(bareServer.address() as AddressInfo).port}`;
    // Server and anchor take turns, `rounds` times each, so that a change in the shared machine's
    // load between the two shows in both rather than in the ratio.
    const rounds = Math.max(1, arg('search-rounds', 3));
    const merge = (into: LoadReport, r: LoadReport) => {
      into.latencies.push(...r.latencies);
      into.errors += r.errors;
      into.elapsedMs += r.elapsedMs;
    };
    const searched: LoadReport = { latencies: [], errors: 0, codes: {}, elapsedMs: 0 };
    const bareHttp: LoadReport = { latencies: [], errors: 0, codes: {}, elapsedMs: 0 };
    const searchLoad = load();
    requestStatements = 0;
    let searchStatements = 0;
    for (let round = 0; round < rounds; round++) {
      const before = requestStatements;
      merge(searched, await loadFromChild({ url, query: searchQuery, concurrency, seconds: seconds / rounds }));
      searchStatements += requestStatements - before;
      merge(bareHttp, await loadFromChild({ url: bareUrl, query: searchQuery, concurrency, seconds: seconds / rounds }));
    }
    const bareLoad = load();
    const searchStats = stats(searched.latencies, searched.elapsedMs, searched.errors);
    const bareStats = stats(bareHttp.latencies, bareHttp.elapsedMs, bareHttp.errors);
    const perRequest = searchStatements / Math.max(1, searched.latencies.length);
    await new Promise((resolve) => bareServer.close(resolve));

    // The former anchor, kept for reference: execute in-process, no HTTP at all (not comparable).
    const document = parse(searchQuery);
    const inProcess: number[] = [];
    let inProcessErrors = 0;
    const inProcessLoad = load();
    const b0 = performance.now();
    const inProcessDeadline = b0 + seconds * 1000;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < inProcessDeadline && inProcess.length < 100_000) {
          const s = performance.now();
          const contextValue = await createContext(app.services, undefined, randomUUID());
          const r = await execute({ schema, document, contextValue });
          JSON.stringify(r);
          inProcess.push(performance.now() - s);
          if (r.errors) inProcessErrors++;
        }
      }),
    );
    const inProcessStats = stats(inProcess, performance.now() - b0, inProcessErrors);
    figures.push({
      figure: `advisor search, page of ${pageShape} (${advisors} advisors), concurrency ${concurrency}, ${perRequest.toFixed(2)} SQL/request`,
      value: searchStats,
      anchor: 'bare graphql-js over HTTP (node:http, cached document) with the same schema and context, same load generator',
      anchorValue: bareStats,
      ratio: searchStats.perSecond / bareStats.perSecond,
      loadavg: searchLoad,
    });
    console.log(
      `advisor search (${pageShape}), ${rounds} rounds taking turns with the anchor: ${show(searchStats)}, ${perRequest.toFixed(2)} SQL/request  load ${searchLoad.join(' ')}`,
    );
    console.log(`  anchor bare graphql-js over HTTP: ${show(bareStats)}  load ${bareLoad.join(' ')}`);
    console.log(`  (in-process execute + JSON.stringify, no HTTP: ${show(inProcessStats)}  load ${inProcessLoad.join(' ')})`);

    // ---------------------------------------------------------------- status fan-out beside raw LISTEN/NOTIFY
    // The sockets live in a forked process (bench/subscribers.ts), so the server process does the
    // fan-out alone. That process also LISTENs itself: the event's arrival at its bare listener,
    // beside its arrival through the server, is the fan-out apart from the booking in front of it.
    const subscribers = arg('subscribers', 500);
    const fan = await makeAdvisor(99_999);
    const watcher = await token(['client'], 'Watcher');
    const before = app.ws.activeSubscriptions;
    // RSS deltas mean little while garbage from earlier sections waits to be collected.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const settled = () => (gc(), process.memoryUsage());
    const perSubscriber = (a: NodeJS.MemoryUsage, b: NodeJS.MemoryUsage, n: number) => ({
      rssKb: Math.round((b.rss - a.rss) / n / 1024),
      heapKb: Math.round((b.heapUsed + b.external - a.heapUsed - a.external) / n / 1024),
    });
    const wsUrl = `${url.replace('http', 'ws')}/graphql`;
    const eventsListen = { databaseUrl: dbUrl.toString(), channel: EVENTS_CHANNEL };
    const memBeforeFan = settled();
    const fanClients = await subscribersInChild({
      type: 'open',
      wsUrl,
      subscriptions: Array.from({ length: subscribers }, () => ({
        token: watcher.token,
        query: 'subscription { consultationStatusChanged { status consultation { id } } }',
      })),
      listen: eventsListen,
    });
    await app.ws.waitForSubscribers(before + subscribers, 60_000);
    const memFan = settled();
    const rss = memFan.rss;
    // The server's side only: the clients are in another process.
    const kbPerSubscriber = perSubscriber(memBeforeFan, memFan, subscribers);
    const fanLoad = load();
    const fanProfile = await startProfile('fanout');
    const sentAt = sharedNow();
    const fanBooked = await gql(
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
    const mutationMs = sharedNow() - sentAt;
    // A booking announces itself twice (held, then paid); the paid one is the figure.
    const fanKey = `${fanBooked.data?.bookConsultation?.consultation?.id}:SCHEDULED`;
    const fanReport = await fanClients.collect(2 * subscribers, 30_000);
    await fanProfile.stop();
    const fanArrivals = fanReport.arrivals.filter(([key]) => key === fanKey).map(([, at]) => at);
    const fanNotified = new Map(fanReport.notified).get(fanKey);
    const received = fanArrivals.length;
    const fanStats = stats(
      fanArrivals.map((at) => at - sentAt),
      1000,
    );
    const fanOutStats = stats(fanNotified === undefined ? [] : fanArrivals.map((at) => at - fanNotified), 1000);
    for (let waited = 0; app.ws.activeSubscriptions > before && waited < 10_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    // The anchor: a pg client LISTENs, another NOTIFYs, 200 times 5 ms apart; latency to arrival.
    const listener = new Client({ connectionString: dbUrl.toString() });
    await listener.connect();
    await listener.query('listen bench_anchor');
    const sent = new Map<string, number>();
    const raw: number[] = [];
    listener.on('notification', (m) => {
      const at = sent.get(m.payload ?? '');
      if (at !== undefined) raw.push(performance.now() - at);
    });
    const rawLoad = load();
    for (let n = 0; n < 200; n++) {
      sent.set(String(n), performance.now());
      await dbClient.query(`select pg_notify('bench_anchor', $1)`, [String(n)]);
      await new Promise((r) => setTimeout(r, 5));
    }
    const rawUntil = performance.now() + 5_000;
    while (raw.length < 200 && performance.now() < rawUntil) await new Promise((r) => setTimeout(r, 10));
    await listener.end();
    const rawStats = stats(raw, 1000);
    figures.push({
      figure: `one change to ${subscribers} subscribers of one user, latency from the mutation (${received} delivered)`,
      value: {
        p50: fanStats.p50,
        p99: fanStats.p99,
        delivered: received,
        expected: subscribers,
        mutationMs: Math.round(mutationMs),
        fromNotify: { p50: fanOutStats.p50, p99: fanOutStats.p99 },
        rssMiB: Math.round(rss / 1_048_576),
        kbPerSubscriber,
      },
      anchor: 'raw NOTIFY -> LISTEN through pg, 200 notifications',
      anchorValue: { p50: rawStats.p50, p99: rawStats.p99, count: rawStats.count },
      ratio: rawStats.p99 / fanStats.p99,
      loadavg: fanLoad,
    });
    console.log(
      `status fan-out: ${received}/${subscribers} delivered, p50 ${fanStats.p50} ms, p99 ${fanStats.p99} ms from the mutation (which took ${mutationMs.toFixed(0)} ms); from the NOTIFY at a bare listener p50 ${fanOutStats.p50} ms, p99 ${fanOutStats.p99} ms (server RSS ${(rss / 1_048_576).toFixed(0)} MiB, ${kbPerSubscriber.rssKb} KB RSS, ${kbPerSubscriber.heapKb} KB heap per subscriber)  load ${fanLoad.join(' ')}`,
    );
    console.log(
      `  anchor raw LISTEN/NOTIFY: p50 ${rawStats.p50} ms, p99 ${rawStats.p99} ms (n=${rawStats.count})  load ${rawLoad.join(' ')}`,
    );

    // ---------------------------------------------------------------- status stream beside raw NOTIFY at the same rate
    // C consultations, each followed by K subscribers (half its client's sockets, half its advisor's),
    // and R status changes a second committed by another instance (bench/stream-producer.ts): each
    // consultation goes pending_payment -> scheduled -> in_progress -> completed, so 3C changes in all.
    // Latency is from that instance's COMMIT and, apart from NOTIFY's own delay, from the event's
    // arrival at a bare pg listener in the subscribers' process (the producer's stamps lag when it
    // is busy; the listener's do not depend on it).
    const rate = arg('stream-rate', 200);
    const streamConsultations = arg('stream-consultations', 200);
    const perConsultation = arg('stream-subscribers', 10);
    const changes = 3 * streamConsultations;
    const streamLifecycle = process.argv.includes('--stream-lifecycle');
    const streamAdvisors = await Promise.all(Array.from({ length: 20 }, (_, i) => makeAdvisor(200_000 + i)));
    const streamClients = await Promise.all(Array.from({ length: streamConsultations }, () => token(['client'], 'Streamer')));
    for (const c of streamClients)
      await app.services.users.syncFromClaims(app.services.orm.em.fork(), {
        sub: c.sub,
        email: `${c.sub.slice(0, 8)}@bench.example`,
        givenName: 'Streamer',
        familyName: null,
        roles: ['client'],
      });
    const streamStart = new Date(start.getTime() + 30 * 86_400_000);
    const followed: { id: string; client: string; advisor: string }[] = [];
    for (let i = 0; i < streamConsultations; i++) {
      const adv = streamAdvisors[i % streamAdvisors.length]!;
      const at = new Date(streamStart.getTime() + Math.floor(i / streamAdvisors.length) * 3_600_000);
      const id = randomUUID();
      await app.services.orm.em.fork().transactional((em) =>
        consultationRepository.insertHold(
          em,
          {
            id,
            advisorId: adv.id,
            clientId: streamClients[i]!.sub,
            projectId: null,
            calBookingId: null,
            startTime: at,
            endTime: new Date(at.getTime() + 30 * 60_000),
            durationMinutes: 30,
            priceCents: 5000,
            platformFeeCents: 1000,
            advisorEarningsCents: 4000,
            currency: 'USD',
            locale: null,
            clientTimezone: null,
            pricingSnapshot: {
              sku: 'bench-30',
              currency: 'USD',
              rateCents: 5000,
              platformFeeCents: 1000,
              advisorEarningsCents: 4000,
              advisorShareBps: 8000,
            },
            paymentExpiresAt: new Date(Date.now() + 3_600_000),
          },
          {
            paymentIntentKey: `bench:${id}`,
            paymentMethodId: null,
            history: { actorKind: ActorKind.SYSTEM, actorId: null },
            limit: { since: new Date(), lapsedReason: 'bench', max: 1_000_000 },
          },
        ),
      );
      followed.push({ id, client: streamClients[i]!.token, advisor: adv.user.token });
    }
    const streamBefore = app.ws.activeSubscriptions;
    const memBeforeStream = settled();
    const streamSockets = await subscribersInChild({
      type: 'open',
      wsUrl,
      subscriptions: followed.flatMap((f) =>
        Array.from({ length: perConsultation }, (_, k) => ({
          token: k % 2 === 0 ? f.client : f.advisor,
          query: 'subscription($id: ID) { consultationStatusChanged(consultationId: $id) { status consultation { id } } }',
          variables: { id: f.id },
        })),
      ),
      listen: eventsListen,
    });
    const streamSubscribers = streamConsultations * perConsultation;
    await app.ws.waitForSubscribers(streamBefore + streamSubscribers, 120_000);
    const streamKbPerSubscriber = perSubscriber(memBeforeStream, settled(), streamSubscribers);
    const steps = [ConsultationStatus.SCHEDULED, ConsultationStatus.IN_PROGRESS, ConsultationStatus.COMPLETED];
    // The changes come from another app instance in a forked process: this one only fans out.
    const profile = await startProfile('stream');
    const streamLoad = load();
    const streamCpu = process.cpuUsage();
    const streamT0 = performance.now();
    const produced = await produceFromChild({
      kind: 'changes',
      databaseUrl: dbUrl.toString(),
      rate,
      lifecycle: streamLifecycle,
      changes: Array.from({ length: changes }, (_, n) => ({
        id: followed[n % streamConsultations]!.id,
        to: steps[Math.floor(n / streamConsultations)]!,
      })),
    });
    const failedChanges = produced.failed;
    const expectedDeliveries = (changes - failedChanges) * perConsultation;
    const streamReport = await streamSockets.collect(expectedDeliveries, 15_000);
    // Where the 2 cores went: this process (the fan-out) and the subscribers' process, each as a
    // share of one core over the stream (the producer and PostgreSQL have the rest).
    const serverUsed = process.cpuUsage(streamCpu);
    const cpuShare = {
      server: Number(((serverUsed.user + serverUsed.system) / 1000 / (performance.now() - streamT0)).toFixed(2)),
      subscribers: streamReport.busy ? Number((streamReport.busy.cpuMs / streamReport.busy.wallMs).toFixed(2)) : null,
    };
    const streamLoadAfter = load();
    await profile.stop();
    const committedAt = new Map(produced.committed);
    const notifiedAt = new Map(streamReport.notified);
    const afterCommit: number[] = [];
    const afterNotify: number[] = [];
    for (const [key, at] of streamReport.arrivals) {
      const committed = committedAt.get(key);
      if (committed !== undefined) afterCommit.push(at - committed);
      const notified = notifiedAt.get(key);
      if (notified !== undefined) afterNotify.push(at - notified);
    }
    // The bare listener's own delay from commit: what NOTIFY costs before any fan-out.
    const listenerAfterCommit = [...notifiedAt].flatMap(([key, at]) => {
      const committed = committedAt.get(key);
      return committed === undefined ? [] : [at - committed];
    });
    // p99 from the NOTIFY by fifth of the stream, in commit order: rising means a growing backlog
    // (the server keeps up with less than the rate), flat means each event simply costs that long.
    const notifyOrder = [...notifiedAt.keys()];
    const fifthOf = new Map(notifyOrder.map((key, i) => [key, Math.floor((5 * i) / notifyOrder.length)]));
    const byFifth = Array.from({ length: 5 }, () => [] as number[]);
    for (const [key, at] of streamReport.arrivals) {
      const notified = notifiedAt.get(key);
      if (notified !== undefined) byFifth[fifthOf.get(key)!]!.push(at - notified);
    }
    const p99ByFifth = byFifth.map((l) => stats(l, 1).p99);
    const streamMs = produced.elapsedMs;
    const streamStats = stats(afterCommit, streamMs);
    const fanOutStreamStats = stats(afterNotify, streamMs);
    const listenerStats = stats(listenerAfterCommit, streamMs);
    // The server ends those operations shortly after; not while the anchor runs.
    for (let waited = 0; app.ws.activeSubscriptions > streamBefore && waited < 10_000; waited += 20)
      await new Promise((r) => setTimeout(r, 20));
    // The anchor: the same number of NOTIFYs at the same rate, from a forked process as the changes
    // were; latency to arrival at a pg listener here.
    const streamListener = new Client({ connectionString: dbUrl.toString() });
    await streamListener.connect();
    await streamListener.query('listen bench_stream_anchor');
    const rawStream: number[] = [];
    streamListener.on('notification', (m) => {
      const at = Number((m.payload ?? '').split(' ')[1]);
      if (Number.isFinite(at)) rawStream.push(sharedNow() - at);
    });
    const rawStreamLoad = load();
    const rawProduced = await produceFromChild({
      kind: 'raw',
      databaseUrl: dbUrl.toString(),
      rate,
      count: changes,
      channel: 'bench_stream_anchor',
    });
    const rawStreamUntil = performance.now() + 5_000;
    while (rawStream.length < changes && performance.now() < rawStreamUntil) await new Promise((r) => setTimeout(r, 10));
    await streamListener.end();
    const rawStreamStats = stats(rawStream, rawProduced.elapsedMs);
    figures.push({
      figure: `${changes} status changes at ${rate}/s from another instance (${streamLifecycle ? 'lifecycle' : 'row and event only'}) over ${streamConsultations} consultations x ${perConsultation} subscribers (${streamSubscribers}), latency from commit`,
      value: {
        p50: streamStats.p50,
        p99: streamStats.p99,
        delivered: streamReport.arrivals.length,
        expected: expectedDeliveries,
        fromNotify: { p50: fanOutStreamStats.p50, p99: fanOutStreamStats.p99, p99ByFifth },
        bareListenerFromCommit: { p50: listenerStats.p50, p99: listenerStats.p99, count: listenerStats.count },
        changesPerSecond: Math.round((changes / streamMs) * 1000),
        cpuShare,
        failedChanges,
        kbPerSubscriber: streamKbPerSubscriber,
        loadavgAfter: streamLoadAfter,
      },
      anchor: `raw NOTIFY -> LISTEN through pg from a forked process, ${changes} at ${rate}/s`,
      anchorValue: { p50: rawStreamStats.p50, p99: rawStreamStats.p99, count: rawStreamStats.count },
      ratio: rawStreamStats.p99 / streamStats.p99,
      loadavg: streamLoad,
    });
    console.log(
      `status stream: ${changes} changes in ${(streamMs / 1000).toFixed(1)} s over ${streamSubscribers} subscribers: ${streamReport.arrivals.length}/${expectedDeliveries} delivered, p50 ${streamStats.p50} ms, p99 ${streamStats.p99} ms after commit; from the NOTIFY at a bare listener p50 ${fanOutStreamStats.p50} ms, p99 ${fanOutStreamStats.p99} ms, p99 by fifth ${p99ByFifth.join(' ')} (that listener: p50 ${listenerStats.p50} ms, p99 ${listenerStats.p99} ms after commit) (${streamKbPerSubscriber.rssKb} KB RSS, ${streamKbPerSubscriber.heapKb} KB heap per subscriber${failedChanges ? `, ${failedChanges} changes failed` : ''})  load ${streamLoad.join(' ')} -> ${streamLoadAfter.join(' ')}`,
    );
    console.log(
      `  CPU over the stream, as a share of one core: the server ${cpuShare.server}, the subscribers' process ${cpuShare.subscribers ?? '-'} (of 2 cores)`,
    );
    console.log(
      `  anchor raw NOTIFY at ${rate}/s from a forked process: p50 ${rawStreamStats.p50} ms, p99 ${rawStreamStats.p99} ms (n=${rawStreamStats.count})  load ${rawStreamLoad.join(' ')}`,
    );

    // ---------------------------------------------------------------- generatePayouts beside one INSERT ... SELECT
    const payees = arg('advisors', 1_000);
    const entries = arg('entries', 10_000);
    const now = new Date();
    const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
    const monthEnd = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    const monthKey = monthStart.toISOString().slice(0, 7);
    const s0 = performance.now();
    await dbClient.query(
      `with u as (
         insert into users (id, email) select gen_random_uuid(), 'payee' || g || '@bench.example' from generate_series(1, $1::int) g returning id
       )
       insert into advisors (id, user_id, display_name) select gen_random_uuid(), id, 'Bench payee' from u`,
      [payees],
    );
    await dbClient.query(
      `insert into ledger_entries (id, advisor_id, kind, amount_cents, accrued_at)
       select gen_random_uuid(), a.ids[1 + g % a.n], 'manual', 100 + g % 900, $2::timestamptz + (g % 2000000) * interval '1 second'
       from generate_series(0, $1::int - 1) g,
            (select array_agg(id order by id) as ids, count(*)::int as n from advisors where display_name = 'Bench payee') a`,
      [entries, monthStart],
    );
    await dbClient.query('analyze ledger_entries; analyze advisors; analyze advisor_payouts');
    const seedMs = performance.now() - s0;
    await dbClient.query('select count(*), sum(amount_cents) from ledger_entries'); // warm the cache for both
    const setLoad = load();
    await dbClient.query('begin');
    const a0 = performance.now();
    const anchorRows = await dbClient.query(
      `insert into advisor_payouts (id, advisor_id, payout_month, total_cents, currency, status, attempts, created_at, updated_at)
       select gen_random_uuid(), advisor_id, $1::date, sum(amount_cents), 'USD', 'pending', 0, now(), now()
       from ledger_entries where payout_id is null and accrued_at < $2 group by advisor_id having sum(amount_cents) > 0`,
      [monthStart.toISOString().slice(0, 10), monthEnd],
    );
    const setMs = performance.now() - a0;
    await dbClient.query('rollback');
    // The floor of any run that also points each entry at its payout (the exactly-once link the
    // INSERT alone leaves out): the same INSERT, then one UPDATE of the entries, rolled back.
    const linkLoad = load();
    await dbClient.query('begin');
    const l0 = performance.now();
    await dbClient.query(
      `with created as (
         insert into advisor_payouts (id, advisor_id, payout_month, total_cents, currency, status, attempts, created_at, updated_at)
         select gen_random_uuid(), advisor_id, $1::date, sum(amount_cents), 'USD', 'pending', 0, now(), now()
         from ledger_entries where payout_id is null and accrued_at < $2 group by advisor_id having sum(amount_cents) > 0
         returning id, advisor_id
       )
       update ledger_entries le set payout_id = created.id from created
       where le.advisor_id = created.advisor_id and le.payout_id is null and le.accrued_at < $2`,
      [monthStart.toISOString().slice(0, 10), monthEnd],
    );
    const linkMs = performance.now() - l0;
    await dbClient.query('rollback');
    // The rolled-back UPDATE left a dead version of every entry; generatePayouts should not pay for it.
    await dbClient.query('vacuum ledger_entries');
    const boss2 = await token(['admin'], 'Payer');
    const payLoad = load();
    const p0 = performance.now();
    const generated = await gql('mutation($m: String!) { generatePayouts(month: $m) { createdCount } }', { m: monthKey }, boss2.token);
    const payMs = performance.now() - p0;
    const created = generated.data?.generatePayouts?.createdCount ?? `error ${JSON.stringify(generated.errors)}`;
    figures.push({
      figure: `generatePayouts, ${payees} advisors x ${entries} entries (${created} payouts)`,
      value: { ms: Math.round(payMs), created },
      anchor: 'one INSERT ... SELECT over the same rows, rolled back',
      anchorValue: { ms: Math.round(setMs), rows: anchorRows.rowCount, withLinkMs: Math.round(linkMs) },
      ratio: setMs / payMs,
      loadavg: payLoad,
    });
    console.log(
      `generatePayouts: ${payees} advisors x ${entries} entries (seeded in ${seedMs.toFixed(0)} ms): ${payMs.toFixed(0)} ms, ${created} payouts  load ${payLoad.join(' ')}`,
    );
    console.log(`  anchor INSERT ... SELECT (rolled back): ${setMs.toFixed(0)} ms, ${anchorRows.rowCount} rows  load ${setLoad.join(' ')}`);
    console.log(`  the same INSERT and the UPDATE linking the entries (rolled back): ${linkMs.toFixed(0)} ms  load ${linkLoad.join(' ')}`);

    // ---------------------------------------------------------------- production start-up beside plain node
    const startLoad = load();
    const started = await measureStartup(dbUrl.toString(), arg('starts', 3));
    figures.push({
      figure: `production start-up (node dist/src/main.js, NODE_ENV=production), median of ${started.server.runs.length}`,
      value: { readyMs: started.server.readyMs, idleRssMiB: started.server.idleRssMiB },
      anchor: 'plain node starting an empty http server, same measure',
      anchorValue: { readyMs: started.plain.readyMs, idleRssMiB: started.plain.idleRssMiB },
      ratio: started.plain.readyMs / started.server.readyMs,
      loadavg: startLoad,
    });
    console.log(
      `start-up: ready in ${started.server.readyMs} ms, ${started.server.idleRssMiB} MiB resident after 5 s idle (runs ${JSON.stringify(started.server.runs)})  load ${startLoad.join(' ')}`,
    );
    console.log(`  anchor plain node http server: ready in ${started.plain.readyMs} ms, ${started.plain.idleRssMiB} MiB`);

    // ---------------------------------------------------------------- summary and results file
    console.log('\nfigure | value | anchor | ratio (1 = as good as the anchor) | load average');
    for (const f of figures)
      console.log(
        `${f.figure} | ${JSON.stringify(f.value)} | ${f.anchor}: ${JSON.stringify(f.anchorValue)} | ${f.ratio.toFixed(2)} | ${f.loadavg.join(' ')}`,
      );
    const resultsDir = path.join(__dirname, 'results');
    fs.mkdirSync(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
    const result = {
      startedAt: startedAt.toISOString(),
      command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
      cpus: os.cpus().length,
      loadavgAtStart: loadAtStart,
      loadavgAtEnd: load(),
      race: {
        racers,
        ms: Math.round(raceMs),
        rows: rows.rows[0].n,
        outcomes: Object.fromEntries(codes),
        anchorMs: Math.round(raceAnchorMs),
      },
      figures,
    };
    fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
    console.log(`\nwritten to ${path.relative(process.cwd(), file)}`);
  } finally {
    await dbClient.end();
    await app.close();
    await pg.query(`drop database if exists "${dbName}" with (force)`);
    await pg.end();
    await server.stop();
    simulator?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
