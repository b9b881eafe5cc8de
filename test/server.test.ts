import { PricingDocument } from './generated/graphql';
import { startTestApp, type TestApp } from './helpers/app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ GRAPHQL_MAX_DEPTH: '6', GRAPHQL_MAX_COST: '500', BODY_LIMIT_BYTES: '4096' });
});
afterAll(() => t.close());

describe('HTTP surface', () => {
  it('answers /healthz and /readyz, with a request id header', async () => {
    const h = await fetch(`${t.url}/healthz`);
    expect(h.status).toBe(200);
    expect(await h.json()).toEqual({ status: 'ok' });
    const r = await fetch(`${t.url}/readyz`, { headers: { 'x-request-id': 'abc-123' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-request-id')).toBe('abc-123');
  });

  it('refuses queries nested too deep or too costly', async () => {
    const deep = await t.raw({ query: '{ a: pricing { sku } ' + 'b: advisors { edges { node { id } } } }' });
    expect(deep.json.errors).toBeUndefined();
    const fragmentLoop = `{ advisors(first: 100) { edges { node { id displayName bio skills specialties languages rating reviewCount createdAt } } } }`;
    const costly = await t.raw({ query: fragmentLoop });
    expect(costly.status).toBe(400);
    expect(costly.json.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(costly.json.errors[0].message).toMatch(/cost/);
    const tooDeep = await t.raw({ query: '{ __typename advisors { edges { node { id } } pageInfo { endCursor } } }' });
    expect(tooDeep.status).toBe(200);
    const nested = await t.raw({
      query: 'query { advisors { edges { node { id } } } ...F } fragment F on Query { advisors { edges { cursor node { id } } } }',
    });
    expect(nested.status).toBe(200);
  });

  it('refuses an over-deep query (depth limit)', async () => {
    const small = await startTestApp({ GRAPHQL_MAX_DEPTH: '3' });
    try {
      const r = await small.raw({ query: '{ advisors { edges { node { id } } } }' });
      expect(r.status).toBe(400);
      expect(r.json.errors[0].message).toMatch(/nested 4 levels deep/);
    } finally {
      await small.close();
    }
  });

  it('blocks simple GET requests without a preflight header (CSRF prevention)', async () => {
    const r = await fetch(`${t.url}/graphql?query=${encodeURIComponent('{ pricing { sku } }')}`);
    expect(r.status).toBe(400);
    const ok = await fetch(`${t.url}/graphql?query=${encodeURIComponent('{ pricing { sku } }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(ok.status).toBe(200);
  });

  it('refuses bodies over the size limit with 413', async () => {
    const r = await t.raw({ query: '{ pricing { sku } }', padding: 'x'.repeat(5000) });
    expect(r.status).toBe(413);
  });

  it('answers malformed JSON with 400', async () => {
    const r = await t.raw('{"query": ');
    expect(r.status).toBe(400);
  });

  it('shows the explorer to a browser in development', async () => {
    const r = await fetch(`${t.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(r.status).toBe(200);
    expect(await r.text()).toMatch(/<html/i);
  });

  it('hides unexpected failures behind INTERNAL_SERVER_ERROR with no SQL', async () => {
    const em = t.app.services.orm.em.fork();
    await em.execute('alter table advisors rename to advisors_gone');
    try {
      const r = await t.raw({ query: '{ advisors { edges { node { id } } } }' });
      expect(r.json.errors[0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
      expect(r.json.errors[0].message).toBe('Internal server error');
      expect(r.text).not.toMatch(/select|advisors_gone|relation|stack/i);
    } finally {
      await em.execute('alter table advisors_gone rename to advisors');
    }
  });
});

describe('production settings', () => {
  it('turns introspection and the explorer off in production', async () => {
    const prod = await startTestApp({
      NODE_ENV: 'production',
      AUTH_JWT_SECRET: 'p'.repeat(40),
      STRIPE_SECRET_KEY: 'sk_test_x',
      STRIPE_WEBHOOK_SECRET: 'whsec_x',
      CALCOM_WEBHOOK_SECRET: 'c',
      EMAIL_TRANSPORT: 'log',
      EMAIL_LINK_SECRET: 'l'.repeat(40),
    });
    try {
      const r = await prod.raw({ query: '{ __schema { types { name } } }' });
      expect(r.json.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      const html = await fetch(`${prod.url}/graphql`, { headers: { accept: 'text/html' } });
      expect(await html.text()).not.toMatch(/embeddable-explorer|sandbox/i);
      const ok = await prod.gql(PricingDocument);
      expect(ok.data?.pricing).toHaveLength(3);
    } finally {
      await prod.close();
    }
  });
});
