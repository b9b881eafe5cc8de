import type { IncomingMessage } from 'node:http';
import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import proxyAddr from '@fastify/proxy-addr';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GraphQLError, Kind, type DocumentNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { RateLimitsConfig, RateRule } from '../config-security';
import type { Context, Viewer } from '../context';

/**
 * Rate limits at the edge (issue 11, finding 4). Counters are fixed windows per rule and key (an
 * IP or a user id), kept in this process's memory or, with REDIS_URL, in Redis so that every
 * instance enforces one limit. Some rules count every attempt (mutations, bookings, WebSocket
 * upgrades); others count only failures (refused tokens, refused webhook deliveries) and, once
 * over, refuse the requests that could fail again. @fastify/rate-limit counts every request to a
 * route before its handler runs, so it can count neither outcomes nor GraphQL operation types, and
 * it never sees WebSocket messages: hence this small limiter of our own.
 */

export type RuleName = Exclude<keyof RateLimitsConfig, 'enabled' | 'wsConnectionsPerUser' | 'wsSubscriptionsPerUser'>;

export interface Decision {
  allowed: boolean;
  /** Seconds until the window that refused this ends (0 when allowed). */
  retryAfter: number;
}

/** A counter per key living `windowMs` from its first hit. `by` 0 reads without counting. */
export interface CounterStore {
  add(key: string, by: number, windowMs: number): Promise<{ count: number; resetInMs: number }>;
  close(): Promise<void>;
}

/** Counters in this process; expired ones are swept as new ones arrive, and there are at most `maxKeys`. */
export class MemoryStore implements CounterStore {
  private readonly counters = new Map<string, { count: number; resetAt: number }>();
  private sinceSweep = 0;

  constructor(private readonly maxKeys = 100_000) {}

  async add(key: string, by: number, windowMs: number) {
    const now = Date.now();
    let c = this.counters.get(key);
    if (!c || c.resetAt <= now) {
      if (by === 0) return { count: 0, resetInMs: 0 };
      c = { count: 0, resetAt: now + windowMs };
      this.counters.delete(key);
      this.counters.set(key, c);
      this.sweep(now);
    }
    c.count += by;
    return { count: c.count, resetInMs: c.resetAt - now };
  }

  private sweep(now: number): void {
    if (++this.sinceSweep < 1000 && this.counters.size <= this.maxKeys) return;
    this.sinceSweep = 0;
    for (const [k, c] of this.counters) if (c.resetAt <= now) this.counters.delete(k);
    // Still too many (keys from a flood of addresses): the oldest windows go first.
    for (const k of this.counters.keys()) {
      if (this.counters.size <= this.maxKeys) break;
      this.counters.delete(k);
    }
  }

  async close(): Promise<void> {
    this.counters.clear();
  }
}

/** INCRBY, and start the window on a key that has none: atomic in Redis, one round trip. */
const ADD_SCRIPT = `
local n = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  if n == 0 then redis.call('DEL', KEYS[1]); return {0, 0} end
  redis.call('PEXPIRE', KEYS[1], ARGV[2]); ttl = tonumber(ARGV[2])
end
return {n, ttl}`;

type RedisWithAdd = Redis & { rateAdd(key: string, by: number, windowMs: number): Promise<[number, number]> };

/**
 * Counters in Redis, shared by every instance pointed at it. Until the first connection, checks
 * wait for it (bounded by the command timeout); once the connection has failed, they fail at once
 * (and the limiter lets requests through) until it is back, so a Redis outage adds no latency.
 */
export class RedisStore implements CounterStore {
  private readonly redis: RedisWithAdd;
  private down = false;

  constructor(
    url: string,
    private readonly prefix: string,
  ) {
    // Loaded only with REDIS_URL: an instance without it never pays for the client (~5 MiB resident).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { default: RedisClient } = require('ioredis') as typeof import('ioredis');
    const redis = new RedisClient(url, { maxRetriesPerRequest: 1, commandTimeout: 1000 });
    redis.defineCommand('rateAdd', { numberOfKeys: 1, lua: ADD_SCRIPT });
    redis.on('error', () => void (this.down = true));
    redis.on('ready', () => void (this.down = false));
    this.redis = redis as RedisWithAdd;
  }

