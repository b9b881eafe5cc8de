import path from 'node:path';
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
  booking: { minNoticeMinutes: number; horizonDays: number; paymentExpiryMinutes: number };
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
  email: { from: string };
  publicAppUrl: string;
  security: SecurityConfig;
}

export class ConfigError extends Error {}

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
  if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be an integer, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function decimal(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+(\.\d+)?$/.test(raw.trim())) throw new ConfigError(`${name} must be a number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
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

const DEV_JWT_SECRET = 'dev-only-secret-change-me-dev-only-secret';
const DEV_WEBHOOK_SECRET = 'whsec_dev_only';

export function loadConfig(env: Env = process.env): Config {
  const nodeEnvRaw = str(env, 'NODE_ENV', 'development');
  if (!['development', 'test', 'production'].includes(nodeEnvRaw)) {
    throw new ConfigError(`NODE_ENV must be development, test or production, got "${nodeEnvRaw}"`);
  }
  const nodeEnv = nodeEnvRaw as Config['nodeEnv'];
  const isProduction = nodeEnv === 'production';

  const jwtSecret = str(env, 'AUTH_JWT_SECRET', isProduction ? '' : DEV_JWT_SECRET);
  if (jwtSecret.length < 32) throw new ConfigError('AUTH_JWT_SECRET must be set to at least 32 characters');

  const secretKey = optional(env, 'STRIPE_SECRET_KEY');
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
    host: str(env, 'HOST', '0.0.0.0'),
    logLevel: str(env, 'LOG_LEVEL', nodeEnv === 'test' ? 'silent' : 'info'),
    databaseUrl: optional(env, 'DATABASE_URL'),
    embeddedPgDir: path.resolve(str(env, 'EMBEDDED_PG_DIR', '.data/pg')),
    runMigrations: bool(env, 'DB_RUN_MIGRATIONS', true),
    auth: { jwtSecret },
    pricing: { priceCents, advisorShareBps: shareBps(env), currency: 'USD' },
    booking: {
      minNoticeMinutes: int(env, 'BOOKING_MIN_NOTICE_MINUTES', 120, 0, 60 * 24 * 30),
      horizonDays: int(env, 'BOOKING_HORIZON_DAYS', 90, 1, 730),
      paymentExpiryMinutes: decimal(env, 'PAYMENT_EXPIRY_MINUTES', 15, 0.01, 24 * 60),
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
    email: { from: str(env, 'EMAIL_FROM', 'Advisor Network <no-reply@advisor.example>') },
    publicAppUrl,
    security: loadSecurityConfig(env, isProduction, {
      AUTH_JWT_SECRET: jwtSecret,
      STRIPE_WEBHOOK_SECRET: stripeWebhookSecret,
      CALCOM_WEBHOOK_SECRET: calcomSecret,
      STRIPE_SECRET_KEY: secretKey,
      CALCOM_API_KEY: optional(env, 'CALCOM_API_KEY'),
    }),
  };
}
