import { loadConfig } from './config';

describe('configuration', () => {
  const prod = {
    NODE_ENV: 'production',
    DATABASE_URL: 'postgres://app@db:5432/app',
    AUTH_JWT_SECRET: 's'.repeat(40),
    CALCOM_WEBHOOK_SECRET: 'c',
  };

  it('refuses to start in production without real Stripe keys (no simulator there)', () => {
    expect(() => loadConfig(prod)).toThrow(/STRIPE_SECRET_KEY/);
    expect(() => loadConfig({ ...prod, STRIPE_SECRET_KEY: 'sk_live_x' })).toThrow(/STRIPE_WEBHOOK_SECRET/);
    expect(loadConfig({ ...prod, STRIPE_SECRET_KEY: 'sk_live_x', STRIPE_WEBHOOK_SECRET: 'whsec_x' }).stripe.secretKey).toBe('sk_live_x');
  });

  it('turns introspection off in production unless asked', () => {
    const keys = { ...prod, STRIPE_SECRET_KEY: 'sk_live_x', STRIPE_WEBHOOK_SECRET: 'whsec_x' };
    expect(loadConfig(keys).graphql.introspection).toBe(false);
    expect(loadConfig({ ...keys, GRAPHQL_INTROSPECTION: 'true' }).graphql.introspection).toBe(true);
    expect(loadConfig({}).graphql.introspection).toBe(true);
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ STRIPE_API_BASE: 'ftp://x' })).toThrow(/STRIPE_API_BASE/);
    expect(() => loadConfig({ PAYMENT_EXPIRY_MINUTES: '-3' })).toThrow(/PAYMENT_EXPIRY_MINUTES/);
    expect(() => loadConfig({ DB_RUN_MIGRATIONS: 'maybe' })).toThrow(/DB_RUN_MIGRATIONS/);
  });
});
