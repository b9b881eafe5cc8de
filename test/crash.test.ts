import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { Client } from 'pg';
import Stripe from 'stripe';
import { signToken } from '../src/auth/token';
import type { CrashPointName } from '../src/common/crash';
import { ApplyAsAdvisorDocument, ApproveAdvisorDocument, BookConsultationDocument, CancelConsultationDocument } from './generated/graphql';
import { freePort, startServerProcess, startSimulatorProcess, type ServerProcess, type SimProcess } from './helpers/crash-harness';
import { grantAdminInDatabase } from './helpers/app';
import { createTestDatabase } from './helpers/db';
import { checkMoneyInvariants } from './helpers/money-invariants';

/**
 * kill -9 of the API server in the middle of a booking storm, again and again, on one database
 * and one Stripe simulator (each in its own process), then: every succeeded PaymentIntent belongs
 * to a live consultation or has exactly one full refund, no hold outlives its expiry, and no job
 * stays locked by a dead process. Deterministic kills come from the server's CRASH_AT hook
 * (src/common/crash.ts); one more kill lands at a random moment under load.
 */

const JWT_SECRET = 'crash-test-secret-crash-test-secret-0123456789';
const WEBHOOK_SECRET = 'whsec_crash_test';
const ADVISORS = 6;
const SLOTS = 60;
const CONCURRENCY = 8;
/** A phase whose point is not reached after this many operations stops storming (and fails below). */
const MAX_OPS_PER_PHASE = 200;
const HOUR = 3_600_000;

/** Where each run of the server dies; the n-th pass of the point, counted from its start. */
const PHASES: { crashAt?: `${CrashPointName}:${number}`; randomKillMs?: [number, number] }[] = [
  { crashAt: 'booking.hold-committed:25' },
  { crashAt: 'booking.intent-created:25' },
  // Stripe has charged the card; the process dies before a byte of that is committed.
  { crashAt: 'booking.intent-confirmed:20' },
  { crashAt: 'payment.before-outcome-commit:20' },
  { crashAt: 'refund.after-stripe:3' },
  { crashAt: 'expiry.after-cancel:2' },
  { randomKillMs: [1_500, 3_500] },
];

interface Kill {
  phase: string;
  by: 'itself' | 'test';
  signal: string | null;
  afterMs: number;
  ops: number;
}

