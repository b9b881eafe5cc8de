import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from './config';

describe('configuration', () => {
  const prod = {
    NODE_ENV: 'production',
    AUTH_JWT_SECRET: 's'.repeat(40),
    CALCOM_WEBHOOK_SECRET: 'c',
    SMTP_URL: 'smtp://user:pass@mail.example:587',
    EMAIL_LINK_SECRET: 'e'.repeat(40),
    DATABASE_URL: 'postgres://app@db:5432/app',
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

  // Each bad value must stop the server with one line naming the variable and what it accepts.
  const bad: [string, string, RegExp][] = [
    ['NODE_ENV', 'prod', /^NODE_ENV must be one of development, test, production, got "prod"$/],
    ['PORT', 'eighty', /^PORT must be a whole number from 0 to 65535, got "eighty"$/],
    ['PORT', '70000', /^PORT must be a whole number from 0 to 65535, got 70000$/],
    ['HOST', 'local host', /^HOST must be a host name or IP address/],
    ['LOG_LEVEL', 'loud', /^LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"$/],
    ['PUBLIC_APP_URL', 'example.com', /^PUBLIC_APP_URL must be an http\(s\) URL, got "example.com"$/],
    ['DATABASE_URL', 'notaurl', /^DATABASE_URL must be a PostgreSQL URL such as postgres:\/\/user:password@host:5432\/db, got "notaurl"$/],
    ['DATABASE_URL', 'mysql://root:hunter2@db/x', /^DATABASE_URL must be a PostgreSQL URL .*got "mysql:\/\/\*\*\*@db\/x"$/],
    ['DB_RUN_MIGRATIONS', 'maybe', /^DB_RUN_MIGRATIONS must be true or false, got "maybe"$/],
    ['AUTH_JWT_SECRET', 'short', /^AUTH_JWT_SECRET must be at least 32 characters, got 5$/],
    ['CONSULTATION_15MIN_PRICE_CENTS', '9.5', /^CONSULTATION_15MIN_PRICE_CENTS must be a whole number from 50 to 1000000/],
    ['CONSULTATION_30MIN_PRICE_CENTS', '10', /^CONSULTATION_30MIN_PRICE_CENTS must be a whole number from 50 to 1000000, got 10$/],
    ['CONSULTATION_60MIN_PRICE_CENTS', '-1', /^CONSULTATION_60MIN_PRICE_CENTS must be a whole number from 50/],
    ['ADVISOR_REVENUE_SHARE', '1.5', /^ADVISOR_REVENUE_SHARE must be a fraction between 0 and 1/],
    ['BOOKING_MIN_NOTICE_MINUTES', 'soon', /^BOOKING_MIN_NOTICE_MINUTES must be a whole number/],
    ['BOOKING_HORIZON_DAYS', '0', /^BOOKING_HORIZON_DAYS must be a whole number from 1 to 730, got 0$/],
    ['PAYMENT_EXPIRY_MINUTES', '-1', /^PAYMENT_EXPIRY_MINUTES must be a positive number of minutes \(at most 1440\), got "-1"$/],
    ['PAYMENT_EXPIRY_MINUTES', 'ten', /^PAYMENT_EXPIRY_MINUTES must be a positive number of minutes/],
    ['BOOKING_MAX_UNPAID_HOLDS', '0', /^BOOKING_MAX_UNPAID_HOLDS must be a whole number from 1 to 1000, got 0$/],
    ['BOOKING_HOLD_COOLDOWN_MINUTES', 'soon', /^BOOKING_HOLD_COOLDOWN_MINUTES must be a number from 0 to 10080/],
    ['STRIPE_SECRET_KEY', 'pk_test_abc', /^STRIPE_SECRET_KEY must be a Stripe secret or restricted key/],
    ['STRIPE_API_BASE', 'ftp://x', /^STRIPE_API_BASE must be an http\(s\) URL, got "ftp:\/\/x"$/],
    ['STRIPE_CONNECT_REFRESH_URL', 'nope', /^STRIPE_CONNECT_REFRESH_URL must be an http\(s\) URL/],
    ['STRIPE_CONNECT_RETURN_URL', 'nope', /^STRIPE_CONNECT_RETURN_URL must be an http\(s\) URL/],
    ['CALCOM_API_BASE', 'cal.com', /^CALCOM_API_BASE must be an http\(s\) URL/],
    ['GRAPHQL_INTROSPECTION', 'sometimes', /^GRAPHQL_INTROSPECTION must be true or false/],
    ['GRAPHQL_MAX_DEPTH', '1', /^GRAPHQL_MAX_DEPTH must be a whole number from 2 to 50, got 1$/],
    ['GRAPHQL_MAX_COST', 'lots', /^GRAPHQL_MAX_COST must be a whole number/],
    ['BODY_LIMIT_BYTES', '1k', /^BODY_LIMIT_BYTES must be a whole number/],
    ['EMAIL_FROM', 'nobody', /^EMAIL_FROM must be an address or "Name <address>", got "nobody"$/],
    [
      'CORS_ORIGINS',
      'localhost:3000',
      /^CORS_ORIGINS must be a comma-separated list of origins such as http:\/\/localhost:3000 \(or \*\), got "localhost:3000"$/,
    ],
    ['CORS_ORIGINS', 'http://a.example/app', /^CORS_ORIGINS must be a comma-separated list of origins/],
    ['SHUTDOWN_GRACE_MS', '-5', /^SHUTDOWN_GRACE_MS must be a whole number from 0 to 600000, got -5$/],
  ];
  it.each(bad)('refuses %s=%s with one line naming it', (name, value, message) => {
    let error: Error | undefined;
    try {
      loadConfig({ [name]: value });
    } catch (err) {
      error = err as Error;
    }
    expect(error?.name).toBe('ConfigError');
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toMatch(/\n/);
  });

  it('accepts good values and documented defaults', () => {
    const c = loadConfig({ LOG_LEVEL: 'debug', DATABASE_URL: 'postgresql://u:p@db:5432/x', PAYMENT_EXPIRY_MINUTES: '0.5' });
    expect(c.logLevel).toBe('debug');
    expect(c.booking.paymentExpiryMinutes).toBe(0.5);
    expect(c.booking).toMatchObject({ maxUnpaidHolds: 2, holdCooldownMinutes: 30 });
    expect(c.corsOrigins).toContain('http://localhost:3000');
    expect(loadConfig({ CORS_ORIGINS: 'https://app.example, http://localhost:8080/' }).corsOrigins).toEqual([
      'https://app.example',
      'http://localhost:8080',
    ]);
    const prodKeys = { ...prod, STRIPE_SECRET_KEY: 'sk_live_x', STRIPE_WEBHOOK_SECRET: 'whsec_x' };
    expect(loadConfig(prodKeys).corsOrigins).toEqual([]);
    expect(loadConfig(prodKeys).shutdownGraceMs).toBe(5000);
    expect(loadConfig({}).shutdownGraceMs).toBe(0);
  });

  it('reads .env from the working directory, and the real environment wins over it', () => {
    // A child process: jest gives each test file a copy of process.env that process.loadEnvFile does not write to.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dotenv-'));
    fs.writeFileSync(path.join(dir, '.env'), 'LOG_LEVEL=debug   # from the file\nPORT=4555\nSHUTDOWN_GRACE_MS=250\n');
    try {
      const script = `const { loadConfig } = require(${JSON.stringify(path.join(__dirname, 'config.ts'))});
        const c = loadConfig(); console.log(JSON.stringify([c.logLevel, c.port, c.shutdownGraceMs]));`;
      const env = { PATH: process.env.PATH, PORT: '4666', TS_NODE_PROJECT: path.join(__dirname, '..', 'tsconfig.json') };
      const out = execFileSync(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), '-e', script], {
        cwd: dir,
        env,
        encoding: 'utf8',
      });
      expect(JSON.parse(out)).toEqual(['debug', 4666, 250]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
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
