import { ConfigError } from './config';

/**
 * The variables of the hardening work (issue 11): token checks, rate limits and the shared store
 * behind them, and what production refuses to start with. Parsed here, beside config.ts, and
 * exposed as `config.security`; every variable is in the README table and .env.example.
 */
export interface SecurityConfig {
  auth: {
    /** `iss` every token must carry, when set. */
    issuer: string | undefined;
    /** `aud` every token must include, when set. */
    audience: string | undefined;
    /** Tokens issued longer ago than this are refused, whatever their `exp`. */
    maxTokenAgeSeconds: number;
    /** An identity provider's JWKS: RS256/ES256 tokens are verified against it, beside HS256 ones. */
    jwksUrl: string | undefined;
  };
  rateLimits: RateLimitsConfig;
  /** Shared store for the rate limits; unset keeps them in this process's memory. */
  redisUrl: string | undefined;
  redisKeyPrefix: string;
  /** Fastify's `trustProxy`: whose X-Forwarded-For to believe when telling clients apart by IP. */
  trustProxy: boolean | number | string[];
}

/** `limit` events per `windowMs`, counted per key (an IP or a user). */
export interface RateRule {
  limit: number;
  windowMs: number;
}

export interface RateLimitsConfig {
  enabled: boolean;
  /** Requests whose bearer token is refused, per IP; past the limit any request with a token is refused. */
  authFailuresPerIp: RateRule;
  /** Mutations per signed-in user (HTTP and WebSocket together). */
  mutationsPerUser: RateRule;
  /** Mutations per IP, signed in or not. */
  mutationsPerIp: RateRule;
  bookingsPerUser: RateRule;
  bookingsPerIp: RateRule;
  /** Webhook deliveries refused (bad signature or body), per IP; past the limit every delivery from it is refused. */
  webhookFailuresPerIp: RateRule;
  /** WebSocket upgrade requests per IP. */
  wsConnectsPerIp: RateRule;
  /** Open WebSocket connections per user, on one instance. */
  wsConnectionsPerUser: number;
  /** Live subscriptions per user, on one instance. */
  wsSubscriptionsPerUser: number;
}

type Env = Record<string, string | undefined>;

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/** `20/1m`, `10/1h`, `300/90s`: a count per window. */
export function parseRateRule(name: string, raw: string): RateRule {
  const m = /^\s*(\d+)\s*\/\s*(\d*)\s*([smh])\s*$/.exec(raw);
  const limit = m ? Number(m[1]) : NaN;
  const windowMs = m ? Number(m[2] || '1') * UNITS[m[3]!]! : NaN;
  if (!m || limit < 1 || limit > 1_000_000 || windowMs < 1000 || windowMs > 24 * 3_600_000) {
    throw new ConfigError(`${name} must be a count per window such as 20/1m, 10/1h or 300/90s (window 1s to 24h), got "${raw}"`);
  }
  return { limit, windowMs };
}

function rule(env: Env, name: string, fallback: string): RateRule {
  const raw = env[name];
  return parseRateRule(name, raw === undefined || raw.trim() === '' ? fallback : raw);
}

function count(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!(n >= min && n <= max)) throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return n;
}

function onOff(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw.trim())) return true;
  if (/^(0|false|no|off)$/i.test(raw.trim())) return false;
  throw new ConfigError(`${name} must be on or off, got "${raw}"`);
}

function text(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
}

function httpUrl(env: Env, name: string): string | undefined {
  const v = text(env, name);
  if (v === undefined) return undefined;
  let ok = false;
  try {
    ok = /^https?:$/.test(new URL(v).protocol);
  } catch {
    /* reported below */
  }
  if (!ok) throw new ConfigError(`${name} must be an http(s) URL, got "${v}"`);
  return v;
}

function redisUrl(env: Env): string | undefined {
  const v = text(env, 'REDIS_URL');
  if (v === undefined) return undefined;
  let ok = false;
  try {
    ok = /^rediss?:$/.test(new URL(v).protocol);
  } catch {
    /* reported below */
  }
  if (!ok)
    throw new ConfigError(`REDIS_URL must be a Redis URL such as redis://127.0.0.1:6379, got "${v.replace(/\/\/[^@/]*@/, '//***@')}"`);
  return v;
}

