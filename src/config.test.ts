import { loadConfig } from './config';

describe('configuration', () => {
  const prod = {
    NODE_ENV: 'production',
    AUTH_JWT_SECRET: 's'.repeat(40),
    CALCOM_WEBHOOK_SECRET: 'c',
    SMTP_URL: 'smtp://user:pass@mail.example:587',
    EMAIL_LINK_SECRET: 'e'.repeat(40),
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

  it('refuses to start in production without SMTP_URL unless EMAIL_TRANSPORT=log is set on purpose', () => {
    const keys = { ...prod, STRIPE_SECRET_KEY: 'sk_live_x', STRIPE_WEBHOOK_SECRET: 'whsec_x' };
    expect(loadConfig(keys).email).toMatchObject({ transport: 'smtp', smtpUrl: 'smtp://user:pass@mail.example:587' });
    const noSmtp = { ...keys, SMTP_URL: '' };
    expect(() => loadConfig(noSmtp)).toThrow(/SMTP_URL is required/);
    expect(() => loadConfig({ ...noSmtp, EMAIL_TRANSPORT: 'file' })).toThrow(/SMTP_URL is required/);
    expect(loadConfig({ ...noSmtp, EMAIL_TRANSPORT: 'log' }).email.transport).toBe('log');
    expect(() => loadConfig({ ...keys, EMAIL_LINK_SECRET: '' })).toThrow(/EMAIL_LINK_SECRET/);
    expect(() => loadConfig({ ...keys, EMAIL_LINK_SECRET: 'short' })).toThrow(/EMAIL_LINK_SECRET/);
  });

  it('writes emails to .eml files outside production when no SMTP_URL is set, under EMAIL_DIR if given', () => {
    expect(loadConfig({}).email).toMatchObject({ transport: 'file', smtpUrl: undefined });
    expect(loadConfig({}).email.dir).toMatch(/\.data\/mail$/);
    expect(loadConfig({ EMAIL_DIR: '/tmp/mails' }).email.dir).toBe('/tmp/mails');
    expect(loadConfig({ SMTP_URL: 'smtp://127.0.0.1:2525' }).email.transport).toBe('smtp');
    expect(() => loadConfig({ SMTP_URL: 'http://mail' })).toThrow(/SMTP_URL/);
    expect(() => loadConfig({ EMAIL_TRANSPORT: 'smtp' })).toThrow(/SMTP_URL/);
    expect(() => loadConfig({ EMAIL_TRANSPORT: 'pigeon' })).toThrow(/EMAIL_TRANSPORT/);
  });

  it('reads the crash-test hook once, checks its point, and refuses it in production', () => {
    expect(loadConfig({}).crashAt).toBeNull();
    expect(loadConfig({ CRASH_AT: 'booking.intent-confirmed:3' }).crashAt).toEqual({ point: 'booking.intent-confirmed', pass: 3 });
    expect(() => loadConfig({ CRASH_AT: 'booking.typo:3' })).toThrow(/CRASH_AT/);
    expect(() => loadConfig({ CRASH_AT: 'booking.hold-committed:0' })).toThrow(/CRASH_AT/);
    const keys = { ...prod, STRIPE_SECRET_KEY: 'sk_live_x', STRIPE_WEBHOOK_SECRET: 'whsec_x' };
    expect(() => loadConfig({ ...keys, CRASH_AT: 'booking.hold-committed:1' })).toThrow(/refused in production/);
  });
});
