import { startTestApp, type TestApp, type TestUser } from './helpers/app';
import { makeAdvisor } from './helpers/fixtures';
import { wsConnect, type WsConnection } from './helpers/ws-run';

/** Fragments spreading `ways` ways over `levels` levels: 10 x 8 is 10^8 walks for a naive cost check. */
export function fragmentBomb(levels = 8, ways = 10): string {
  const lines = [`query Bomb { ...F${levels} }`, `fragment F0 on Query { pricing { sku durationMinutes } }`];
  for (let i = 1; i <= levels; i++) {
    lines.push(`fragment F${i} on Query { ${Array.from({ length: ways }, () => `...F${i - 1}`).join(' ')} }`);
  }
  return lines.join('\n');
}

const deepNesting = (levels: number) => `query { ${'advisors { '.repeat(levels)}id${' }'.repeat(levels)} }`;

type Line = Record<string, unknown>;
function capture(): { lines: Line[]; stream: { write(s: string): void } } {
  const lines: Line[] = [];
  return { lines, stream: { write: (s: string) => void lines.push(JSON.parse(s)) } };
}

let t: TestApp;
let admin: TestUser;
let user: TestUser;
const logs = capture();
const sockets: WsConnection[] = [];
const ws = (token = user.token) => {
  const c = wsConnect(t.url, token);
  sockets.push(c);
  return c;
};

beforeAll(async () => {
  t = await startTestApp({ LOG_LEVEL: 'info', GRAPHQL_MAX_ALIASES: '60' }, { logStream: logs.stream });
  admin = await t.user({ roles: ['admin'] });
  user = await t.user();
});
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.dispose()));
});
afterAll(() => t.close());

