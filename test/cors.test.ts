import { startTestApp, type TestApp } from './helpers/app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ CORS_ORIGINS: 'http://localhost:3000,https://app.example' });
});
afterAll(() => t.close());

const preflight = (origin: string) =>
  fetch(`${t.url}/graphql`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' },
  });

const post = (origin: string) =>
  fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ pricing { sku } }' }),
  });

describe('CORS for the origins in CORS_ORIGINS', () => {
  it('answers a preflight from an allowed origin (not the CSRF check)', async () => {
    const r = await preflight('http://localhost:3000');
    expect(r.status).toBe(204);
    expect(r.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(r.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(r.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    expect(r.headers.get('access-control-allow-credentials')).toBeNull();
    expect(r.headers.get('vary')).toMatch(/Origin/i);
  });

  it('lets an allowed origin read a cross-origin POST, and its request id', async () => {
    const r = await post('https://app.example');
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(r.headers.get('access-control-expose-headers')).toMatch(/x-request-id/);
    expect(((await r.json()) as { data: { pricing: unknown[] } }).data.pricing).toHaveLength(3);
  });

  it('gives a refused origin no Access-Control-Allow-Origin, on the preflight or the POST', async () => {
    const pre = await preflight('http://evil.example');
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    const r = await post('http://evil.example');
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
    // Another port of an allowed host is another origin.
    const port = await preflight('http://localhost:3001');
    expect(port.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows no origin by default in production', async () => {
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
      const r = await fetch(`${prod.url}/graphql`, {
        method: 'OPTIONS',
        headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST' },
      });
      expect(r.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await prod.close();
    }
  });
});