  async add(key: string, by: number, windowMs: number) {
    if (this.down && this.redis.status !== 'ready') throw new Error(`Redis is ${this.redis.status}`);
    const [count, resetInMs] = await this.redis.rateAdd(this.prefix + key, by, windowMs);
    return { count, resetInMs };
  }

  async close(): Promise<void> {
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => undefined);
    this.redis.disconnect();
  }
}

/** Open things per key at once on this instance (WebSocket connections, live subscriptions). */
export class ConcurrencyCap {
  private readonly counts = new Map<string, number>();
  constructor(private readonly max: number) {}

  tryAcquire(key: string): boolean {
    const n = this.counts.get(key) ?? 0;
    if (n >= this.max) return false;
    this.counts.set(key, n + 1);
    return true;
  }

  release(key: string): void {
    const n = (this.counts.get(key) ?? 0) - 1;
    if (n > 0) this.counts.set(key, n);
    else this.counts.delete(key);
  }
}

const OK: Decision = { allowed: true, retryAfter: 0 };

export class RateLimiter {
  readonly wsConnections: ConcurrencyCap;
  readonly wsSubscriptions: ConcurrencyCap;
  private lastStoreWarning = 0;

  constructor(
    readonly config: RateLimitsConfig,
    private readonly store: CounterStore,
    private readonly log: Logger,
  ) {
    this.wsConnections = new ConcurrencyCap(config.enabled ? config.wsConnectionsPerUser : Infinity);
    this.wsSubscriptions = new ConcurrencyCap(config.enabled ? config.wsSubscriptionsPerUser : Infinity);
  }

  get enabled(): boolean {
    return this.config.enabled;
  }

  /** Whether `key` is already over `rule` (for rules that count failures), without counting. */
  peek(rule: RuleName, key: string): Promise<Decision> {
    return this.count(rule, key, 0);
  }

  /** Counts one event for `key` and says whether it is within `rule`. */
  hit(rule: RuleName, key: string): Promise<Decision> {
    return this.count(rule, key, 1);
  }

  private async count(rule: RuleName, key: string, by: 0 | 1): Promise<Decision> {
    if (!this.config.enabled) return OK;
    const r: RateRule = this.config[rule];
    try {
      const { count, resetInMs } = await this.store.add(`${rule}:${key}`, by, r.windowMs);
      const over = by === 0 ? count >= r.limit : count > r.limit;
      return over ? { allowed: false, retryAfter: Math.max(1, Math.ceil(resetInMs / 1000)) } : OK;
    } catch (err) {
      // The store is down: serving everyone beats refusing everyone. Said once a minute, not per request.
      if (Date.now() - this.lastStoreWarning > 60_000) {
        this.lastStoreWarning = Date.now();
        this.log.warn({ err }, 'rate limit store unavailable; requests are not being limited');
      }
      return OK;
    }
  }

  /** The most restrictive of several decisions. */
  static worst(decisions: Decision[]): Decision {
    return decisions.reduce((a, b) => (b.allowed ? a : !a.allowed && a.retryAfter >= b.retryAfter ? a : b), OK);
  }

  /**
   * Counts a GraphQL operation against the mutation and booking limits (HTTP and WebSocket alike).
   * Queries and subscriptions are bounded by the operation limits instead.
   */
  async checkOperation(
    operation: OperationDefinitionNode | null | undefined,
    document: DocumentNode,
    viewer: Viewer | null,
    ip: string,
  ): Promise<Decision> {
    if (!this.config.enabled || operation?.operation !== 'mutation') return OK;
    const checks = [this.hit('mutationsPerIp', ip)];
    if (viewer) checks.push(this.hit('mutationsPerUser', viewer.id));
    if (rootFields(operation.selectionSet, document).has('bookConsultation')) {
      checks.push(this.hit('bookingsPerIp', ip));
      if (viewer) checks.push(this.hit('bookingsPerUser', viewer.id));
    }
    return RateLimiter.worst(await Promise.all(checks));
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

/** Root field names of an operation, through fragments (each fragment once). */
function rootFields(set: SelectionSetNode, document: DocumentNode, seen = new Set<string>(), names = new Set<string>()): Set<string> {
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) names.add(sel.name.value);
    else if (sel.kind === Kind.INLINE_FRAGMENT) rootFields(sel.selectionSet, document, seen, names);
    else if (!seen.has(sel.name.value)) {
      seen.add(sel.name.value);
      const frag = document.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === sel.name.value);
      if (frag?.kind === Kind.FRAGMENT_DEFINITION) rootFields(frag.selectionSet, document, seen, names);
    }
  }
  return names;
}

