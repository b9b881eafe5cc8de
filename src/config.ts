import fs from 'node:fs';
import path from 'node:path';
import { CRASH_POINTS, type CrashAt, type CrashPointName } from './common/crash';
import { loadSecurityConfig, type SecurityConfig } from './config-security';

/**
 * Every environment variable the server reads, parsed and validated once at start-up.
 * A bad value stops the process with a message naming the variable, rather than surfacing
 * later as a wrong price or a refused token.
 */
export interface Config {
  nodeEnv: 'development' | 'test' | 'production';
  isProduction: boolean;
  port: number;
  host: string;
  logLevel: string;
  /** Unset: an embedded PostgreSQL is started in `embeddedPgDir`. */
  databaseUrl: string | undefined;
  embeddedPgDir: string;
  runMigrations: boolean;
  auth: { jwtSecret: string };
  pricing: {
    priceCents: Record<15 | 30 | 60, number>;
    /** Advisor share in basis points (7000 = 70 %), so the split stays in integer arithmetic. */
    advisorShareBps: number;
    currency: 'USD';
  };
  booking: {
    minNoticeMinutes: number;
    horizonDays: number;
    paymentExpiryMinutes: number;
    /** Unpaid holds one client may have at once; lapsed holds within the cooldown count too. */
    maxUnpaidHolds: number;
    /** How long a hold released unpaid (lapsed, or let go by the client) keeps counting against its client. */
    holdCooldownMinutes: number;
  };
  /** Consultation chat: message size, messages per user per consultation per minute, unread-email delay. */
  chat: { maxChars: number; perMinute: number; unreadEmailMinutes: number };
  stripe: {
    /** Unset: the built-in Stripe simulator is started (never in production). */
    secretKey: string | undefined;
    webhookSecret: string;
    apiBase: string | undefined;
    connectRefreshUrl: string;
    connectReturnUrl: string;
  };
  calcom: { webhookSecret: string; apiKey: string | undefined; apiBase: string };
  graphql: {
    introspection: boolean;
    explorer: boolean;
    maxDepth: number;
    maxCost: number;
    bodyLimitBytes: number;
    /** Parser token limit: deep nesting is refused while parsing, before any recursion can overflow. */
    maxTokens: number;
    maxAliases: number;
    maxDirectives: number;
  };
  email: {
    from: string;
    /** smtp: SMTP_URL; file: an .eml per email under `dir` (development); log: the log only, on purpose. */
    transport: 'smtp' | 'file' | 'log';
    smtpUrl: string | undefined;
    dir: string;
    /** Signs the one-click opt-out links (HMAC-SHA256). */
    linkSecret: string;
    /** Delivery attempts (with the job queue's exponential backoff) before an email is FAILED. */
    maxAttempts: number;
    /** How long after completion the rating prompt goes out, so a client who reviews at once is not asked. */
    ratingPromptDelayMinutes: number;
  };
  publicAppUrl: string;
  /** Where this server is reached from outside (the opt-out links point here); PUBLIC_APP_URL by default. */
  publicApiUrl: string;
  /** Test only (CRASH_AT=<point>:<n>): the process kills itself there; never set in production. */
  crashAt: CrashAt | null;
  /** Browser origins allowed to call the API (CORS); `*` allows any. */
  corsOrigins: string[];
  /** After SIGTERM: how long /readyz answers 503 while requests are still served, before new connections are refused. */
  shutdownGraceMs: number;
  /** When set, GET /metrics needs `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
  security: SecurityConfig;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string, fallback: string): string {
  const v = env[name];
  return v === undefined || v === '' ? fallback : v;
}

function optional(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got ${n}`);
  return n;
}

/** A number (decimals allowed) from `min` to `max`. */
function decimal(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = /^[-+]?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!(n >= min && n <= max)) throw new ConfigError(`${name} must be a number from ${min} to ${max}, got "${raw}"`);
  return n;
}

/** A positive number (decimals allowed) up to `max`. */
function positive(env: Env, name: string, fallback: number, max: number, unit: string): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = /^[-+]?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!(n > 0) || n > max) throw new ConfigError(`${name} must be a positive number of ${unit} (at most ${max}), got "${raw}"`);
  return n;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const v = str(env, name, fallback);
  if (!(allowed as readonly string[]).includes(v)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${v}"`);
  return v as T;
}

