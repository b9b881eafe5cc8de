import { logRedaction } from './log-redact';
import { AsyncLocalStorage } from 'node:async_hooks';
import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * What every log line written while handling one request or one job should carry, whoever
 * writes it (Fastify, a resolver, a service deep down, the ORM). The key is `reqId` everywhere:
 * Fastify's own request logs use it, and so does everything below, through this scope.
 */
export interface LogScope {
  /** The request id (the `x-request-id` header, or one we made): of the request itself, or of the request that queued a job. */
  reqId?: string;
  /** graphile-worker's job id, for lines written while a job runs. */
  jobId?: string;
  task?: string;
}

const scope = new AsyncLocalStorage<LogScope>();

/** Runs `fn` (and everything it starts) with `s` added to every log line. */
export function withLogScope<T>(s: LogScope, fn: () => T): T {
  return scope.run(s, fn);
}

/** The request id of the request being handled, if any: queued jobs carry it as `reqId` in their payload. */
export function currentReqId(): string | null {
  return scope.getStore()?.reqId ?? null;
}

/** The scope of the request or job running now, if any (tests attribute SQL statements with it). */
export function currentLogScope(): Readonly<LogScope> | undefined {
  return scope.getStore();
}

const { chindingsSym } = pino.symbols;

/**
 * The root logger. Its mixin adds the current scope to each line, except a `reqId` the logger
 * already binds (Fastify's request logger, a WebSocket operation's logger), so no key appears twice.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    ...logRedaction,
    level,
    mixin(_obj, _level, logger) {
      const s = scope.getStore();
      if (!s) return {};
      const bound = (logger as unknown as Record<symbol, string | undefined>)[chindingsSym];
      if (s.reqId && bound?.includes('"reqId":')) {
        const { reqId: _bound, ...rest } = s;
        return rest;
      }
      return s;
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