function trustProxy(env: Env): boolean | number | string[] {
  const raw = text(env, 'TRUST_PROXY');
  if (raw === undefined || /^(0|false|no|off)$/i.test(raw)) return false;
  if (/^(true|yes|on)$/i.test(raw)) return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  const list = raw.split(',').map((s) => s.trim());
  if (list.every((s) => /^[0-9a-f.:]+(\/\d{1,3})?$/i.test(s) || ['loopback', 'linklocal', 'uniquelocal'].includes(s))) return list;
  throw new ConfigError(
    `TRUST_PROXY must be true, false, a number of proxy hops, or a comma-separated list of proxy IPs/CIDRs, got "${raw}"`,
  );
}

/**
 * Secret values anyone can read in this repository: the development defaults in config.ts and
 * the examples in README.md and .env.example. A server that uses one of them can be forged
 * against (an admin token minted, a webhook signed), so production refuses all of them.
 * src/config-security.test.ts checks that this list still covers the defaults and the docs.
 */
export const PUBLIC_SECRETS: ReadonlySet<string> = new Set([
  'dev-only-secret-change-me-dev-only-secret',
  'whsec_dev_only',
  'calcom-dev-only',
]);

/** Everything production refuses to start with, one line each (the first found is reported). */
function refuseInProduction(env: Env, secrets: Record<string, string | undefined>, rateLimits: boolean): void {
  if (!text(env, 'DATABASE_URL')) {
    throw new ConfigError('In production DATABASE_URL is required (the embedded PostgreSQL is for development only)');
  }
  for (const [name, value] of Object.entries(secrets)) {
    if (value !== undefined && PUBLIC_SECRETS.has(value.trim())) {
      throw new ConfigError(`${name} is a value published in this repository; set a secret of your own in production`);
    }
  }
  if (!rateLimits) throw new ConfigError('RATE_LIMITS=off is refused in production (it is for load tests and data imports)');
}

export function loadSecurityConfig(env: Env, isProduction: boolean, secrets: Record<string, string | undefined>): SecurityConfig {
  const enabled = onOff(env, 'RATE_LIMITS', true);
  if (isProduction) refuseInProduction(env, secrets, enabled);
  return {
    auth: {
      issuer: text(env, 'AUTH_ISSUER'),
      audience: text(env, 'AUTH_AUDIENCE'),
      maxTokenAgeSeconds: count(env, 'AUTH_MAX_TOKEN_AGE', 86_400, 60, 90 * 86_400),
      jwksUrl: httpUrl(env, 'AUTH_JWKS_URL'),
    },
    rateLimits: {
      enabled,
      authFailuresPerIp: rule(env, 'RATE_LIMIT_AUTH_FAILURES_PER_IP', '20/1m'),
      mutationsPerUser: rule(env, 'RATE_LIMIT_MUTATIONS_PER_USER', '60/1m'),
      mutationsPerIp: rule(env, 'RATE_LIMIT_MUTATIONS_PER_IP', '300/1m'),
      bookingsPerUser: rule(env, 'RATE_LIMIT_BOOKINGS_PER_USER', '10/1h'),
      bookingsPerIp: rule(env, 'RATE_LIMIT_BOOKINGS_PER_IP', '50/1h'),
      webhookFailuresPerIp: rule(env, 'RATE_LIMIT_WEBHOOK_FAILURES_PER_IP', '30/1m'),
      wsConnectsPerIp: rule(env, 'RATE_LIMIT_WS_CONNECTS_PER_IP', '60/1m'),
      wsConnectionsPerUser: count(env, 'WS_MAX_CONNECTIONS_PER_USER', 10, 1, 10_000),
      wsSubscriptionsPerUser: count(env, 'WS_MAX_SUBSCRIPTIONS_PER_USER', 50, 1, 100_000),
    },
    redisUrl: redisUrl(env),
    redisKeyPrefix: text(env, 'REDIS_KEY_PREFIX') ?? 'advisor:rl:',
    trustProxy: trustProxy(env),
  };
}
