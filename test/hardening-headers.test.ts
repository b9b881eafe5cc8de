import { DEVELOPMENT_CSP, PRODUCTION_CSP } from '../src/http/security-headers';
import { startTestApp, type TestApp } from './helpers/app';

const prodEnv = {
  NODE_ENV: 'production',
  AUTH_JWT_SECRET: 'p'.repeat(40),
  STRIPE_SECRET_KEY: 'sk_test_x',
  STRIPE_WEBHOOK_SECRET: 'whsec_prod_test_only',
  CALCOM_WEBHOOK_SECRET: 'calcom-prod-test-only',
  EMAIL_TRANSPORT: 'log',
  EMAIL_LINK_SECRET: 'l'.repeat(40),
};

const responses = (t: TestApp) =>
  Promise.all([
    fetch(`${t.url}/healthz`),
    fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ pricing { sku } }"}' }),
    fetch(`${t.url}/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
    fetch(`${t.url}/no-such-route`),
  ]);

describe('security headers (issue 11, finding 12)', () => {
  let dev: TestApp;
  let prod: TestApp;
  beforeAll(async () => {
    dev = await startTestApp();
    prod = await startTestApp(prodEnv, { databaseUrl: dev.databaseUrl });
  });
  afterAll(async () => {
    await prod?.close();
    await dev?.close();
  });

  it('sends a strict policy, nosniff, no framing and HSTS on every production response', async () => {
    for (const r of await responses(prod)) {
      expect(r.headers.get('content-security-policy')).toBe(PRODUCTION_CSP);
      expect(r.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('x-frame-options')).toBe('DENY');
      expect(r.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });

  it('allows this origin’s scripts and inline styles in development, without HSTS, and still serves the explorer', async () => {
    for (const r of await responses(dev)) {
      expect(r.headers.get('content-security-policy')).toBe(DEVELOPMENT_CSP);
      expect(r.headers.get('strict-transport-security')).toBeNull();
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    }
    expect(DEVELOPMENT_CSP).toMatch(/script-src 'self'(;|$)/);
    expect(DEVELOPMENT_CSP).toMatch(/style-src 'self' 'unsafe-inline'/);
    const page = await fetch(`${dev.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
    // The explorer is served from this origin's own files, so it runs under a policy that allows only them.
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'(;|$)/);
  });
});
