import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import WebSocket from 'ws';
import { signCalcomBody } from '../src/modules/webhooks/calcom';
import { startTestApp, type TestApp, type TestUser } from './helpers/app';
import { HOUR, inFuture, makeAdvisor } from './helpers/fixtures';
import { wsConnect, type WsConnection } from './helpers/ws-run';

const sockets: WsConnection[] = [];
const ws = (t: TestApp, token: string) => {
  const c = wsConnect(t.url, token);
  sockets.push(c);
  return c;
};
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.dispose()));
});

const gql = (t: TestApp, query: string, token?: string, variables?: Record<string, unknown>) =>
  fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  }).then(async (r) => ({ status: r.status, retryAfter: r.headers.get('retry-after'), json: (await r.json()) as any }));

/** A mutation anyone signed in may send; it fails (no profile) but it is a mutation all the same. */
const MUTATION = 'mutation { setAcceptingBookings(accepting: true) { id } }';
const ME = '{ myAdvisorProfile { id } }';

const postCalcom = (t: TestApp, body: string, signature?: string) =>
  fetch(`${t.url}/webhooks/calcom`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-cal-signature-256': signature ?? signCalcomBody(body, t.config.calcom.webhookSecret),
    },
    body,
  });

/** Close code of a connection attempt that ends, or 'open' if it is acknowledged. */
async function connectOutcome(c: WsConnection): Promise<number | 'open'> {
  const r = await Promise.race([c.run('{ pricing { sku } }'), new Promise<null>((resolve) => setTimeout(() => resolve(null), 5000))]);
  if (r?.result?.data) return 'open';
  return c.closes[0]?.code ?? -1;
}