export function createRateLimiter(config: Config, log: Logger): RateLimiter {
  const { rateLimits, redisUrl, redisKeyPrefix } = config.security;
  const store = redisUrl && rateLimits.enabled ? new RedisStore(redisUrl, redisKeyPrefix) : new MemoryStore();
  return new RateLimiter(rateLimits, store, log.child({ component: 'rate-limit' }));
}

/** TRUST_PROXY as Fastify's `trustProxy` takes it (its types have no hop count: a count becomes a function). */
export function trustProxyOption(trust: Config['security']['trustProxy']): boolean | string[] | ((addr: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_addr, hop) => hop < trust : trust;
}

/** The client's address for a raw request (a WebSocket upgrade), believing X-Forwarded-For exactly as Fastify does. */
export function clientIpOf(req: IncomingMessage, trust: Config['security']['trustProxy']): string {
  const option = trustProxyOption(trust);
  if (option === false) return req.socket.remoteAddress ?? 'unknown';
  return proxyAddr(req, option === true ? () => true : typeof option === 'function' ? option : proxyAddr.compile(option));
}

export const RATE_LIMITED_MESSAGE = 'Too many requests; try again later';

/** Over GraphQL: code RATE_LIMITED with retryAfter; over HTTP Apollo answers it 429 with Retry-After. */
export function rateLimitedError(retryAfter: number): GraphQLError {
  return new GraphQLError(RATE_LIMITED_MESSAGE, {
    extensions: {
      code: 'RATE_LIMITED',
      retryAfter,
      http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfter)]]) },
    },
  });
}

function send429(request: FastifyRequest, reply: FastifyReply, retryAfter: number): FastifyReply {
  reply.code(429).header('retry-after', String(retryAfter));
  if (request.url.startsWith('/graphql')) {
    return reply.send({ errors: [{ message: RATE_LIMITED_MESSAGE, extensions: { code: 'RATE_LIMITED', retryAfter } }] });
  }
  return reply.send({ error: RATE_LIMITED_MESSAGE, retryAfter });
}

const isWebhook = (request: FastifyRequest) => request.url.startsWith('/webhooks/');
const clientIps = new WeakMap<Context, string>();

/**
 * HTTP wiring. Before a request: an IP over its refused-token limit gets 429 for any request that
 * carries a token, and over its refused-webhook limit for any webhook delivery. After: a refused
 * webhook delivery (4xx) counts against its IP. Refused tokens are counted where the context is
 * built (`noteContext`), mutations and bookings once the operation is known (`rateLimitPlugin`).
 */
export function installRateLimits(fastify: FastifyInstance, limiter: RateLimiter): void {
  if (!limiter.enabled) return;
  fastify.addHook('onRequest', async (request, reply) => {
    if (isWebhook(request)) {
      const d = await limiter.peek('webhookFailuresPerIp', request.ip);
      if (!d.allowed) return send429(request, reply, d.retryAfter);
    } else if (request.headers.authorization) {
      const d = await limiter.peek('authFailuresPerIp', request.ip);
      if (!d.allowed) return send429(request, reply, d.retryAfter);
    }
  });
  fastify.addHook('onResponse', async (request, reply) => {
    if (isWebhook(request) && reply.statusCode >= 400 && reply.statusCode < 500 && reply.statusCode !== 429) {
      await limiter.hit('webhookFailuresPerIp', request.ip);
    }
  });
}

/** Remembers the client address of a request's context and counts a refused token against it. */
export async function noteContext(limiter: RateLimiter, ip: string, context: Context): Promise<Context> {
  clientIps.set(context, ip);
  if (context.authError) await limiter.hit('authFailuresPerIp', ip);
  return context;
}

/** Mutation and booking limits for operations over HTTP. */
export function rateLimitPlugin(limiter: RateLimiter): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      if (!limiter.enabled) return;
      return {
        async didResolveOperation({ operation, document, contextValue }) {
          const ip = clientIps.get(contextValue) ?? 'unknown';
          const d = await limiter.checkOperation(operation, document, contextValue.viewer, ip);
          if (!d.allowed) throw rateLimitedError(d.retryAfter);
        },
      };
    },
  };
}
