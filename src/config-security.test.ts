import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from './config';
import { PUBLIC_SECRETS, parseRateRule } from './config-security';

const root = path.resolve(__dirname, '..');

/** A production environment that starts: every secret our own, a database named. */
const prod = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://app@db.internal:5432/advisors',
  AUTH_JWT_SECRET: 'k3Vq9w0-prod-only-jwt-secret-of-our-own-7Xz',
  STRIPE_SECRET_KEY: 'sk_live_ours',
  STRIPE_WEBHOOK_SECRET: 'whsec_ours_from_the_dashboard',
  CALCOM_WEBHOOK_SECRET: 'calcom-ours-from-the-settings',
  SMTP_URL: 'smtp://mail.internal:587',
  EMAIL_LINK_SECRET: 'ours-email-link-secret-not-in-the-repo-42',
};

/** Values given to *_SECRET / *_KEY variables in a document: `NAME=value` or a table cell "`NAME` | `value`". */
function documentedSecrets(text: string): string[] {
  const values: string[] = [];
  for (const m of text.matchAll(/^([A-Z_]*(?:SECRET|_KEY))=(\S+)/gm)) values.push(m[2]!);
  for (const m of text.matchAll(/^\|\s*`([A-Z_]*(?:SECRET|_KEY))`\s*\|\s*`([^`]+)`/gm)) values.push(m[2]!);
  return values;
}

describe('production refuses secrets published in this repository (issue 11, finding 5)', () => {
  it('starts with secrets of its own', () => {
    expect(loadConfig(prod).isProduction).toBe(true);
  });

  it.each([
    ['AUTH_JWT_SECRET', 'dev-only-secret-change-me-dev-only-secret'],
    ['STRIPE_WEBHOOK_SECRET', 'whsec_dev_only'],
    ['CALCOM_WEBHOOK_SECRET', 'calcom-dev-only'],
  ])('refuses %s set to the development default, in one line naming it', (name, value) => {
    expect(() => loadConfig({ ...prod, [name]: value })).toThrow(
      new RegExp(`^${name} is a value published in this repository; set a secret of your own in production$`),
    );
    // Development keeps working with it.
    expect(() => loadConfig({ ...prod, NODE_ENV: 'development', [name]: value })).not.toThrow();
  });

  it('covers every development default, so a new one cannot slip past', () => {
    const dev = loadConfig({ NODE_ENV: 'development' });
    for (const value of [dev.auth.jwtSecret, dev.stripe.webhookSecret, dev.calcom.webhookSecret]) {
      expect(PUBLIC_SECRETS.has(value)).toBe(true);
    }
  });

  it('covers every secret value written in README.md and .env.example', () => {
    expect(documentedSecrets('AUTH_JWT_SECRET=abc # note\n| `X_SECRET` | `v` | meaning |')).toEqual(['abc', 'v']);
    // Placeholders ("sk_test_...") show a shape, not a value anyone could use.
    const values = ['README.md', '.env.example'].flatMap((f) => documentedSecrets(fs.readFileSync(path.join(root, f), 'utf8')));
    for (const value of values.filter((v) => !/^(unset|a development secret)$/i.test(v) && !/(\.\.\.|…)$/.test(v))) {
      expect([value, PUBLIC_SECRETS.has(value)]).toEqual([value, true]);
    }
  });

  it('refuses to run without DATABASE_URL (no embedded database in production)', () => {
    const { DATABASE_URL: _, ...noDb } = prod;
    expect(() => loadConfig(noDb)).toThrow(/^In production DATABASE_URL is required/);
  });

  it('says so in one line on stderr and exits 1, before opening anything', async () => {
    const { DATABASE_URL: _, ...noDb } = prod;
    const run = promisify(execFile);
    const err = await run(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        ...noDb,
        AUTH_JWT_SECRET: 'dev-only-secret-change-me-dev-only-secret',
        DATABASE_URL: 'postgres://x@127.0.0.1:1/x',
      },
      timeout: 60_000,
    }).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).toBe(1);
    expect((err as { stderr: string }).stderr).toBe(
      'Configuration error: AUTH_JWT_SECRET is a value published in this repository; set a secret of your own in production\n',
    );
  }, 60_000);
});

describe('rate limit rules', () => {
  it('reads a count per window and names the variable when it cannot', () => {
    expect(parseRateRule('X', '20/1m')).toEqual({ limit: 20, windowMs: 60_000 });
    expect(parseRateRule('X', '10/h')).toEqual({ limit: 10, windowMs: 3_600_000 });
    expect(parseRateRule('X', '300/90s')).toEqual({ limit: 300, windowMs: 90_000 });
    expect(() => parseRateRule('RATE_LIMIT_MUTATIONS_PER_USER', '20 per minute')).toThrow(/^RATE_LIMIT_MUTATIONS_PER_USER must be/);
    expect(() => parseRateRule('X', '0/1m')).toThrow(/X must be/);
  });

  it('refuses RATE_LIMITS=off in production and accepts it elsewhere', () => {
    expect(() => loadConfig({ ...prod, RATE_LIMITS: 'off' })).toThrow(/^RATE_LIMITS=off is refused in production/);
    expect(loadConfig({ RATE_LIMITS: 'off' }).security.rateLimits.enabled).toBe(false);
    expect(loadConfig({}).security.rateLimits.enabled).toBe(true);
  });
});