/** `npm run check:ledger` as an operator runs it (the script, through ts-node, as the npm script does). */
function checkLedgerCommand(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const base = { ...process.env };
  for (const name of ['STRIPE_SECRET_KEY', 'STRIPE_API_BASE', 'DATABASE_URL', 'NODE_ENV']) delete base[name];
  const child = spawn(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', 'scripts/check-ledger.ts'], {
    cwd: path.resolve(__dirname, '..'),
    env: { ...base, LOG_LEVEL: 'silent', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

let sim: SimProcess;
/** The server process of the moment, killed in afterAll whatever happened. */
let current: ServerProcess | null = null;
let db: { url: string; drop: () => Promise<void> };
let pg: Client;
let logFile: string;

beforeAll(async () => {
  db = await createTestDatabase();
  sim = await startSimulatorProcess();
  pg = new Client({ connectionString: db.url });
  await pg.connect();
  logFile = path.join(os.tmpdir(), `crash-test-${process.pid}.log`);
}, 60_000);

afterAll(async () => {
  current?.kill();
  await current?.exited;
  await pg?.end();
  await sim?.stop();
  await db?.drop();
});

// About 80 s on a quiet 2-core machine; far longer when other work shares it.
const TEST_TIMEOUT_MS = 360_000;

it(
  'loses no money at any instant of a crash',
  async () => {
    const testStarted = Date.now();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = {
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      DATABASE_URL: db.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      AUTH_JWT_SECRET: JWT_SECRET,
      STRIPE_API_BASE: sim.url,
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      // Holds expire 12 s after booking, so expiry and recovery run within the test.
      PAYMENT_EXPIRY_MINUTES: '0.2',
      // A booking storm from a few clients is what rate limits exist to stop: off for this test.
      RATE_LIMITS: 'off',
      BOOKING_MAX_UNPAID_HOLDS: '1000',
    };
    await sim.setWebhookTarget(`${base}/webhooks/stripe`, WEBHOOK_SECRET);
    const frontend = new Stripe('sk_test_frontend', { host: '127.0.0.1', port: sim.port, protocol: 'http', telemetry: false });

    const token = async (roles: 'client'[]) => {
      const id = randomUUID();
      return signToken({ sub: id, email: `u.${id.slice(0, 8)}@example.com`, givenName: 'Crash', familyName: 'Test', roles }, JWT_SECRET);
    };
    const gql = async <R, V>(doc: TypedDocumentNode<R, V>, variables: V, bearer: string) => {
      const res = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
        body: JSON.stringify({ query: print(doc), variables }),
        signal: AbortSignal.timeout(20_000),
      });
      return (await res.json()) as { data?: R; errors?: { extensions?: { code?: string } }[] };
    };

    // ---------------------------------------------------------------- setup on a first, healthy server
    let server: ServerProcess = await startServerProcess(env, logFile);
    current = server;
    const adminId = randomUUID();
    const adminClaims = {
      sub: adminId,
      email: `u.${adminId.slice(0, 8)}@example.com`,
      givenName: 'Crash',
      familyName: 'Test',
      roles: ['admin' as const],
    };
    const admin = await signToken(adminClaims, JWT_SECRET);
    // A token makes nobody an admin: the role is granted in the database, as npm run admin:grant does.
    await grantAdminInDatabase(db.url, adminClaims);
    const advisorIds: string[] = [];
    for (let i = 0; i < ADVISORS; i++) {
      const applied = await gql(
        ApplyAsAdvisorDocument,
        { input: { displayName: `Crash Advisor ${i}`, skills: ['react'], languages: ['en'], countryCode: 'US' } },
        await token(['client']),
      );
      const id = applied.data!.applyAsAdvisor.id;
      await gql(ApproveAdvisorDocument, { id }, admin);
      advisorIds.push(id);
    }
    const clients = await Promise.all(Array.from({ length: 40 }, () => token(['client'])));
    const firstSlot = Math.ceil((Date.now() + 49 * HOUR) / HOUR) * HOUR;

    // ---------------------------------------------------------------- the storm
    const stats = { bookings: 0, scheduled: 0, pending: 0, paymentFailed: 0, conflict: 0, lost: 0, confirmedByClient: 0, cancels: 0 };
    const awaitingClient: { intentId: string }[] = [];
    const scheduled: { id: string; client: string }[] = [];
    const rnd = (n: number) => Math.floor(Math.random() * n);

    async function book(): Promise<void> {
      stats.bookings++;
      const client = clients[rnd(clients.length)]!;
      const roll = Math.random();
      const paymentMethodId = roll < 0.6 ? 'pm_card_visa' : roll < 0.7 ? 'pm_card_chargeDeclined' : null;
      const startTime = new Date(firstSlot + rnd(SLOTS) * HOUR).toISOString();
      const input = { advisorId: advisorIds[rnd(ADVISORS)]!, durationMinutes: Math.random() < 0.5 ? 30 : 60, startTime, paymentMethodId };
      try {
        const r = await gql(BookConsultationDocument, { input }, client);
        const code = r.errors?.[0]?.extensions?.code;
        if (code === 'CONFLICT') stats.conflict++;
        else if (code === 'PAYMENT_FAILED') stats.paymentFailed++;
        else if (r.errors) throw new Error(`unexpected answer ${JSON.stringify(r.errors)}`);
        else if (r.data!.bookConsultation.consultation.status === 'SCHEDULED') {
          stats.scheduled++;
          scheduled.push({ id: r.data!.bookConsultation.consultation.id, client });
        } else {
          stats.pending++;
          awaitingClient.push({ intentId: r.data!.bookConsultation.clientSecret!.split('_secret_')[0]! });
        }
      } catch (err) {
        if (err instanceof Error && /unexpected answer/.test(err.message)) throw err;
        stats.lost++; // the server died under this request
      }
    }

    /** The client pays with the client secret, straight at Stripe, as a frontend does. */
    async function clientPays(): Promise<void> {
      const next = awaitingClient.splice(rnd(awaitingClient.length), 1)[0];
      if (!next) return book();
      try {
        await frontend.paymentIntents.confirm(next.intentId, { payment_method: 'pm_card_visa' });
        stats.confirmedByClient++;
      } catch {
        /* expired and cancelled meanwhile: nothing charged */
      }
    }

    async function clientCancels(): Promise<void> {
      const next = scheduled.splice(rnd(scheduled.length), 1)[0];
      if (!next) return book();
      stats.cancels++;
      await gql(CancelConsultationDocument, { id: next.id, reason: 'Plans changed' }, next.client).catch(() => undefined);
    }

    async function storm(until: () => boolean): Promise<number> {
      let ops = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (!until() && ops < MAX_OPS_PER_PHASE) {
            ops++;
            const roll = Math.random();
            if (roll < 0.12) await clientPays();
            else if (roll < 0.22) await clientCancels();
            else await book();
          }
        }),
      );
      return ops;
    }

    // ---------------------------------------------------------------- kill, restart, again
    const kills: Kill[] = [];
    server.kill(); // the setup server: a clean kill -9 with nothing in flight
    await server.exited;
    for (const phase of PHASES) {
      const name = phase.crashAt ?? 'random';
      const started = await startServerProcess({ ...env, ...(phase.crashAt ? { CRASH_AT: phase.crashAt } : {}) }, logFile);
      server = current = started;
      const t0 = Date.now();
      let killedByTest = false;
      const killer = phase.randomKillMs
        ? setTimeout(
            () => {
              killedByTest = true;
              server.kill();
            },
            phase.randomKillMs[0] + rnd(phase.randomKillMs[1] - phase.randomKillMs[0]),
          )
        : null;
      // A point not reached within 30 s is a failure of the test's design, reported below.
      const giveUp = setTimeout(() => {
        killedByTest = true;
        server.kill();
      }, 30_000);
      const ops = started.ready ? await storm(() => !server.alive()) : 0;
      const { signal } = await server.exited;
      clearTimeout(giveUp);
      if (killer) clearTimeout(killer);
      kills.push({ phase: name, by: killedByTest ? 'test' : 'itself', signal, afterMs: Date.now() - t0, ops });
    }

    // ---------------------------------------------------------------- the last restart: recovery
    server = current = await startServerProcess(env, logFile);
    const restartedAt = Date.now();
    // Recovery gets 90 s, less if the machine is so slow that the test's own timeout comes first.
    const deadline = Math.min(restartedAt + 90_000, testStarted + TEST_TIMEOUT_MS - 20_000);
    let violations: string[] = [];
    let recoveredAfterMs: number | null = null;
    let cleanChecks = 0;
    // The only live job workers are the last server's; any lock held by another is a dead process's.
    const liveWorkers = async () =>
      (
        await pg.query<{ worker_id: string }>('select worker_id from job_worker_heartbeats where instance_id like $1', [
          `%:${server.pid}:%`,
        ])
      ).rows.map((r) => r.worker_id);
    while (Date.now() < deadline) {
      violations = await checkMoneyInvariants(pg, await sim.dump(), { liveWorkerIds: await liveWorkers() });
      cleanChecks = violations.length === 0 ? cleanChecks + 1 : 0;
      recoveredAfterMs ??= violations.length === 0 ? Date.now() - restartedAt : null;
      if (violations.length) recoveredAfterMs = null;
      // Clean twice in a row, 2 s apart: settled, not passing through.
      if (cleanChecks >= 2) break;
      await new Promise((r) => setTimeout(r, 2_000));
    }

    // The restarted server still books and takes money.
    const after = await gql(
      BookConsultationDocument,
      {
        input: {
          advisorId: advisorIds[0]!,
          durationMinutes: 30,
          // Past the load's random slots: this must be free whatever the load booked.
          startTime: new Date(firstSlot + (SLOTS + 5) * HOUR).toISOString(),
          paymentMethodId: 'pm_card_visa',
        },
      },
      clients[0]!,
    );
    const stripe = await sim.dump();
    const { rows } = await pg.query<{ status: string; n: string }>(
      'select status, count(*) as n from consultations group by status order by status',
    );
    server.kill();
    await server.exited;
    // What an operator runs after an incident: our books against Stripe's, over the test's window.
    const ledger = await checkLedgerCommand({ DATABASE_URL: db.url, STRIPE_API_BASE: sim.url, STRIPE_SECRET_KEY: 'sk_test_crash' });

    const report = {
      stats,
      kills,
      recoveredAfterMs,
      consultations: Object.fromEntries(rows.map((r) => [r.status, Number(r.n)])),
      paymentIntents: stripe.paymentIntents.length,
      succeeded: stripe.paymentIntents.filter((p) => p.status === 'succeeded').length,
      refunds: stripe.refunds.length,
      violations: violations.slice(0, 20),
      ledgerCheck: ledger.stdout.trim() || ledger.stderr.trim(),
      serverLog: logFile,
    };
    console.log(`crash test: ${JSON.stringify(report, null, 2)}`);

    expect(violations).toEqual([]);
    expect({ code: ledger.code, differences: ledger.stdout.trim() }).toEqual({
      code: 0,
      differences: expect.stringMatching(/^ledger agrees: /),
    });
    expect(after.data?.bookConsultation.consultation.status).toBe('SCHEDULED');
    expect(stats.bookings).toBeGreaterThanOrEqual(200);
    // Every deterministic point was reached: the server killed itself there, with SIGKILL.
    for (const k of kills) {
      expect({ phase: k.phase, signal: k.signal, by: k.by }).toEqual({
        phase: k.phase,
        signal: 'SIGKILL',
        by: k.phase === 'random' ? 'test' : 'itself',
      });
    }
    expect(kills.length).toBeGreaterThanOrEqual(5);
  },
  TEST_TIMEOUT_MS,
);