describe('operation limits, the same over HTTP and WebSocket (issue 11, findings 1 and 8)', () => {
  it('refuses the 757-byte fragment bomb in milliseconds over HTTP, before any SQL', async () => {
    const query = fragmentBomb();
    expect(query.length).toBeLessThan(800);
    t.statements.length = 0;
    const started = performance.now();
    const r = await t.raw({ query });
    const ms = performance.now() - started;
    expect(r.status).toBe(400);
    expect(r.json.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(r.json.errors[0].message).toMatch(/cost 300000000 exceeds/);
    expect(ms).toBeLessThan(1000);
    expect(t.statements).toEqual([]);
  });

  it('refuses the same document over WebSocket, before any SQL, and keeps the socket', async () => {
    const c = ws();
    expect((await c.run('{ pricing { sku } }')).result?.data).toBeTruthy();
    t.statements.length = 0;
    const started = performance.now();
    const r = await c.run(fragmentBomb());
    expect(performance.now() - started).toBeLessThan(1000);
    expect(r.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(r.errors[0].message).toMatch(/cost/);
    expect(t.statements).toEqual([]);
    expect(c.closes).toEqual([]);
  });

  it('refuses 2,000 levels of nesting while parsing, with GRAPHQL_PARSE_FAILED, over HTTP and WebSocket', async () => {
    const query = deepNesting(2000);
    const http = await t.raw({ query });
    expect(http.status).toBe(400);
    expect(http.json.errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(http.json.errors[0].message).toMatch(/tokens/);
    expect(http.text).not.toMatch(/at .*\.(js|ts):\d+/);

    const c = ws();
    const r = await c.run(query);
    expect(r.errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    // The socket survives (no 4500) and answers the next operation.
    expect((await c.run('{ pricing { sku } }')).result?.data).toBeTruthy();
    expect(c.closes).toEqual([]);
  });

  it('counts aliases and directives against their limits, through fragments too', async () => {
    const small = await startTestApp({ GRAPHQL_MAX_ALIASES: '3', GRAPHQL_MAX_DIRECTIVES: '2' }, { databaseUrl: t.databaseUrl });
    try {
      const ok = await small.raw({ query: '{ a: pricing { sku } b: pricing { sku } c: pricing { sku } }' });
      expect(ok.json.errors).toBeUndefined();
      const aliases = await small.raw({ query: '{ ...F ...F } fragment F on Query { a: pricing { sku } b: pricing { sku } }' });
      expect(aliases.status).toBe(400);
      expect(aliases.json.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(aliases.json.errors[0].message).toBe('Aliases limit of 3 exceeded, found 4.');
      const directives = await small.raw({
        query: '{ pricing @include(if: true) { sku @skip(if: false) durationMinutes @skip(if: false) } }',
      });
      expect(directives.json.errors[0].message).toBe('Directives limit of 2 exceeded, found 3.');
      const c = wsConnect(small.url, user.token);
      sockets.push(c);
      const overWs = await c.run('{ a: pricing { sku } b: pricing { sku } c: pricing { sku } d: pricing { sku } }');
      expect(overWs.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(overWs.errors[0].message).toMatch(/Aliases limit of 3/);
    } finally {
      await small.close();
    }
  });

  it('answers an invalid variable over WebSocket with BAD_USER_INPUT, as over HTTP, and logs no error', async () => {
    const query = 'query ($id: ID!) { advisor(id: $id) { id } }';
    const http = await t.raw({ query, variables: { id: { not: 'an id' } } });
    expect(http.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const before = logs.lines.length;
    const r = await ws().run(query, { id: { not: 'an id' } });
    expect(r.errors ?? r.result?.errors).toBeTruthy();
    const errors = r.errors ?? r.result!.errors!;
    expect(errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(errors[0].message).toBe(http.json.errors[0].message);
    expect(logs.lines.slice(before).filter((l) => (l.level as number) >= 50)).toEqual([]);
  });
});

describe('aliases of a by-id root field cost one statement (issue 11, finding 2)', () => {
  it('loads 50 aliases of advisor(id:) with one SQL statement', async () => {
    const advisors = await Promise.all([0, 1, 2].map(() => makeAdvisor(t, admin)));
    const ids = Array.from({ length: 50 }, (_, i) => advisors[i % 3]!.advisorId);
    ids[49] = '00000000-0000-4000-8000-000000000000';
    const query = `{ ${ids.map((id, i) => `a${i}: advisor(id: "${id}") { id displayName }`).join(' ')} }`;
    t.statements.length = 0;
    const r = await t.raw({ query });
    expect(r.json.errors).toBeUndefined();
    expect(r.json.data.a0.id).toBe(advisors[0]!.advisorId);
    expect(r.json.data.a49).toBeNull();
    // Only the request's own statements: the job queue's (emails from the approvals) run beside it.
    expect(t.statements.filter((s) => /"advisors"/.test(s))).toHaveLength(1);
  });

  it('loads aliases of adminAdvisor(id:) and advisorStatusHistory(id:) for an admin with a statement or two each', async () => {
    const advisors = await Promise.all([0, 1].map(() => makeAdvisor(t, admin)));
    const fields = Array.from({ length: 20 }, (_, i) => {
      const id = advisors[i % 2]!.advisorId;
      return `p${i}: adminAdvisor(id: "${id}") { id email } h${i}: advisorStatusHistory(id: "${id}") { toStatus }`;
    });
    await t.raw({ query: '{ pricing { sku } }' }, { authorization: `Bearer ${admin.token}` });
    t.statements.length = 0;
    const r = await t.raw({ query: `{ ${fields.join(' ')} }` }, { authorization: `Bearer ${admin.token}` });
    expect(r.json.errors).toBeUndefined();
    expect(r.json.data.p1.id).toBe(advisors[1]!.advisorId);
    expect(r.json.data.h0.map((h: { toStatus: string }) => h.toStatus)).toEqual(['PENDING', 'APPROVED']);
    expect(t.statements.filter((s) => /"advisor_status_changes"|"advisors"/.test(s)).length).toBeLessThanOrEqual(2);
  });
});

describe('production hides what introspection hides (issue 11, finding 9)', () => {
  it('answers without "Did you mean" over HTTP and WebSocket', async () => {
    const prod = await startTestApp(
      {
        NODE_ENV: 'production',
        AUTH_JWT_SECRET: 'p'.repeat(40),
        STRIPE_SECRET_KEY: 'sk_test_x',
        STRIPE_WEBHOOK_SECRET: 'whsec_prod_test_only',
        CALCOM_WEBHOOK_SECRET: 'calcom-prod-test-only',
        EMAIL_TRANSPORT: 'log',
        EMAIL_LINK_SECRET: 'l'.repeat(40),
      },
      { databaseUrl: t.databaseUrl },
    );
    try {
      const typo = '{ advisr(id: "x") { id } }';
      const http = await prod.raw({ query: typo });
      expect(http.json.errors[0].message).toBe('Cannot query field "advisr" on type "Query".');
      const enumTypo = 'query ($s: [ConsultationStatus!]) { myConsultations(filter: { status: $s }) { edges { cursor } } }';
      const who = await prod.user();
      const v = await prod.raw({ query: enumTypo, variables: { s: ['SCHEDULD'] } }, { authorization: `Bearer ${who.token}` });
      expect(v.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(v.text).not.toMatch(/Did you mean/);

      const c = wsConnect(prod.url, who.token);
      sockets.push(c);
      const overWs = await c.run(typo);
      expect(overWs.errors[0].message).toBe('Cannot query field "advisr" on type "Query".');
      const varWs = await c.run(enumTypo, { s: ['SCHEDULD'] });
      const errors = varWs.errors ?? varWs.result?.errors;
      expect(errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(JSON.stringify(errors)).not.toMatch(/Did you mean/);

      // Development keeps the suggestions, which is what the test above would otherwise miss.
      const dev = await t.raw({ query: typo });
      expect(dev.json.errors[0].message).toMatch(/Did you mean "advisor"/);
    } finally {
      await prod.close();
    }
  });
});