/** Credentials are masked, so the error line never prints a password. */
function postgresUrl(env: Env, name: string): string | undefined {
  const v = optional(env, name);
  if (v === undefined) return undefined;
  let ok = false;
  try {
    const u = new URL(v);
    ok = /^postgres(ql)?:$/.test(u.protocol) && u.hostname !== '';
  } catch {
    /* not a URL */
  }
  if (!ok) {
    const shown = v.replace(/\/\/[^@/]*@/, '//***@');
    throw new ConfigError(`${name} must be a PostgreSQL URL such as postgres://user:password@host:5432/db, got "${shown}"`);
  }
  return v;
}

/** Comma-separated browser origins (scheme://host[:port], no path), or `*`. */
function origins(env: Env, name: string, fallback: string[]): string[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const list = raw
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const o of list) {
    if (o === '*') continue;
    let u: URL | null = null;
    try {
      u = new URL(o);
    } catch {
      /* reported below */
    }
    if (!u || !/^https?:$/.test(u.protocol) || u.origin !== o.replace(/\/$/, '')) {
      throw new ConfigError(`${name} must be a comma-separated list of origins such as http://localhost:3000 (or *), got "${o}"`);
    }
  }
  return list.map((o) => o.replace(/\/$/, ''));
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function url(env: Env, name: string, fallback: string | undefined): string | undefined {
  const v = optional(env, name) ?? fallback;
  if (v === undefined) return undefined;
  try {
    const u = new URL(v);
    if (!/^https?:$/.test(u.protocol)) throw new Error();
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL, got "${v}"`);
  }
  return v;
}

function shareBps(env: Env): number {
  const raw = str(env, 'ADVISOR_REVENUE_SHARE', '0.70');
  if (!/^(0(\.\d{1,4})?|1(\.0{1,4})?)$/.test(raw.trim())) {
    throw new ConfigError(`ADVISOR_REVENUE_SHARE must be a fraction between 0 and 1 with at most 4 decimals, got "${raw}"`);
  }
  return Math.round(Number(raw) * 10_000);
}

function crashAt(env: Env, isProduction: boolean): CrashAt | null {
  const raw = optional(env, 'CRASH_AT');
  if (raw === undefined) return null;
  if (isProduction) throw new ConfigError('CRASH_AT is a test hook and is refused in production');
  const m = /^([a-z.-]+):(\d{1,6})$/.exec(raw.trim());
  if (!m || !(CRASH_POINTS as readonly string[]).includes(m[1]!) || Number(m[2]) < 1) {
    throw new ConfigError(`CRASH_AT must be <point>:<n> with n >= 1 and point one of ${CRASH_POINTS.join(', ')}; got "${raw}"`);
  }
  return { point: m[1] as CrashPointName, pass: Number(m[2]) };
}

function hostName(env: Env): string {
  const v = str(env, 'HOST', '0.0.0.0');
  if (!/^[\w.:-]+$/.test(v))
    throw new ConfigError(`HOST must be a host name or IP address to listen on, such as 0.0.0.0 or ::, got "${v}"`);
  return v;
}

function emailFrom(env: Env): string {
  const v = str(env, 'EMAIL_FROM', 'Advisor Network <no-reply@advisor.example>');
  if (!/^([^<>]+<[^<>\s@]+@[^<>\s@]+>|[^<>\s@]+@[^<>\s@]+)$/.test(v.trim())) {
    throw new ConfigError(`EMAIL_FROM must be an address or "Name <address>", got "${v}"`);
  }
  return v;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** What a browser app in development usually runs on (Vite, Next/CRA, Angular); documented in .env.example. */
export const DEV_CORS_ORIGINS = [
  'http://localhost:3000',
  'http://127.0.0.1:3000',
  'http://localhost:5173',
  'http://127.0.0.1:5173',
  'http://localhost:4200',
];

let dotEnvRead = false;

/**
 * The process environment, after reading `.env` from the working directory when there is one.
 * Variables already set in the real environment win over the file.
 */
export function processEnv(): Env {
  if (!dotEnvRead) {
    dotEnvRead = true;
    const file = path.resolve('.env');
    if (fs.existsSync(file)) process.loadEnvFile(file);
  }
  return process.env;
}

const DEV_JWT_SECRET = 'dev-only-secret-change-me-dev-only-secret';
const DEV_WEBHOOK_SECRET = 'whsec_dev_only';
const DEV_EMAIL_LINK_SECRET = 'dev-only-email-link-secret-change-me-dev';

function emailConfig(env: Env, isProduction: boolean): Config['email'] {
  const smtpUrl = optional(env, 'SMTP_URL');
  if (smtpUrl !== undefined && !/^smtps?:\/\/[^/]/i.test(smtpUrl)) {
    throw new ConfigError('SMTP_URL must be an smtp:// or smtps:// URL, e.g. smtp://user:pass@host:587');
  }
  const chosen = optional(env, 'EMAIL_TRANSPORT');
  if (chosen !== undefined && !['smtp', 'file', 'log'].includes(chosen)) {
    throw new ConfigError(`EMAIL_TRANSPORT must be smtp, file or log, got "${chosen}"`);
  }
  const transport = (chosen ?? (smtpUrl ? 'smtp' : 'file')) as Config['email']['transport'];
  if (transport === 'smtp' && !smtpUrl) throw new ConfigError('EMAIL_TRANSPORT=smtp needs SMTP_URL');
  if (isProduction && transport !== 'smtp' && chosen !== 'log') {
    throw new ConfigError('In production SMTP_URL is required (set EMAIL_TRANSPORT=log to only log emails, on purpose)');
  }
  const linkSecret = str(env, 'EMAIL_LINK_SECRET', isProduction ? '' : DEV_EMAIL_LINK_SECRET);
  if (linkSecret.length < 32) throw new ConfigError('EMAIL_LINK_SECRET must be set to at least 32 characters');
  return {
    from: emailFrom(env),
    transport,
    smtpUrl,
    dir: path.resolve(str(env, 'EMAIL_DIR', '.data/mail')),
    linkSecret,
    maxAttempts: int(env, 'EMAIL_MAX_ATTEMPTS', 10, 1, 25),
    ratingPromptDelayMinutes: decimal(env, 'RATING_PROMPT_DELAY_MINUTES', 60, 0, 7 * 24 * 60),
  };
}

export function loadConfig(env: Env = processEnv()): Config {
  const nodeEnv = oneOf(env, 'NODE_ENV', ['development', 'test', 'production'] as const, 'development');
  const isProduction = nodeEnv === 'production';

  const jwtSecret = str(env, 'AUTH_JWT_SECRET', isProduction ? '' : DEV_JWT_SECRET);
  if (jwtSecret.length < 32) throw new ConfigError(`AUTH_JWT_SECRET must be at least 32 characters, got ${jwtSecret.length}`);

  const secretKey = optional(env, 'STRIPE_SECRET_KEY');
  if (secretKey && !/^(sk|rk)_(test|live)_\S+$/.test(secretKey)) {
    throw new ConfigError('STRIPE_SECRET_KEY must be a Stripe secret or restricted key (sk_test_..., sk_live_..., rk_...)');
  }
  const stripeWebhookSecret = str(env, 'STRIPE_WEBHOOK_SECRET', isProduction ? '' : DEV_WEBHOOK_SECRET);
  if (isProduction && (!secretKey || !stripeWebhookSecret)) {
    throw new ConfigError(
      'In production STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are required (the Stripe simulator is for development only)',
    );
  }
  const calcomSecret = str(env, 'CALCOM_WEBHOOK_SECRET', isProduction ? '' : 'calcom-dev-only');
  if (isProduction && !calcomSecret) throw new ConfigError('In production CALCOM_WEBHOOK_SECRET is required');

  const priceCents = {
    15: int(env, 'CONSULTATION_15MIN_PRICE_CENTS', 900, 50, 1_000_000),
    30: int(env, 'CONSULTATION_30MIN_PRICE_CENTS', 1900, 50, 1_000_000),
    60: int(env, 'CONSULTATION_60MIN_PRICE_CENTS', 3500, 50, 1_000_000),
  };

  const port = int(env, 'PORT', 4000, 0, 65535);
  const publicAppUrl = url(env, 'PUBLIC_APP_URL', `http://localhost:${port}`)!;

  return {
    nodeEnv,
    isProduction,
    port,
    host: hostName(env),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, nodeEnv === 'test' ? 'silent' : 'info'),
    databaseUrl: postgresUrl(env, 'DATABASE_URL'),
    embeddedPgDir: path.resolve(str(env, 'EMBEDDED_PG_DIR', '.data/pg')),
    runMigrations: bool(env, 'DB_RUN_MIGRATIONS', true),
    auth: { jwtSecret },
    pricing: { priceCents, advisorShareBps: shareBps(env), currency: 'USD' },
    booking: {
      minNoticeMinutes: int(env, 'BOOKING_MIN_NOTICE_MINUTES', 120, 0, 60 * 24 * 30),
      horizonDays: int(env, 'BOOKING_HORIZON_DAYS', 90, 1, 730),
      paymentExpiryMinutes: positive(env, 'PAYMENT_EXPIRY_MINUTES', 15, 24 * 60, 'minutes'),
      maxUnpaidHolds: int(env, 'BOOKING_MAX_UNPAID_HOLDS', 2, 1, 1000),
      holdCooldownMinutes: decimal(env, 'BOOKING_HOLD_COOLDOWN_MINUTES', 30, 0, 7 * 24 * 60),
    },
    chat: {
      maxChars: int(env, 'CHAT_MESSAGE_MAX_CHARS', 2000, 1, 20_000),
      perMinute: int(env, 'CHAT_MESSAGES_PER_MINUTE', 20, 1, 1000),
      unreadEmailMinutes: positive(env, 'CHAT_UNREAD_EMAIL_MINUTES', 60, 7 * 24 * 60, 'minutes'),
    },
    stripe: {
      secretKey,
      webhookSecret: stripeWebhookSecret,
      apiBase: url(env, 'STRIPE_API_BASE', undefined),
      connectRefreshUrl: url(env, 'STRIPE_CONNECT_REFRESH_URL', `${publicAppUrl}/advisor/payouts/refresh`)!,
      connectReturnUrl: url(env, 'STRIPE_CONNECT_RETURN_URL', `${publicAppUrl}/advisor/payouts/done`)!,
    },
    calcom: {
      webhookSecret: calcomSecret,
      apiKey: optional(env, 'CALCOM_API_KEY'),
      apiBase: url(env, 'CALCOM_API_BASE', 'https://api.cal.com')!,
    },
    graphql: {
      introspection: bool(env, 'GRAPHQL_INTROSPECTION', !isProduction),
      explorer: !isProduction,
      maxDepth: int(env, 'GRAPHQL_MAX_DEPTH', 10, 2, 50),
      maxCost: int(env, 'GRAPHQL_MAX_COST', 10_000, 10, 1_000_000),
      bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 1_048_576, 1024, 50 * 1_048_576),
      // Above ~3,000 tokens a document can nest deep enough to overflow graphql-js's recursive parser.
      maxTokens: int(env, 'GRAPHQL_MAX_TOKENS', 2000, 100, 3000),
      maxAliases: int(env, 'GRAPHQL_MAX_ALIASES', 20, 0, 1000),
      maxDirectives: int(env, 'GRAPHQL_MAX_DIRECTIVES', 30, 0, 1000),
    },
    email: emailConfig(env, isProduction),
    publicAppUrl,
    publicApiUrl: url(env, 'PUBLIC_API_URL', publicAppUrl)!,
    crashAt: crashAt(env, isProduction),
    corsOrigins: origins(env, 'CORS_ORIGINS', isProduction ? [] : DEV_CORS_ORIGINS),
    shutdownGraceMs: int(env, 'SHUTDOWN_GRACE_MS', isProduction ? 5000 : 0, 0, 600_000),
    metricsToken: optional(env, 'METRICS_TOKEN'),
    security: loadSecurityConfig(env, isProduction, {
      AUTH_JWT_SECRET: jwtSecret,
      STRIPE_WEBHOOK_SECRET: stripeWebhookSecret,
      CALCOM_WEBHOOK_SECRET: calcomSecret,
      STRIPE_SECRET_KEY: secretKey,
      CALCOM_API_KEY: optional(env, 'CALCOM_API_KEY'),
    }),
  };
}