describe('rate limits in memory (issue 11, finding 4)', () => {
  describe('per IP: refused tokens, refused webhooks, WebSocket upgrades', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({
        RATE_LIMITS: 'on',
        RATE_LIMIT_AUTH_FAILURES_PER_IP: '3/1m',
        RATE_LIMIT_WEBHOOK_FAILURES_PER_IP: '3/1m',
        RATE_LIMIT_WS_CONNECTS_PER_IP: '5/1m',
      });
    });
    afterAll(() => t.close());

    it('refuses any token from an IP after 3 refused ones, with 429 and Retry-After, and still serves it signed out', async () => {
      const good = await t.user();
      expect((await gql(t, ME, good.token)).json.errors).toBeUndefined();
      for (let i = 0; i < 3; i++) {
        const r = await gql(t, ME, `forged.${i}.token`);
        expect(r.status).toBe(200);
        expect(r.json.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      }
      const blocked = await gql(t, ME, good.token);
      expect(blocked.status).toBe(429);
      expect(Number(blocked.retryAfter)).toBeGreaterThan(0);
      expect(Number(blocked.retryAfter)).toBeLessThanOrEqual(60);
      expect(blocked.json.errors[0].extensions).toEqual({ code: 'RATE_LIMITED', retryAfter: Number(blocked.retryAfter) });
      // Signed out, the same IP is still served: only trying tokens is limited.
      const anonymous = await gql(t, '{ pricing { sku } }');
      expect(anonymous.status).toBe(200);
      // And over WebSocket the connection is refused with 4429.
      expect(await connectOutcome(ws(t, good.token))).toBe(4429);
    });

    it('refuses every webhook delivery from an IP after 3 refused ones, and records none', async () => {
      const body = JSON.stringify({ triggerEvent: 'BOOKING_REQUESTED', payload: { uid: randomUUID() } });
      for (let i = 0; i < 3; i++) expect((await postCalcom(t, body, 'ab'.repeat(32))).status).toBe(401);
      const blocked = await postCalcom(t, body);
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await blocked.json()).toMatchObject({ error: 'Too many requests; try again later' });
      const rows = await t.app.services.orm.em.fork().execute('select count(*)::int as n from processed_webhook_events');
      expect(rows).toEqual([{ n: 0 }]);
    });

    it('refuses WebSocket upgrades past 5 a minute from an IP with HTTP 429 and Retry-After', async () => {
      const upgrade = () =>
        new Promise<{ status: number; retryAfter?: string }>((resolve) => {
          const socket = new WebSocket(`${t.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
          socket.on('open', () => {
            socket.close();
            resolve({ status: 101 });
          });
          socket.on('unexpected-response', (_req, res) =>
            resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string }),
          );
          socket.on('error', () => undefined);
        });
      const outcomes = [];
      for (let i = 0; i < 6; i++) outcomes.push(await upgrade());
      expect(outcomes.filter((o) => o.status === 101).length).toBeLessThanOrEqual(5);
      expect(outcomes.at(-1)).toEqual({ status: 429, retryAfter: expect.stringMatching(/^\d+$/) });
    });
  });

  describe('per user and per IP: mutations, bookings; WebSocket connections and subscriptions per user', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({
        RATE_LIMITS: 'on',
        RATE_LIMIT_MUTATIONS_PER_USER: '5/1m',
        RATE_LIMIT_MUTATIONS_PER_IP: '40/1m',
        RATE_LIMIT_BOOKINGS_PER_USER: '2/1h',
        RATE_LIMIT_WS_CONNECTS_PER_IP: '1000/1m',
        WS_MAX_CONNECTIONS_PER_USER: '2',
        WS_MAX_SUBSCRIPTIONS_PER_USER: '2',
      });
    });
    afterAll(() => t.close());

    it('allows 5 mutations a minute per user over HTTP and WebSocket together, then RATE_LIMITED with 429', async () => {
      const [a, b] = [await t.user(), await t.user()];
      for (let i = 0; i < 4; i++) expect((await gql(t, MUTATION, a.token)).json.errors[0].extensions.code).toBe('FORBIDDEN');
      const overWs = await ws(t, a.token).run(MUTATION);
      expect(overWs.result?.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const sixth = await gql(t, MUTATION, a.token);
      expect(sixth.status).toBe(429);
      expect(sixth.json.errors[0].extensions.code).toBe('RATE_LIMITED');
      const seventhOverWs = await ws(t, a.token).run(MUTATION);
      expect(seventhOverWs.errors[0].extensions.code).toBe('RATE_LIMITED');
      expect(seventhOverWs.errors[0].extensions.retryAfter).toBeGreaterThan(0);
      // Queries are not counted, and another user has a budget of their own.
      expect((await gql(t, ME, a.token)).status).toBe(200);
      expect((await gql(t, MUTATION, b.token)).json.errors[0].extensions.code).toBe('FORBIDDEN');
    });

    it('allows 2 booking attempts an hour per user, then RATE_LIMITED before anything is booked', async () => {
      const admin = await t.user({ roles: ['admin'] });
      const advisor = await makeAdvisor(t, admin);
      const client = await t.user();
      const book = (h: number) =>
        gql(t, 'mutation ($input: BookConsultationInput!) { bookConsultation(input: $input) { consultation { id } } }', client.token, {
          input: { advisorId: advisor.advisorId, durationMinutes: 15, startTime: inFuture(h * HOUR).toISOString() },
        });
      expect((await book(30)).json.data.bookConsultation.consultation.id).toBeTruthy();
      expect((await book(40)).json.data.bookConsultation.consultation.id).toBeTruthy();
      const third = await book(50);
      expect(third.status).toBe(429);
      expect(third.json.errors[0].extensions.code).toBe('RATE_LIMITED');
      const rows = await t.app.services.orm.em
        .fork()
        .execute('select count(*)::int as n from consultations where client_id = ?', [client.id]);
      expect(rows).toEqual([{ n: 2 }]);
    });

    it('caps open WebSocket connections per user at 2, closing the third with 4429, and frees the slot on close', async () => {
      const u: TestUser = await t.user();
      const [c1, c2] = [ws(t, u.token), ws(t, u.token)];
      expect(await connectOutcome(c1)).toBe('open');
      expect(await connectOutcome(c2)).toBe('open');
      expect(await connectOutcome(ws(t, u.token))).toBe(4429);
      // Another user is not affected.
      expect(await connectOutcome(ws(t, (await t.user()).token))).toBe('open');
      await c1.dispose();
      await new Promise((r) => setTimeout(r, 200));
      expect(await connectOutcome(ws(t, u.token))).toBe('open');
    });

    it('caps live subscriptions per user at 2 with RATE_LIMITED, and frees the slot when one completes', async () => {
      const u = await t.user();
      const c = ws(t, u.token);
      const live: (() => void)[] = [];
      const start = () =>
        new Promise<unknown>((resolve) => {
          live.push(
            c.client.subscribe(
              { query: 'subscription { consultationStatusChanged { status } }' },
              { next: () => undefined, error: resolve, complete: () => resolve(null) },
            ),
          );
        });
      const before = t.app.ws.activeSubscriptions;
      void start();
      void start();
      await t.app.ws.waitForSubscribers(before + 2);
      const third = (await start()) as { extensions: Record<string, unknown> }[];
      expect(third[0]!.extensions.code).toBe('RATE_LIMITED');
      live[0]!();
      await new Promise((r) => setTimeout(r, 200));
      const fourth = await Promise.race([start(), new Promise((r) => setTimeout(() => r('live'), 500))]);
      expect(fourth).toBe('live');
    });
  });
});

const redisUrl = process.env.TEST_REDIS_URL;
(redisUrl ? describe : describe.skip)('rate limits shared through Redis (issue 11, finding 4)', () => {
  const prefix = `test:rl:${randomUUID()}:`;
  let a: TestApp;
  let b: TestApp;
  let redis: Redis;
  beforeAll(async () => {
    const env = {
      RATE_LIMITS: 'on',
      REDIS_URL: redisUrl!,
      REDIS_KEY_PREFIX: prefix,
      RATE_LIMIT_MUTATIONS_PER_USER: '3/1m',
      RATE_LIMIT_AUTH_FAILURES_PER_IP: '4/1m',
    };
    a = await startTestApp(env);
    b = await startTestApp(env, { databaseUrl: a.databaseUrl });
    redis = new Redis(redisUrl!);
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await b?.close();
    await a?.close();
  });

  it('enforces one limit across two instances', async () => {
    const u = await a.user();
    expect((await gql(a, MUTATION, u.token)).status).toBe(200);
    expect((await gql(b, MUTATION, u.token)).status).toBe(200);
    expect((await gql(a, MUTATION, u.token)).status).toBe(200);
    const fourth = await gql(b, MUTATION, u.token);
    expect(fourth.status).toBe(429);
    expect(fourth.json.errors[0].extensions.code).toBe('RATE_LIMITED');
    const key = `${prefix}mutationsPerUser:${u.id}`;
    expect(await redis.get(key)).toBe('4');
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('counts refused tokens from both instances against one IP', async () => {
    for (const t of [a, b, a, b]) expect((await gql(t, ME, 'forged.token.x')).status).toBe(200);
    expect((await gql(a, ME, 'forged.token.x')).status).toBe(429);
    expect((await gql(b, ME, (await b.user()).token)).status).toBe(429);
  });

  it('lets requests through, and says so in the log, when Redis cannot be reached', async () => {
    const lines: string[] = [];
    const down = await startTestApp(
      { RATE_LIMITS: 'on', LOG_LEVEL: 'warn', REDIS_URL: 'redis://127.0.0.1:1', RATE_LIMIT_MUTATIONS_PER_USER: '1/1m' },
      { databaseUrl: a.databaseUrl, logStream: { write: (s: string) => void lines.push(s) } },
    );
    try {
      const u = await down.user();
      const started = Date.now();
      for (let i = 0; i < 3; i++) expect((await gql(down, MUTATION, u.token)).status).toBe(200);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(lines.some((l) => l.includes('rate limit store unavailable'))).toBe(true);
    } finally {
      await down.close();
    }
  });
});

it('RATE_LIMITS=off turns every limit off (the test default)', async () => {
  const t = await startTestApp({ RATE_LIMIT_MUTATIONS_PER_USER: '1/1m', WS_MAX_CONNECTIONS_PER_USER: '1' });
  try {
    const u = await t.user();
    for (let i = 0; i < 3; i++) expect((await gql(t, MUTATION, u.token)).status).toBe(200);
    expect(await connectOutcome(ws(t, u.token))).toBe('open');
    expect(await connectOutcome(ws(t, u.token))).toBe('open');
  } finally {
    await Promise.all(sockets.splice(0).map((s) => s.dispose()));
    await t.close();
  }
});
